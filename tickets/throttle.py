"""Growing delays for guesses at one account or one application from devices it does not know.

A stranger must not be able to lock an owner out (issue #19). So there is no lock: the owner's own
devices — an agent's browser after a login, a merchant's conversation that applied for or proved an
application — are never throttled here, and unknown devices are slowed down per account or
application, more with every failure: a few free tries, then a wait that doubles up to a cap.

The key is what was typed (a username, an application number), whether or not it exists, so the
answer never tells a stranger which accounts or applications there are. Rows are kept in the
database: the delay holds across replicas and restarts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from tickets import models as m


class Scope(str, enum.Enum):
    LOGIN = "login"  # an agent account, by username
    PROOF = "proof"  # a deregistration application, by number


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures from unknown devices before any wait
    first_delay: timedelta  # the wait after the first failure past the free ones
    max_delay: timedelta  # the wait never grows past this
    forget_after: timedelta  # failures older than this no longer count

    def delay_after(self, failures: int) -> timedelta:
        """The wait after `failures` failures in a row (none while within the free ones)."""
        over = failures - self.free_failures
        if over < 0:
            return timedelta(0)
        return min(self.first_delay * (2 ** min(over, 30)), self.max_delay)


# A person who mistypes gets several free tries; a script gets one try per delay, which doubles from a
# minute to a cap of 15 (logins) or 30 minutes (proofs; 10 wrong phones already cost an address its hour).
POLICIES = {
    Scope.LOGIN: Policy(5, timedelta(minutes=1), timedelta(minutes=15), timedelta(hours=24)),
    Scope.PROOF: Policy(5, timedelta(minutes=1), timedelta(minutes=30), timedelta(hours=24)),
}
KEY_LEN = 64
_SWEEP_BATCH = 100  # old rows deleted at a time, on the way (no table is ever scanned at once)


def _key(key: str) -> str:
    return (key or "").strip().upper()[:KEY_LEN]


def _row(session: Session, scope: Scope, key: str) -> Optional[m.Throttle]:
    return session.execute(
        select(m.Throttle).where(m.Throttle.scope == scope.value, m.Throttle.key == _key(key)).with_for_update()
    ).scalar_one_or_none()


def wait_left(session: Session, scope: Scope, key: str, now: datetime) -> Optional[timedelta]:
    """How long unknown devices must still wait before trying `key` again (None: they may try)."""
    row = session.execute(
        select(m.Throttle.blocked_until).where(m.Throttle.scope == scope.value, m.Throttle.key == _key(key))
    ).scalar_one_or_none()
    if row is None or row <= now:
        return None
    return row - now


def record_failure(session: Session, scope: Scope, key: str, now: datetime) -> timedelta:
    """Count one failure from an unknown device; returns the wait it now costs (maybe none).

    In the caller's write transaction. Two first failures at once may both insert: the unique index
    refuses one, which is then counted on the row the other made.
    """
    policy = POLICIES[scope]
    row = _row(session, scope, key)
    if row is None:
        row = m.Throttle(scope=scope.value, key=_key(key), failures=0, last_failure_at=now)
        try:
            with session.begin_nested():
                session.add(row)
        except sa_exc.IntegrityError:
            row = _row(session, scope, key)
            assert row is not None
    if now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    delay = policy.delay_after(row.failures)
    row.blocked_until = now + delay if delay else None
    _sweep(session, now - max(p.forget_after for p in POLICIES.values()))
    return delay


def clear(session: Session, scope: Scope, key: str) -> None:
    """The right answer from an unknown device: its earlier failures no longer count."""
    session.execute(
        delete(m.Throttle)
        .where(m.Throttle.scope == scope.value, m.Throttle.key == _key(key))
        .execution_options(synchronize_session=False)
    )


def _sweep(session: Session, before: datetime) -> None:
    stale = select(m.Throttle.id).where(m.Throttle.last_failure_at < before).limit(_SWEEP_BATCH)
    session.execute(
        delete(m.Throttle)
        .where(m.Throttle.id.in_(stale.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )


def minutes(wait: timedelta) -> int:
    """A wait as whole minutes for a message (at least 1)."""
    return max(1, -(-int(wait.total_seconds()) // 60))
