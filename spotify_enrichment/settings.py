"""Spotify settings, read once from the environment and a `.env` file (the environment wins)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values

from spotify_enrichment.errors import SettingsError

ApiModeSetting = Literal["auto", "batch", "single"]
API_MODES: tuple[ApiModeSetting, ...] = ("auto", "batch", "single")

DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"

# name: (default, help) for every knob; the CLI's --help prints this table.
SETTING_DOCS: dict[str, tuple[str, str]] = {
    "SPOTIFY_CLIENT_ID": ("(required)", "client ID of your Spotify app"),
    "SPOTIFY_CLIENT_SECRET": ("(required)", "client secret of your Spotify app (never logged)"),
    "SPOTIFY_REFRESH_TOKEN": ("(unset)", "use the refresh-token grant instead of client credentials"),
    "SPOTIFY_API_URL": (DEFAULT_API_URL, "Web API base URL (the emulator's /v1 URL in tests)"),
    "SPOTIFY_ACCOUNTS_URL": (DEFAULT_ACCOUNTS_URL, "accounts service base URL (token endpoint)"),
    "SPOTIFY_API_MODE": ("auto", "auto (batch, single calls from the first 403), batch or single"),
    "SPOTIFY_REQUESTS_PER_WINDOW": (
        "0",
        "client-side budget of requests per rolling window; 0 learns it from the first 429",
    ),
    "SPOTIFY_WINDOW_SECONDS": ("30", "length of the rolling rate-limit window"),
    "SPOTIFY_CONCURRENCY": ("16", "concurrent requests in single-artist mode"),
    "SPOTIFY_BATCH_CONCURRENCY": ("8", "concurrent batch requests (50 IDs each)"),
    "SPOTIFY_MAX_RETRIES": ("5", "retries of one request on 5xx, timeouts and connection resets"),
    "SPOTIFY_MAX_WAIT_SECONDS": (
        "120",
        "cap on any single wait; a longer Retry-After stops the run (exit 4)",
    ),
    "SPOTIFY_BACKOFF_SECONDS": ("0.5", "first backoff step; doubles per retry, jittered"),
    "SPOTIFY_CONNECT_TIMEOUT_SECONDS": ("5", "TCP connect timeout per request"),
    "SPOTIFY_READ_TIMEOUT_SECONDS": ("30", "read timeout per request"),
}


@dataclass(frozen=True)
class Settings:
    """Typed settings. `repr`/`str` never show the client secret or the refresh token."""

    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    accounts_url: str = DEFAULT_ACCOUNTS_URL
    api_mode: ApiModeSetting = "auto"
    requests_per_window: int = 0
    window_seconds: float = 30.0
    concurrency: int = 16
    batch_concurrency: int = 8
    max_retries: int = 5
    max_wait_seconds: float = 120.0
    backoff_seconds: float = 0.5
    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        _validate(self)

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
        hidden = "'***'"
        refresh = hidden if self.refresh_token else "None"
        return f"Settings({shown}, client_secret={hidden}, refresh_token={refresh})"

    __str__ = __repr__

    @property
    def token_url(self) -> str:
        return f"{self.accounts_url}/api/token"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in output (for redaction and for tests that grep)."""
        return tuple(value for value in (self.client_secret, self.refresh_token) if value)


def _validate_url(name: str, value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingsError(f"{name} must be an http(s) URL such as {SETTING_DOCS[name][0]}, got {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SettingsError(f"{name} must be a plain base URL without credentials, query or fragment")


def _validate(settings: Settings) -> None:
    if not settings.client_id:
        raise SettingsError("SPOTIFY_CLIENT_ID is not set: put your app's client ID in the env or .env")
    if not settings.client_secret:
        raise SettingsError("SPOTIFY_CLIENT_SECRET is not set: put your app's secret in the env or .env")
    if any(c.isspace() or c == ":" for c in settings.client_id):
        raise SettingsError("SPOTIFY_CLIENT_ID must not contain whitespace or ':'")
    _validate_url("SPOTIFY_API_URL", settings.api_url)
    _validate_url("SPOTIFY_ACCOUNTS_URL", settings.accounts_url)
    if settings.api_mode not in API_MODES:
        choices = ", ".join(API_MODES)
        raise SettingsError(f"SPOTIFY_API_MODE must be one of {choices}, got {settings.api_mode!r}")
    bounds: list[tuple[str, float, float]] = [
        ("SPOTIFY_REQUESTS_PER_WINDOW", settings.requests_per_window, 0),
        ("SPOTIFY_WINDOW_SECONDS", settings.window_seconds, 0.001),
        ("SPOTIFY_CONCURRENCY", settings.concurrency, 1),
        ("SPOTIFY_BATCH_CONCURRENCY", settings.batch_concurrency, 1),
        ("SPOTIFY_MAX_RETRIES", settings.max_retries, 0),
        ("SPOTIFY_MAX_WAIT_SECONDS", settings.max_wait_seconds, 0),
        ("SPOTIFY_BACKOFF_SECONDS", settings.backoff_seconds, 0),
        ("SPOTIFY_CONNECT_TIMEOUT_SECONDS", settings.connect_timeout_seconds, 0.001),
        ("SPOTIFY_READ_TIMEOUT_SECONDS", settings.read_timeout_seconds, 0.001),
    ]
    for name, value, minimum in bounds:
        if not math.isfinite(value) or value < minimum:
            raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    if settings.concurrency > 256 or settings.batch_concurrency > 256:
        raise SettingsError("SPOTIFY_CONCURRENCY and SPOTIFY_BATCH_CONCURRENCY must be at most 256")


Number = TypeVar("Number", int, float)


def _number(values: Mapping[str, str], name: str, default: Number, parse: Callable[[str], Number]) -> Number:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        kind = "an integer" if parse is int else "a number"
        raise SettingsError(f"{name} must be {kind}, got {raw!r}") from None


def _base_url(values: Mapping[str, str], name: str, default: str) -> str:
    return (values.get(name, "").strip() or default).rstrip("/")


def load_settings(
    environ: Mapping[str, str] | None = None, dotenv_path: str | Path | None = None
) -> Settings:
    """Read settings from `environ` (default `os.environ`) over a `.env` file (default `./.env` when it
    exists). Raises `SettingsError` naming the setting that is missing or malformed."""
    environ = os.environ if environ is None else environ
    path = Path(dotenv_path) if dotenv_path is not None else Path.cwd() / ".env"
    if dotenv_path is not None and not path.exists():
        raise SettingsError(f".env file {str(path)!r} does not exist")
    from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
    values: dict[str, str] = {**from_file, **{k: v for k, v in environ.items() if k.startswith("SPOTIFY_")}}
    mode = values.get("SPOTIFY_API_MODE", "").strip().lower() or "auto"
    return Settings(
        client_id=values.get("SPOTIFY_CLIENT_ID", "").strip(),
        client_secret=values.get("SPOTIFY_CLIENT_SECRET", "").strip(),
        refresh_token=values.get("SPOTIFY_REFRESH_TOKEN", "").strip() or None,
        api_url=_base_url(values, "SPOTIFY_API_URL", DEFAULT_API_URL),
        accounts_url=_base_url(values, "SPOTIFY_ACCOUNTS_URL", DEFAULT_ACCOUNTS_URL),
        api_mode=mode,  # type: ignore[arg-type]  # validated in Settings.__post_init__
        requests_per_window=_number(values, "SPOTIFY_REQUESTS_PER_WINDOW", 0, int),
        window_seconds=_number(values, "SPOTIFY_WINDOW_SECONDS", 30.0, float),
        concurrency=_number(values, "SPOTIFY_CONCURRENCY", 16, int),
        batch_concurrency=_number(values, "SPOTIFY_BATCH_CONCURRENCY", 8, int),
        max_retries=_number(values, "SPOTIFY_MAX_RETRIES", 5, int),
        max_wait_seconds=_number(values, "SPOTIFY_MAX_WAIT_SECONDS", 120.0, float),
        backoff_seconds=_number(values, "SPOTIFY_BACKOFF_SECONDS", 0.5, float),
        connect_timeout_seconds=_number(values, "SPOTIFY_CONNECT_TIMEOUT_SECONDS", 5.0, float),
        read_timeout_seconds=_number(values, "SPOTIFY_READ_TIMEOUT_SECONDS", 30.0, float),
    )
