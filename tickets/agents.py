"""Support agents: accounts with scrypt-hashed passwords, console sessions, who is online.

A session token is handed to the browser once (in an HttpOnly cookie); the database keeps only its
SHA-256, so a leaked database does not let anyone log in. Sessions expire after SESSION_TTL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import delete, func, select
from sqlalchemy import exc as sa_exc

from tickets import models as m
from tickets import throttle
from tickets.db import Database
from tickets.errors import TicketError
from tickets.handoff import HandoffQueue
from tickets.statuses import AgentRole
from tickets.views import AgentView

SESSION_TTL = timedelta(hours=8)
ONLINE_WINDOW = timedelta(seconds=60)  # the console polls every few seconds
_SEEN_RESOLUTION = timedelta(seconds=10)  # write last_seen_at at most this often
_USERNAME = re.compile(r"[a-z][a-z0-9_.-]{1,31}")
MIN_PASSWORD_LEN = 8
# scrypt parameters (RFC 7914 interactive-login strength; ~16 MB, tens of ms).
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32


class AgentError(TicketError):
    """A refused account operation; the message is Chinese and safe to show."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    encode = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    return f"scrypt${_N}${_R}${_P}${encode(salt)}${encode(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return scheme == "scrypt" and hmac.compare_digest(actual, expected)


# Checked when the username is unknown, so that a miss costs as much time as a wrong password.
_DECOY_HASH = hash_password(secrets.token_hex(8))


def device_key_of(password_hash: str) -> str:
    """What a device cookie carries for an agent: changes with the password, so a new password
    (or the reset of a stolen one) makes every earlier device unknown again. Not the hash itself."""
    return hashlib.sha256(b"zx-agent-device:" + password_hash.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoginOutcome:
    """A login: the agent and session token when it succeeded, the device key for the browser's
    device cookie, or — for an unknown device that must wait — how long (nothing was checked)."""

    agent: Optional[AgentView] = None
    token: Optional[str] = None
    device_key: Optional[str] = None
    retry_after: Optional[timedelta] = None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _view(row: m.Agent) -> AgentView:
    return AgentView(row.username, row.display_name, bool(row.active), AgentRole(row.role))


class AgentDirectory:
    """Agent accounts and sessions on a Database (synchronous, thread-safe)."""

    def __init__(self, db: Database, queue: HandoffQueue) -> None:
        self.db = db
        self._queue = queue  # disabling an account puts its cases back in the queue

    # -- accounts ---------------------------------------------------------------------------

    def create_agent(
        self, username: str, display_name: str, password: str, role: AgentRole = AgentRole.AGENT
    ) -> AgentView:
        username = (username or "").strip().lower()
        display_name = (display_name or "").strip()
        if not _USERNAME.fullmatch(username):
            raise AgentError("用户名须为 2–32 位小写字母、数字或 _ . -，以字母开头")
        if not 0 < len(display_name) <= m.DISPLAY_NAME_LEN:
            raise AgentError(f"显示名不能为空，且不超过 {m.DISPLAY_NAME_LEN} 个字")
        self._check_password(password)
        try:
            with self.db.transaction(write=True) as session:
                row = m.Agent(
                    username=username,
                    display_name=display_name,
                    password_hash=hash_password(password),
                    active=True,
                    role=AgentRole(role).value,
                    created_at=self.db.clock(),
                )
                session.add(row)
                session.flush()
                return _view(row)
        except sa_exc.IntegrityError:
            raise AgentError(f"用户名 {username} 已存在") from None

    @staticmethod
    def _check_password(password: str) -> None:
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LEN:
            raise AgentError(f"密码至少 {MIN_PASSWORD_LEN} 位")

    def set_password(self, username: str, password: str) -> None:
        self._check_password(password)
        with self.db.transaction(write=True) as session:
            row = self._agent_row(session, username)
            row.password_hash = hash_password(password)
            session.execute(delete(m.AgentSession).where(m.AgentSession.agent_id == row.id))

    def set_active(self, username: str, active: bool) -> None:
        """Disabling ends the agent's sessions and puts their claimed cases back in the queue."""
        with self.db.transaction(write=True) as session:
            row = self._agent_row(session, username)
            row.active = active
            if not active:
                session.execute(delete(m.AgentSession).where(m.AgentSession.agent_id == row.id))
        if not active:
            self._queue.requeue_cases_of(row.username)

    @staticmethod
    def _find(session, username: str) -> Optional[m.Agent]:
        return session.execute(
            select(m.Agent).where(m.Agent.username == (username or "").strip().lower())
        ).scalar_one_or_none()

    def _agent_row(self, session, username: str) -> m.Agent:
        row = self._find(session, username)
        if row is None:
            raise AgentError(f"没有用户名为 {username} 的客服")
        return row

    def list_agents(self) -> List[AgentView]:
        with self.db.transaction(write=False) as session:
            return [_view(r) for r in session.execute(select(m.Agent).order_by(m.Agent.username)).scalars()]

    # -- sessions ---------------------------------------------------------------------------

    def login(self, username: str, password: str, *, device_key: Optional[str] = None) -> LoginOutcome:
        """A session for the right password of an active agent.

        `device_key` is what the browser's device cookie carries (see `device_key()`): a browser
        where this agent logged in before, and since then the password has not changed. Failures
        from such a device never slow it down; any other device is throttled per username as typed
        (tickets.throttle) — a few free tries, then growing waits — so strangers, from any number
        of addresses, slow down only devices the account does not know, and learn nothing about
        which usernames exist (an unknown one is throttled and answered alike).
        """
        key = (username or "").strip().lower()
        now = self.db.clock()
        with self.db.transaction(write=False) as session:
            row = self._find(session, username)
            stored = row.password_hash if row is not None else _DECOY_HASH
            view = _view(row) if row is not None else None
            agent_id = row.id if row is not None else None
            known = bool(device_key) and row is not None and hmac.compare_digest(device_key, device_key_of(stored))
            wait = None if known else throttle.wait_left(session, throttle.Scope.LOGIN, key, now)
        if wait is not None:
            return LoginOutcome(retry_after=wait)  # the password is not even checked
        right = verify_password(password or "", stored) and view is not None
        if not right or view is None or agent_id is None:
            if not known:
                with self.db.transaction(write=True) as session:
                    throttle.record_failure(session, throttle.Scope.LOGIN, key, now)
            return LoginOutcome()
        if not view.active:
            return LoginOutcome()
        token = secrets.token_urlsafe(32)
        with self.db.transaction(write=True) as session:
            session.add(
                m.AgentSession(
                    token_hash=_token_hash(token), agent_id=agent_id, created_at=now, expires_at=now + SESSION_TTL
                )
            )
            session.execute(delete(m.AgentSession).where(m.AgentSession.expires_at < now))
            session.get(m.Agent, agent_id).last_seen_at = now
            if not known:
                throttle.clear(session, throttle.Scope.LOGIN, key)
        return LoginOutcome(agent=view, token=token, device_key=device_key_of(stored))

    def agent_for_session(self, token: Optional[str], *, heartbeat: bool = True) -> Optional[AgentView]:
        """The agent behind a live session token (and, with `heartbeat`, mark them online)."""
        if not token or len(token) > 128:
            return None
        now = self.db.clock()
        with self.db.transaction(write=False) as session:
            found = session.execute(
                select(m.Agent, m.AgentSession.expires_at)
                .join(m.AgentSession, m.AgentSession.agent_id == m.Agent.id)
                .where(m.AgentSession.token_hash == _token_hash(token))
            ).one_or_none()
        if found is None or found[1] <= now or not found[0].active:
            return None
        agent = found[0]
        if heartbeat and (agent.last_seen_at is None or now - agent.last_seen_at > _SEEN_RESOLUTION):
            with self.db.transaction(write=True) as session:
                session.get(m.Agent, agent.id).last_seen_at = now
        return _view(agent)

    def logout(self, token: Optional[str]) -> None:
        if token:
            with self.db.transaction(write=True) as session:
                session.execute(delete(m.AgentSession).where(m.AgentSession.token_hash == _token_hash(token)))

    def online_count(self) -> int:
        """Active agents seen by the console within ONLINE_WINDOW."""
        since: datetime = self.db.clock() - ONLINE_WINDOW
        with self.db.transaction(write=False) as session:
            return session.execute(
                select(func.count()).select_from(m.Agent).where(m.Agent.active.is_(True), m.Agent.last_seen_at >= since)
            ).scalar_one()

    def display_names(self) -> dict:
        with self.db.transaction(write=False) as session:
            return dict(session.execute(select(m.Agent.username, m.Agent.display_name)).all())
