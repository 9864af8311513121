"""`python -m tickets` runs the staff command line."""

from runtime.settings import start
from tickets.cli import main

start()  # the environment checked once: a bad value stops here, with a message
raise SystemExit(main())
