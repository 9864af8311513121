"""Every setting of the product: one frozen dataclass per concern, each field declared with its
environment variable, its default and one line of documentation.

The servers and the staff CLI call start() first thing: the environment is read once, checked
whole, and a bad value stops the process with a message in Chinese and English (never a traceback
later, in the middle of serving). Code reads the result through settings(). This module is the only
one that reads the environment; `python -m runtime.settings --markdown` prints the configuration
table of docs/operations.md, which a test keeps equal to these declarations.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from limits import RateLimitItem
from limits import parse as parse_limit
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from runtime import MIN_SECRET_LEN, PROJECT_ROOT, VAR, secret_from

EXIT_BAD_SETTINGS = 2
LIMIT_PREFIX = "ZX_LIMIT_"


class Invalid(ValueError):
    """One value that cannot be used: what was expected, in Chinese and in English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


# -- kinds of values: how a variable's text becomes a typed value -------------------------------


@dataclass(frozen=True)
class Kind:
    name: str  # how the table names the value
    parse: Callable[[str], Any]
    secret: bool = False  # never shown, not even in an error message


def _text(value: str) -> str:
    if any(c.isspace() for c in value):
        raise Invalid("不能包含空白字符", "must not contain spaces")
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise Invalid("应为 1 到 65535 之间的端口号", "must be a port number from 1 to 65535")
    return int(value)


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            shown = " / ".join(allowed)
            raise Invalid(f"只能是 {shown}", f"must be one of {shown}")
        return value

    return parse


def _flag(value: str) -> bool:
    return _choice("1", "0")(value) == "1"


def _url(schemes: Tuple[str, ...], *, numbered_path: bool = False) -> Callable[[str], str]:
    """A URL with one of `schemes` and a host (and, for Redis, a database number as its path)."""
    wanted = "、".join(schemes)

    def parse(value: str) -> str:
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 — raises on a port that is not a number
        except ValueError:
            raise Invalid("网址中的端口号无效", "has an invalid port") from None
        if parts.scheme not in schemes or not parts.hostname:
            raise Invalid(f"应为以 {wanted} 开头、带主机名的网址", f"must be a {'/'.join(schemes)} URL with a host")
        if numbered_path and parts.path.strip("/") and not parts.path.strip("/").isdigit():
            raise Invalid("网址路径应为数据库编号，如 /0", "must end in a database number, e.g. /0")
        return value

    return parse


def _database_url(value: str) -> str:
    try:
        backend = make_url(value).get_backend_name()
    except ArgumentError:
        raise Invalid("不是有效的数据库网址", "is not a valid SQLAlchemy database URL") from None
    if backend not in ("sqlite", "postgresql"):
        raise Invalid("只支持 sqlite 和 postgresql 数据库", "must be a sqlite or postgresql URL")
    return value


def _items(value: str) -> List[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _origins(value: str) -> Tuple[str, ...]:
    origins = tuple(item.rstrip("/") for item in _items(value))
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            raise Invalid(
                f"{origin} 不是有效的来源，应形如 https://kefu.example.com",
                f"{origin} is not an origin like https://kefu.example.com",
            )
        _url(("http", "https"))(origin)
    return origins


def _networks(value: str) -> Tuple[str, ...]:
    networks = tuple(_items(value))
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise Invalid(
                f"{network} 不是有效的 IP 地址或网段（CIDR，如 10.244.0.0/16）",
                f"{network} is not an IP address or a CIDR network like 10.244.0.0/16",
            ) from None
    return networks


def _long_enough(value: str) -> str:
    if len(value) < MIN_SECRET_LEN:
        raise Invalid(f"至少需要 {MIN_SECRET_LEN} 个字符", f"must have at least {MIN_SECRET_LEN} characters")
    return value


def _secrets(value: str) -> Tuple[bytes, ...]:
    return tuple(_long_enough(key).encode() for key in _items(value))


def _rate_limit(value: str) -> RateLimitItem:
    try:
        item = parse_limit(value)
    except ValueError:
        item = None
    if item is None or item.amount < 1:
        raise Invalid(
            "不是有效的频率限制，应形如 20/minute 或 5/15 minutes",
            "is not a rate limit like 20/minute or 5/15 minutes",
        )
    return item


HOST = Kind("host or address", _text)
PORT = Kind("port", _port)
PATH = Kind("path", lambda value: Path(value))
FLAG = Kind("`1` or `0`", _flag)
HTTP_URL = Kind("http(s) URL", _url(("http", "https")))
REDIS_URL = Kind("redis(s) URL", _url(("redis", "rediss"), numbered_path=True))
DATABASE_URL = Kind("SQLAlchemy URL", _database_url)
ORIGINS = Kind("origins, comma-separated", _origins)
NETWORKS = Kind("addresses or CIDRs, comma-separated", _networks)
SECRET = Kind(f"secret, ≥ {MIN_SECRET_LEN} characters", _long_enough, secret=True)
SECRETS = Kind(f"secrets, comma-separated, each ≥ {MIN_SECRET_LEN}", _secrets, secret=True)
LOG_FORMAT = Kind("`text` or `json`", _choice("text", "json"))
RATE_LIMIT = Kind("rate limit", _rate_limit)


@dataclass(frozen=True)
class Secret:
    """A secret from its environment variable, else a random one kept in var/<file_name> (made on
    first use, readable by the owner only, so a tool that needs no secret never writes one)."""

    value: Optional[str] = field(repr=False)
    file_name: str

    def load(self) -> bytes:
        return secret_from(self.value, VAR / self.file_name)


def setting(variable: str, default: Optional[str], kind: Kind, doc: str, *, shown: Optional[str] = None) -> Any:
    """A field read from `variable` (unset or blank: `default`, as the environment would spell it;
    None: no value). `shown` is how the table states the default when the text itself would not do."""
    return field(
        repr=not kind.secret,
        metadata={"variable": variable, "default": default, "kind": kind, "doc": doc, "shown": shown},
    )


def secret_setting(variable: str, file_name: str, doc: str) -> Any:
    return field(
        repr=False,
        metadata={
            "variable": variable,
            "default": None,
            "kind": SECRET,
            "doc": doc,
            "shown": f"generated into `var/{file_name}`",
            "file_name": file_name,
        },
    )


# -- the settings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RasaServer:
    """Rasa server (`python -m web.server`)"""

    interface: str = setting(
        "ZX_INTERFACE", "127.0.0.1", HOST, "where the chat page, console, socket.io and Rasa's API listen"
    )
    port: int = setting("ZX_PORT", "8080", PORT, "the port of the chat page, console, socket.io and Rasa's API")
    model: Path = setting(
        "ZX_MODEL",
        str(PROJECT_ROOT / "models" / "current.tar.gz"),
        PATH,
        "the trained model to serve",
        shown="`models/current.tar.gz`",
    )
    credentials: Path = setting(
        "ZX_CREDENTIALS",
        str(PROJECT_ROOT / "credentials.yml"),
        PATH,
        "the channels to serve (the web chat only)",
        shown="`credentials.yml`",
    )
    jwt_secret: Secret = secret_setting("RASA_JWT_SECRET", "rasa_jwt.key", "HS256 secret of Rasa's HTTP API")


@dataclass(frozen=True)
class Web:
    """Chat page, widget and console"""

    site_origins: Tuple[str, ...] = setting(
        "ZX_SITE_ORIGINS",
        "http://localhost:8080,http://127.0.0.1:8080",
        ORIGINS,
        "where our pages are served: allowed CORS and socket.io origins, and the only origins whose"
        " pages may write to the console API",
    )
    embed_origins: Tuple[str, ...] = setting(
        "ZX_EMBED_ORIGINS", "", ORIGINS, "partner sites whose pages may frame the chat (the widget)", shown="none"
    )
    secret_key: Secret = secret_setting(
        "ZX_SECRET_KEY",
        "web_secret.key",
        "signs the conversation cookie and keys the address hashes (every replica needs the same)",
    )
    previous_secret_keys: Tuple[bytes, ...] = setting(
        "ZX_PREVIOUS_SECRET_KEYS",
        "",
        SECRETS,
        "keys still accepted while a new `ZX_SECRET_KEY` takes over (tokens are re-signed when next seen)",
        shown="none",
    )
    secure_cookies: bool = setting(
        "ZX_SECURE_COOKIES",
        "0",
        FLAG,
        "`1` behind HTTPS: cookies get `Secure`, the chat cookie `SameSite=None` (for the widget)",
        shown="off",
    )
    trusted_proxies: Tuple[str, ...] = setting(
        "ZX_TRUSTED_PROXIES",
        "",
        NETWORKS,
        "the proxies whose `X-Forwarded-For` is believed (nginx, the ingress)",
        shown="none",
    )


@dataclass(frozen=True)
class Actions:
    """Action server (`python -m action_server`) and how Rasa reaches it"""

    url: str = setting("ZX_ACTION_URL", "http://127.0.0.1:5055/webhook", HTTP_URL, "where Rasa finds the action server")
    token: Secret = secret_setting(
        "ZX_ACTION_TOKEN", "action_token.key", "the secret Rasa presents to the action server (both read it)"
    )
    host: str = setting("ZX_ACTIONS_HOST", "127.0.0.1", HOST, "where the action server listens")
    port: int = setting("ZX_ACTIONS_PORT", "5055", PORT, "the action server's port")


@dataclass(frozen=True)
class Stores:
    """Where state is kept"""

    database_url: str = setting(
        "DATABASE_URL",
        f"sqlite:///{VAR / 'zhuxiao.db'}",
        DATABASE_URL,
        "the back office and the conversations; PostgreSQL in production, e.g. `postgresql+psycopg2://user@host/db`",
        shown="`sqlite:///var/zhuxiao.db` (WAL)",
    )
    redis_url: Optional[str] = setting(
        "ZX_REDIS_URL",
        None,
        REDIS_URL,
        "several replicas: socket.io messages, Rasa's lock store and the rate-limit counters go through Redis",
        shown="none",
    )


@dataclass(frozen=True)
class Observability:
    """Logs and metrics"""

    log_format: str = setting(
        "ZX_LOG_FORMAT", "text", LOG_FORMAT, "`json`: one JSON object per log line (masked like the text)"
    )
    metrics_port: Optional[int] = setting(
        "ZX_METRICS_PORT",
        None,
        PORT,
        "Prometheus metrics (turns, latency, errors, rate-limited requests, store timeouts) on their own port",
        shown="off",
    )
    metrics_host: str = setting("ZX_METRICS_HOST", "127.0.0.1", HOST, "where the metrics port listens")


def _limit(rule: str, default: str, doc: str) -> Any:
    return setting(LIMIT_PREFIX + rule.upper(), default, RATE_LIMIT, doc)


@dataclass(frozen=True)
class Limits:
    """Rate limits (docs/security.md; counted in Redis when ZX_REDIS_URL is set)

    Many mobile merchants in China share one IPv4 address (carrier NAT), so an address is sized for
    a crowd of merchants, while the per-conversation and per-account rules stay tight."""

    messages_per_conversation: RateLimitItem = _limit(
        "messages_per_conversation", "20/minute", "messages of one conversation (a merchant types; a script floods)"
    )
    messages_per_client: RateLimitItem = _limit(
        "messages_per_client", "300/minute", "messages from one address, all its conversations: ~50 merchants typing"
    )
    conversations_per_client: RateLimitItem = _limit(
        "conversations_per_client", "200/hour", "conversations started from one address"
    )
    handoffs_per_conversation: RateLimitItem = _limit(
        "handoffs_per_conversation", "3/hour", "handoffs asked in one conversation"
    )
    handoffs_per_client: RateLimitItem = _limit("handoffs_per_client", "30/hour", "handoffs asked from one address")
    logins_per_client: RateLimitItem = _limit(
        "logins_per_client", "60/15 minutes", "console logins from one address (an office shares one)"
    )
    login_failures_per_account_and_client: RateLimitItem = _limit(
        "login_failures_per_account_and_client",
        "5/15 minutes",
        "failed logins to one account from one browser (unknown: that address); then it waits, other devices never do",
    )
    proof_failures_per_ticket_and_client: RateLimitItem = _limit(
        "proof_failures_per_ticket_and_client", "5/30 minutes", "wrong phone numbers for one application"
    )
    proof_failures_per_client: RateLimitItem = _limit(
        "proof_failures_per_client", "30/hour", "wrong phone numbers from one address, across applications"
    )


@dataclass(frozen=True)
class Settings:
    server: RasaServer
    web: Web
    actions: Actions
    stores: Stores
    observability: Observability
    limits: Limits

    @classmethod
    def read(cls, environ: Mapping[str, str]) -> "Settings":
        """The settings in `environ`; SettingsError naming every bad value at once."""
        problems: List[Tuple[str, Optional[str], Invalid]] = []
        sections = {}
        for name, section in SECTIONS.items():
            values = {}
            for spec in fields(section):
                meta = spec.metadata
                text = (environ.get(meta["variable"]) or "").strip()
                try:
                    values[spec.name] = _value(meta, text)
                except Invalid as problem:
                    problems.append((meta["variable"], None if meta["kind"].secret else text, problem))
            sections[name] = section(**values) if not problems else None
        known = {spec.metadata["variable"] for spec in declared()}
        for variable in sorted(environ):
            if variable.startswith(LIMIT_PREFIX) and variable not in known:
                rules = sorted(v[len(LIMIT_PREFIX) :] for v in known if v.startswith(LIMIT_PREFIX))
                unknown = Invalid(
                    f"没有这条频率限制（可用：{'、'.join(rules)}）", f"is no rate limit ({', '.join(rules)})"
                )
                problems.append((variable, environ[variable], unknown))
        if problems:
            raise SettingsError(problems)
        return cls(**sections)


SECTIONS: Dict[str, type] = {
    "server": RasaServer,
    "web": Web,
    "actions": Actions,
    "stores": Stores,
    "observability": Observability,
    "limits": Limits,
}


def _value(meta: Mapping[str, Any], text: str) -> Any:
    if "file_name" in meta:
        return Secret(meta["kind"].parse(text) if text else None, meta["file_name"])
    text = text or meta["default"]
    return None if text is None else meta["kind"].parse(text)


def declared() -> Iterator[Any]:
    """Every setting's dataclass field, in the order of the table."""
    for section in SECTIONS.values():
        yield from fields(section)


def variables() -> List[str]:
    return [spec.metadata["variable"] for spec in declared()]


def default_of(variable: str) -> Optional[str]:
    """The declared default of `variable`, as the environment would spell it."""
    return next(spec.metadata["default"] for spec in declared() if spec.metadata["variable"] == variable)


class SettingsError(ValueError):
    """Bad values in the environment, said in Chinese and English (secrets never shown)."""

    def __init__(self, problems: Sequence[Tuple[str, Optional[str], Invalid]]) -> None:
        self.problems = list(problems)
        lines = ["配置有误 / Invalid configuration:"]
        for variable, text, problem in self.problems:
            value = "（值已隐藏 / value hidden）" if text is None else f'="{text}"'
            lines.append(f"  {variable}{value}：{problem.zh} / {problem.en}")
        lines.append("请修改以上环境变量后重新启动。/ Fix the environment variables above and start again.")
        super().__init__("\n".join(lines))


# -- this process's settings ---------------------------------------------------------------------

_started: Optional[Settings] = None


def start(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Read and check the environment once, at process start (both servers, the CLI). Bad values
    stop the process here, with the message, instead of failing later in the middle of serving."""
    global _started
    try:
        _started = Settings.read(os.environ if environ is None else environ)
    except SettingsError as error:
        print(error, file=sys.stderr)
        raise SystemExit(EXIT_BAD_SETTINGS) from None
    return _started


def settings() -> Settings:
    """The settings start() read; in a process that did not call it (tests, tools), the environment
    as it is now."""
    return _started if _started is not None else Settings.read(os.environ)


def export_for_rasa(config: Settings) -> None:
    """endpoints.yml takes the action server's address and token from the environment (Rasa expands
    ${VAR} there); our environment is not visible to other users, unlike the command line."""
    os.environ["ZX_ACTION_URL"] = config.actions.url
    os.environ["ZX_ACTION_TOKEN"] = config.actions.token.load().decode()


# -- the table of docs/operations.md ---------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown() -> str:
    """The configuration table of docs/operations.md, one part per concern."""
    parts = []
    for section in SECTIONS.values():
        rows = [
            f"**{(section.__doc__ or section.__name__).splitlines()[0]}**",
            "",
            "| variable | value | default | meaning |",
            "|---|---|---|---|",
        ]
        for spec in fields(section):
            meta = spec.metadata
            default = meta["shown"] or f"`{meta['default']}`"
            rows.append(
                f"| `{meta['variable']}` | {_cell(meta['kind'].name)} | {_cell(default)} | {_cell(meta['doc'])} |"
            )
        parts.append("\n".join(rows))
    return "\n\n".join(parts) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime.settings", description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the configuration table of docs/operations.md")
    args = parser.parse_args(argv)
    if args.markdown:
        sys.stdout.write(markdown())
        return 0
    start()  # checks the environment: exits with the message when a value is bad
    print("配置无误 / configuration is valid")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
