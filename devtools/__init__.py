"""What the tests, the benchmarks and the experiments share: the real stack started on free ports,
clients that speak the product's protocols, NLU scoring, a controllable TCP proxy. Never imported
by the product."""
