"""Settings: read once from the environment and .env (environment wins), validated, secret never shown."""

from __future__ import annotations

import os
import re
from dataclasses import fields
from pathlib import Path

import pytest

from spotify_enrichment.errors import SettingsError
from spotify_enrichment.settings import (
    DEFAULT_ACCOUNTS_URL,
    DEFAULT_API_URL,
    SETTING_DOCS,
    Settings,
    load_settings,
    shown_default,
)

PROJECT_ROOT = Path(__file__).resolve().parents[3]

SECRET = "s3cr3t-value-never-shown"
REFRESH = "refresh-token-never-shown"
BASE = {"SPOTIFY_CLIENT_ID": "client-id", "SPOTIFY_CLIENT_SECRET": SECRET}


def test_defaults_follow_the_design() -> None:
    settings = load_settings(BASE, dotenv_path=os.devnull)
    assert settings.api_url == DEFAULT_API_URL == "https://api.spotify.com/v1"
    assert settings.accounts_url == DEFAULT_ACCOUNTS_URL == "https://accounts.spotify.com"
    assert settings.api_mode == "auto"
    assert settings.max_wait_seconds == 120
    assert settings.refresh_token is None
    assert settings.token_url == "https://accounts.spotify.com/api/token"


def test_environment_wins_over_dotenv_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "SPOTIFY_CLIENT_ID=from-file\nSPOTIFY_CLIENT_SECRET=file-secret\nSPOTIFY_API_MODE=single\n"
        "SPOTIFY_API_URL=http://127.0.0.1:9/v1/\n",
        encoding="utf-8",
    )
    settings = load_settings({"SPOTIFY_CLIENT_ID": "from-env"}, dotenv_path=dotenv)
    assert settings.client_id == "from-env"
    assert settings.client_secret == "file-secret"
    assert settings.api_mode == "single"
    assert settings.api_url == "http://127.0.0.1:9/v1"


def test_dotenv_in_the_working_directory_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("SPOTIFY_CLIENT_ID=cwd-id\nSPOTIFY_CLIENT_SECRET=x\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings({}).client_id == "cwd-id"


def test_a_missing_explicit_dotenv_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(BASE, dotenv_path=tmp_path / "missing.env")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SPOTIFY_CLIENT_ID", "", "SPOTIFY_CLIENT_ID is not set"),
        ("SPOTIFY_CLIENT_SECRET", "", "SPOTIFY_CLIENT_SECRET is not set"),
        ("SPOTIFY_API_URL", "ftp://example.com", "SPOTIFY_API_URL must be an http"),
        ("SPOTIFY_API_URL", "api.spotify.com/v1", "SPOTIFY_API_URL must be an http"),
        (
            "SPOTIFY_ACCOUNTS_URL",
            "https://user:pw@accounts.spotify.com",
            "SPOTIFY_ACCOUNTS_URL must be a plain",
        ),
        ("SPOTIFY_API_MODE", "fast", "SPOTIFY_API_MODE must be one of auto, batch, single"),
        ("SPOTIFY_CONCURRENCY", "0", "SPOTIFY_CONCURRENCY must be at least 1"),
        ("SPOTIFY_CONCURRENCY", "many", "SPOTIFY_CONCURRENCY must be an integer"),
        ("SPOTIFY_MAX_WAIT_SECONDS", "-1", "SPOTIFY_MAX_WAIT_SECONDS must be at least 0"),
        ("SPOTIFY_MAX_WAIT_SECONDS", "nan", "SPOTIFY_MAX_WAIT_SECONDS must be at least 0"),
        ("SPOTIFY_REQUESTS_PER_WINDOW", "1.5", "SPOTIFY_REQUESTS_PER_WINDOW must be an integer"),
        ("SPOTIFY_READ_TIMEOUT_SECONDS", "0", "SPOTIFY_READ_TIMEOUT_SECONDS must be at least"),
        ("SPOTIFY_BATCH_CONCURRENCY", "257", "SPOTIFY_BATCH_CONCURRENCY must be at most 256"),
        ("SPOTIFY_UNREACHABLE_AFTER_FAILURES", "0", "SPOTIFY_UNREACHABLE_AFTER_FAILURES must be at least 1"),
        ("SPOTIFY_UNREACHABLE_AFTER_SECONDS", "inf", "SPOTIFY_UNREACHABLE_AFTER_SECONDS must be at least"),
        ("SPOTIFY_MAX_RUN_SECONDS", "soon", "SPOTIFY_MAX_RUN_SECONDS must be a number"),
    ],
)
def test_bad_values_name_the_setting(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load_settings({**BASE, name: value}, dotenv_path=os.devnull)
    assert SECRET not in str(raised.value)


def test_repr_and_str_never_show_the_secret_or_refresh_token() -> None:
    settings = load_settings({**BASE, "SPOTIFY_REFRESH_TOKEN": REFRESH}, dotenv_path=os.devnull)
    for shown in (repr(settings), str(settings), f"{settings}", f"{settings!r}"):
        assert SECRET not in shown
        assert REFRESH not in shown
        assert "client-id" in shown
        assert "client_secret='***'" in shown
    assert settings.secrets == (SECRET, REFRESH)


def test_knobs_are_read_and_typed() -> None:
    settings = load_settings(
        {
            **BASE,
            "SPOTIFY_REQUESTS_PER_WINDOW": "90",
            "SPOTIFY_CONCURRENCY": "8",
            "SPOTIFY_MAX_RETRIES": "2",
            "SPOTIFY_MAX_WAIT_SECONDS": "30.5",
            "SPOTIFY_API_MODE": "BATCH",
        },
        dotenv_path=os.devnull,
    )
    assert (settings.requests_per_window, settings.concurrency, settings.max_retries) == (90, 8, 2)
    assert settings.max_wait_seconds == 30.5
    assert settings.api_mode == "batch"


def test_every_default_is_written_once_and_the_docs_show_the_dataclass_defaults() -> None:
    settings = load_settings(BASE, dotenv_path=os.devnull)
    for field in fields(Settings):
        name = field.metadata["knob"].env
        if name in BASE:
            continue
        assert SETTING_DOCS[name][0] == shown_default(getattr(settings, field.name)), name
    assert SETTING_DOCS["SPOTIFY_BATCH_CONCURRENCY"][0] == str(Settings.batch_concurrency)


def test_env_example_lists_every_setting_with_the_code_default() -> None:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^#? ?((?:SPOTIFY|MUSICBRAINZ)_[A-Z_]+)=(\S*)", text, flags=re.MULTILINE))
    assert set(listed) == set(SETTING_DOCS), "every setting appears in .env.example, none other"
    for name, value in listed.items():
        default = SETTING_DOCS[name][0]
        if default.startswith("("):  # required or unset: no value to show
            assert value == "", f"{name} has no default, .env.example shows {value!r}"
        else:
            assert value == default, f".env.example says {name}={value}, the code's default is {default}"
