"""Ticket store for 注销助手: the one home of deregistration ticket rules.

Modules (import what you need; this file stays empty so that importing
`tickets.statuses` or `tickets.privacy` does not pull in SQLAlchemy):

- statuses: Status / Reason / ReturnMethod / Actor, Chinese labels, allowed moves
- privacy:  masking and log redaction of phone, merchant and card numbers
- errors:   exceptions raised by the store
- models:   SQLAlchemy tables (the migrations in migrations/ are the schema's source of truth)
- db:       database URL, engine factory, migrate()
- store:    TicketStore (sync) and AsyncTicketStore (for Rasa actions)
- cli:      staff command line, `python -m tickets --help`
"""
