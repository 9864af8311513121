"""The back office of 注销助手: deregistration tickets, handoff cases and agent accounts.

- db:        engines, the `Database` (transactions and clock), migrate()
- models:    SQLAlchemy tables (the migrations in migrations/ are the schema's source of truth)
- views:     the frozen dataclasses the stores return
- statuses:  statuses, reasons, actors, Chinese labels, allowed moves (tickets and cases)
- errors:    what the stores raise, with the HTTP status the console maps them to
- numbering: daily ZX/RG numbers
- store:     TicketStore — deregistration tickets
- handoff:   HandoffQueue — handoff cases
- agents:    AgentDirectory — agent accounts and console sessions
- office:    BackOffice — all of the above for one process (back_office())
- cli:       staff command line, `python -m tickets --help`

Value shapes and masking live in the `shapes` package (no SQL there).
"""
