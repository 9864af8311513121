"""`python -m tickets` runs the staff command line."""

from tickets.cli import main

raise SystemExit(main())
