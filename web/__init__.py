"""The merchant web chat (a Rasa socket.io channel), the agents' console and the pages, served by
the Rasa server on one port. Dialogue code stays in actions/ and data/; this package only carries
messages and runs the handoff."""
