"""Configuration comes only from the environment; bad values stop start-up clearly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import campanella.settings as production_settings
from campanella.lib.config import (
    ConfigError,
    env_bool,
    env_database,
    env_email,
    env_int,
    env_secret_key,
)

PROJECT = Path(__file__).resolve().parent.parent


def test_passwords_are_hashed_with_argon2_in_production() -> None:
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_italian_and_rome_time() -> None:
    assert production_settings.LANGUAGE_CODE == "it"
    assert production_settings.TIME_ZONE == "Europe/Rome"


def test_bool_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "sì")
    assert env_bool("X_FLAG", default=False) is True
    monkeypatch.setenv("X_FLAG", "forse")
    with pytest.raises(ConfigError, match="X_FLAG"):
        env_bool("X_FLAG", default=False)


def test_int_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUM", "tre")
    with pytest.raises(ConfigError, match="non è un numero intero"):
        env_int("X_NUM", default=1)
    monkeypatch.setenv("X_NUM", "5")
    with pytest.raises(ConfigError, match="almeno 300"):
        env_int("X_NUM", default=1, minimum=300)


def test_secret_key_required_outside_the_demo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY non è impostata"):
        env_secret_key(demo=False, var_dir=tmp_path)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="troppo corta"):
        env_secret_key(demo=False, var_dir=tmp_path)


def test_demo_secret_key_is_generated_once_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = env_secret_key(demo=True, var_dir=tmp_path)
    assert len(first) >= 50
    assert env_secret_key(demo=True, var_dir=tmp_path) == first
    assert (tmp_path / "demo_secret_key").stat().st_mode & 0o077 == 0


def test_database_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("X_DB", raising=False)
    assert env_database("X_DB", default_sqlite=tmp_path / "a.sqlite3")["ENGINE"].endswith("sqlite3")
    monkeypatch.setenv("X_DB", "postgres://u:p@127.0.0.1:5432/campanella")
    config = env_database("X_DB", default_sqlite=tmp_path / "a.sqlite3")
    assert config["ENGINE"].endswith("postgresql")
    assert config["NAME"] == "campanella"
    assert config["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 5}
    monkeypatch.setenv("DATABASE_PREPARED_STATEMENTS", "0")  # behind PgBouncer
    unprepared = env_database("X_DB", default_sqlite=tmp_path / "a.sqlite3")
    assert "prepare_threshold" not in unprepared.get("OPTIONS", {})
    monkeypatch.setenv("X_DB", "mysql://u:p@h/db")
    with pytest.raises(ConfigError, match="non supportato"):
        env_database("X_DB", default_sqlite=tmp_path / "a.sqlite3")


def test_email_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL_URL", "smtp://posta%40scuola.it:segreta@mail.example.org:587?tls=1")
    email = env_email()
    assert (email.host, email.port, email.user, email.use_tls) == (
        "mail.example.org",
        587,
        "posta@scuola.it",
        True,
    )
    monkeypatch.setenv("EMAIL_URL", "smtps://h?tls=1")
    with pytest.raises(ConfigError, match="non entrambi"):
        env_email()
    monkeypatch.delenv("EMAIL_URL")
    assert env_email().backend.endswith("console.EmailBackend")


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL", "DEBUG"}
    }
    clean.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "campanella.cli", *args],
        capture_output=True, text=True, env=clean, cwd=PROJECT, timeout=120, check=False,
    )  # fmt: skip


def test_start_up_stops_with_a_clear_message_on_bad_configuration(tmp_path: Path) -> None:
    result = run_cli("check", CAMPANELLA_VAR_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "Configurazione non valida: SECRET_KEY non è impostata" in result.stderr
    result = run_cli(
        "check", SECRET_KEY="x" * 40, DATABASE_URL="oracle://db", CAMPANELLA_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_good_configuration_passes_the_deploy_checks(tmp_path: Path) -> None:
    result = run_cli(
        "check",
        SECRET_KEY="k" * 60,
        CAMPANELLA_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="scuola.example.org",
    )
    assert result.returncode == 0, result.stderr
