"""Reading configuration from environment variables, with clear Italian errors.

Settings must come only from the environment (12-factor); a bad value stops start-up with a
message that names the variable and the expected form, never a stack trace deep in Django.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "si", "sì"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class ConfigError(Exception):
    """A configuration value is missing or malformed."""


def env_str(name: str, *, default: str) -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} non è valido: usare 1/0, true/false, yes/no, on/off.")


def env_int(name: str, *, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} non è un numero intero.") from None
    if value < minimum:
        raise ConfigError(f"{name} deve essere almeno {minimum} (ricevuto {value}).")
    return value


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret_key(*, demo: bool, var_dir: Path) -> str:
    """SECRET_KEY is required in production; the demo generates one and keeps it in var/."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 32:
            raise ConfigError("SECRET_KEY è troppo corta: servono almeno 32 caratteri casuali.")
        return key
    if not demo:
        raise ConfigError(
            "SECRET_KEY non è impostata. Generarne una con: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    key_file = var_dir / "demo_secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def env_database(name: str, *, default_sqlite: Path) -> dict[str, Any]:
    raw = os.environ.get(name, "").strip()
    if not raw:
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_database(default_sqlite)
    scheme = urlparse(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError(
            f"{name}: schema {scheme!r} non supportato. Usare sqlite:///percorso.sqlite3 "
            "oppure postgres://utente:password@host:5432/database."
        )
    if scheme == "sqlite":
        path = Path(unquote(urlparse(raw).path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite_database(path)
    # Persistent connections (health-checked): reconnecting every minute cost ~100 ms to the
    # first request of each worker under the 08:00 load (docs/benchmarks.md).
    config: dict[str, Any] = dict(dj_database_url.parse(raw, conn_max_age=600))
    if not config.get("NAME"):
        raise ConfigError(f"{name}: manca il nome del database PostgreSQL.")
    config["CONN_HEALTH_CHECKS"] = True
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Values bound by the server, and a statement run 5 times on a connection prepared:
        # PostgreSQL then plans it once (planning cost more than running the grade pages'
        # queries). Turn off behind a pooler in transaction mode (PgBouncer), which cannot
        # keep prepared statements per connection.
        config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
    return config


def sqlite_database(path: Path) -> dict[str, Any]:
    # WAL and a busy timeout let the web server and the worker share one SQLite file.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
        # Tests use a file too (not shared-cache memory), so locking behaves as in production.
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    host: str
    port: int
    user: str
    password: str
    use_tls: bool
    use_ssl: bool
    from_address: str


def env_email() -> EmailConfig:
    """EMAIL_URL=smtp://user:password@host:587?tls=1 ; unset: mails are printed on the console."""
    from_address = env_str("EMAIL_FROM", default="Campanella <noreply@localhost>")
    raw = os.environ.get("EMAIL_URL", "").strip()
    if not raw:
        return EmailConfig(
            backend="django.core.mail.backends.console.EmailBackend",
            host="localhost",
            port=25,
            user="",
            password="",
            use_tls=False,
            use_ssl=False,
            from_address=from_address,
        )
    url = urlparse(raw)
    if url.scheme not in {"smtp", "smtps"} or not url.hostname:
        raise ConfigError("EMAIL_URL deve avere la forma smtp://utente:password@host:porta")
    query = parse_qs(url.query)
    use_ssl = url.scheme == "smtps"
    use_tls = query.get("tls", ["0"])[0].lower() in TRUE_WORDS
    if use_ssl and use_tls:
        raise ConfigError(
            "EMAIL_URL: scegliere smtps:// (SSL) oppure ?tls=1 (STARTTLS), non entrambi."
        )
    try:
        port = url.port or (465 if use_ssl else 25)
    except ValueError:
        raise ConfigError("EMAIL_URL: la porta non è un numero valido.") from None
    return EmailConfig(
        backend="django.core.mail.backends.smtp.EmailBackend",
        host=url.hostname,
        port=port,
        user=unquote(url.username or ""),
        password=unquote(url.password or ""),
        use_tls=use_tls,
        use_ssl=use_ssl,
        from_address=from_address,
    )


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or networks (`10.0.0.5, 172.18.0.0/16, ::1`)."""
    networks = []
    for item in env_list(name, default=[]):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"{name}: {item!r} non è un indirizzo IP o una rete.") from None
    return tuple(networks)
