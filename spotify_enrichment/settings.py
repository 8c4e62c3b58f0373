"""Spotify and MusicBrainz settings, read once from the environment and a `.env` file (the environment wins).

Each setting is declared once, as a field of `Settings` with its default, its environment variable,
its help text and its allowed range; `SETTING_DOCS` (the CLI's --help), the parsing in `load_settings`
and the range checks are derived from those fields."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values

from spotify_enrichment.errors import SettingsError

ApiModeSetting = Literal["auto", "batch", "single"]
API_MODES: tuple[ApiModeSetting, ...] = ("auto", "batch", "single")

DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
DEFAULT_MUSICBRAINZ_API_URL = "https://musicbrainz.org/ws/2"
# MusicBrainz blocks anonymous and library-default User-Agents; the default names this project, its
# version and where to reach its maintainers.
PROJECT_NAME = "spotify-enrichment"
PROJECT_CONTACT_URL = "https://github.com/spotify-enrichment/spotify-enrichment"
ENV_PREFIXES = ("SPOTIFY_", "MUSICBRAINZ_")


def _project_version() -> str:
    try:
        return metadata.version(PROJECT_NAME)
    except metadata.PackageNotFoundError:
        return "0+unknown"


DEFAULT_MUSICBRAINZ_USER_AGENT = f"{PROJECT_NAME}/{_project_version()} ( {PROJECT_CONTACT_URL} )"


@dataclass(frozen=True)
class Knob:
    """How one `Settings` field is set: its variable, what it does, how it is read and its range."""

    env: str
    help: str
    parse: Callable[[str], Any] = str
    minimum: float | None = None
    maximum: float | None = None


def _base_url(raw: str) -> str:
    return raw.rstrip("/")


def _lower(raw: str) -> str:
    return raw.lower()


def _knob(env: str, help: str, default: Any = MISSING, **how: Any) -> Any:
    knob = Knob(env, help, **how)
    if default is MISSING:
        return field(metadata={"knob": knob}, repr=env != "SPOTIFY_CLIENT_SECRET")
    secret = env in ("SPOTIFY_CLIENT_SECRET", "SPOTIFY_REFRESH_TOKEN")
    return field(default=default, metadata={"knob": knob}, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Typed settings. `repr`/`str` never show the client secret or the refresh token."""

    client_id: str = _knob("SPOTIFY_CLIENT_ID", "client ID of your Spotify app")
    client_secret: str = _knob("SPOTIFY_CLIENT_SECRET", "client secret of your Spotify app (never logged)")
    refresh_token: str | None = _knob(
        "SPOTIFY_REFRESH_TOKEN", "use the refresh-token grant instead of client credentials", None
    )
    api_url: str = _knob(
        "SPOTIFY_API_URL",
        "Web API base URL (the emulator's /v1 URL in tests)",
        DEFAULT_API_URL,
        parse=_base_url,
    )
    accounts_url: str = _knob(
        "SPOTIFY_ACCOUNTS_URL",
        "accounts service base URL (token endpoint)",
        DEFAULT_ACCOUNTS_URL,
        parse=_base_url,
    )
    api_mode: ApiModeSetting = _knob(  # noqa: RUF009 (_knob returns a dataclasses.field)
        "SPOTIFY_API_MODE",
        "auto (batch, single calls from the first 403), batch or single",
        "auto",
        parse=_lower,
    )
    requests_per_window: int = _knob(
        "SPOTIFY_REQUESTS_PER_WINDOW",
        "client-side budget of requests per rolling window; 0 learns it from the first 429",
        0,
        parse=int,
        minimum=0,
    )
    window_seconds: float = _knob(
        "SPOTIFY_WINDOW_SECONDS", "length of the rolling rate-limit window", 30.0, parse=float, minimum=0.001
    )
    concurrency: int = _knob(
        "SPOTIFY_CONCURRENCY",
        "concurrent requests in single-artist mode",
        16,
        parse=int,
        minimum=1,
        maximum=256,
    )
    batch_concurrency: int = _knob(
        "SPOTIFY_BATCH_CONCURRENCY",
        "concurrent batch requests (50 IDs each)",
        8,
        parse=int,
        minimum=1,
        maximum=256,
    )
    max_retries: int = _knob(
        "SPOTIFY_MAX_RETRIES",
        "retries of one request on 5xx, timeouts and connection resets",
        5,
        parse=int,
        minimum=0,
    )
    max_wait_seconds: float = _knob(
        "SPOTIFY_MAX_WAIT_SECONDS",
        "cap on any single wait; a longer Retry-After stops the run (exit 4)",
        120.0,
        parse=float,
        minimum=0,
    )
    backoff_seconds: float = _knob(
        "SPOTIFY_BACKOFF_SECONDS",
        "first backoff step; doubles per retry, jittered",
        0.5,
        parse=float,
        minimum=0,
    )
    connect_timeout_seconds: float = _knob(
        "SPOTIFY_CONNECT_TIMEOUT_SECONDS", "TCP connect timeout per request", 5.0, parse=float, minimum=0.001
    )
    read_timeout_seconds: float = _knob(
        "SPOTIFY_READ_TIMEOUT_SECONDS", "read timeout per request", 30.0, parse=float, minimum=0.001
    )
    unreachable_after_failures: int = _knob(
        "SPOTIFY_UNREACHABLE_AFTER_FAILURES",
        "connection failures or timeouts in a row (no answer between them) after which Spotify counts as "
        "unreachable: the run stops, answers so far are kept (exit 5)",
        20,
        parse=int,
        minimum=1,
    )
    unreachable_after_seconds: float = _knob(
        "SPOTIFY_UNREACHABLE_AFTER_SECONDS",
        "seconds of nothing but connection failures and timeouts after which Spotify counts as "
        "unreachable, however few the attempts (a hanging token endpoint)",
        30.0,
        parse=float,
        minimum=0.001,
    )
    max_run_seconds: float = _knob(
        "SPOTIFY_MAX_RUN_SECONDS",
        "longest a fetch may run; then it stops cleanly, answers so far are kept (exit 4)",
        21600.0,
        parse=float,
        minimum=1,
    )

    musicbrainz_api_url: str = _knob(
        "MUSICBRAINZ_API_URL",
        "MusicBrainz web service base URL (the emulator's /ws/2 URL in tests)",
        DEFAULT_MUSICBRAINZ_API_URL,
        parse=_base_url,
    )
    musicbrainz_user_agent_setting: str | None = _knob(
        "MUSICBRAINZ_USER_AGENT",
        "User-Agent sent to MusicBrainz, `app/version ( contact )`; default: "
        f"{DEFAULT_MUSICBRAINZ_USER_AGENT}",
        None,
    )
    musicbrainz_requests_per_second: float = _knob(
        "MUSICBRAINZ_REQUESTS_PER_SECOND",
        "steady MusicBrainz request rate (its public allowance is 1 per second on average)",
        1.0,
        parse=float,
        minimum=0.001,
        maximum=1000,
    )

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def musicbrainz_user_agent(self) -> str:
        return self.musicbrainz_user_agent_setting or DEFAULT_MUSICBRAINZ_USER_AGENT

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


def _knobs() -> list[tuple[Field[Any], Knob]]:
    return [(f, f.metadata["knob"]) for f in fields(Settings)]


def shown_default(value: Any) -> str:
    """A default as a user writes it in `.env` (30.0 -> "30")."""
    if value is MISSING:
        return "(required)"
    if value is None:
        return "(unset)"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# name: (default, help) for every setting; the CLI's --help prints this table.
SETTING_DOCS: dict[str, tuple[str, str]] = {
    knob.env: (shown_default(f.default), knob.help) for f, knob in _knobs()
}


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
    _validate_url("MUSICBRAINZ_API_URL", settings.musicbrainz_api_url)
    agent = settings.musicbrainz_user_agent
    if not agent.isprintable() or "/" not in agent.split(" ", 1)[0]:
        raise SettingsError(f"MUSICBRAINZ_USER_AGENT must look like `app/version ( contact )`, got {agent!r}")
    if settings.api_mode not in API_MODES:
        choices = ", ".join(API_MODES)
        raise SettingsError(f"SPOTIFY_API_MODE must be one of {choices}, got {settings.api_mode!r}")
    for f, knob in _knobs():
        value = getattr(settings, f.name)
        if knob.minimum is not None and (not math.isfinite(value) or value < knob.minimum):
            raise SettingsError(f"{knob.env} must be at least {knob.minimum:g}, got {value}")
        if knob.maximum is not None and value > knob.maximum:
            raise SettingsError(f"{knob.env} must be at most {knob.maximum:g}, got {value}")


def _parsed(knob: Knob, raw: str) -> Any:
    try:
        return knob.parse(raw)
    except ValueError:
        kind = {int: "an integer", float: "a number"}.get(knob.parse, "a valid value")
        raise SettingsError(f"{knob.env} must be {kind}, got {raw!r}") from None


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
    values: dict[str, str] = {**from_file, **{k: v for k, v in environ.items() if k.startswith(ENV_PREFIXES)}}
    given: dict[str, Any] = {}
    for f, knob in _knobs():
        raw = values.get(knob.env, "").strip()
        if raw:
            given[f.name] = _parsed(knob, raw)
        elif f.default is MISSING:
            given[f.name] = ""  # reported by name in Settings.__post_init__
    return Settings(**given)
