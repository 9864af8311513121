"""Many conversations at once: the database, not Python, decides who wins."""

import re
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from tickets.errors import TerminalHasOpenTicket

CALLERS = 20


def race(calls):
    """Run the calls in threads released together; return results or the exceptions raised."""
    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        try:
            return call()
        except Exception as error:  # the test inspects what each caller got
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_identical_submissions_make_one_ticket(store, application):
    request = application(idempotency_key="conv-7:submit")
    results = race([lambda: store.open_deregistration(**request)] * CALLERS)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(r.created for r in results) == 1
    assert len({r.ticket.ticket_no for r in results}) == 1
    [ticket] = store.list_tickets()
    assert len(store.history(ticket.ticket_no)) == 1


def test_different_keys_same_terminal_make_one_ticket(store, application):
    requests = [application() for _ in range(CALLERS)]
    results = race([lambda r=r: store.open_deregistration(**r) for r in requests])

    created = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, TerminalHasOpenTicket)]
    assert len(created) == 1 and len(refused) == CALLERS - 1
    assert {r.ticket.ticket_no for r in refused} == {created[0].ticket.ticket_no}


def test_different_terminals_get_distinct_numbers(store, application):
    requests = [application(terminal_sn=f"SN{n:08d}") for n in range(CALLERS)]
    results = race([lambda r=r: store.open_deregistration(**r) for r in requests])

    assert not [r for r in results if isinstance(r, Exception)]
    numbers = sorted(r.ticket.ticket_no for r in results)
    assert len(set(numbers)) == CALLERS and all(re.fullmatch(r"ZX20261127\d{6}", n) for n in numbers)
    assert len(store.list_tickets()) == CALLERS
