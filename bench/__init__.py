"""`make bench`: the figures README reports, measured on this machine (never asserted in tests)."""
