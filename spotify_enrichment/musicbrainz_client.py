"""HTTP client of the MusicBrainz web service (JSON, `fmt=json`): which MusicBrainz artist a Spotify
artist URL is linked to (`GET /url?resource=...&inc=artist-rels`, several URLs per request), and that
artist's genres, tags and facts (`GET /artist/{mbid}?inc=genres+tags`).

MusicBrainz allows about one request per second per client on average and answers 503 beyond it; it
blocks requests without a meaningful User-Agent (403). So every request carries
`Settings.musicbrainz_user_agent`, requests are spaced evenly at `musicbrainz_requests_per_second`
(`client.SteadyPacer`), a 503 pauses everyone (its Retry-After, else the jittered backoff) and is
retried at most `MAX_REFUSAL_RETRIES` times, other 5xx answers and connection failures at most
`SPOTIFY_MAX_RETRIES` times (the retry settings are shared with the Spotify client)."""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass
from typing import Any

import requests

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.client import SteadyPacer, backoff_or_raise, retry_after_seconds
from spotify_enrichment.errors import (
    MusicBrainzForbiddenError,
    RequestFailedError,
    UnexpectedResponseError,
)
from spotify_enrichment.records import MUSICBRAINZ_ID_REGEX
from spotify_enrichment.settings import Settings

# The most `resource=` parameters one URL lookup takes (musicbrainz-server PR #3483 lets the parameter
# repeat; see README "MusicBrainz" for what is and is not verified about the limit).
MAX_URLS_PER_REQUEST = 100
# A 503 is MusicBrainz saying "slower": honoured, but not forever.
MAX_REFUSAL_RETRIES = 20
SPOTIFY_ARTIST_URL = "https://open.spotify.com/artist/{}"

_MBID = re.compile(MUSICBRAINZ_ID_REGEX)


def spotify_artist_url(artist_id: str) -> str:
    if not is_valid_artist_id(artist_id):
        raise ValueError(f"not a Spotify artist ID: {artist_id!r}")
    return SPOTIFY_ARTIST_URL.format(artist_id)


@dataclass
class MusicBrainzStats:
    requests: int = 0
    refused: int = 0


def _linked_artist(url_entity: Any) -> str | None:
    """The MBID of the artist a URL entity links to (its first artist relation), or None."""
    if not isinstance(url_entity, dict):
        raise UnexpectedResponseError("GET /url answered an entry that is not an object")
    for relation in url_entity.get("relations") or []:
        if not isinstance(relation, dict) or relation.get("target-type") != "artist":
            continue
        artist = relation.get("artist")
        mbid = artist.get("id") if isinstance(artist, dict) else None
        if isinstance(mbid, str) and _MBID.fullmatch(mbid):
            return mbid
        raise UnexpectedResponseError(f"GET /url answered an artist relation without a valid id: {mbid!r}")
    return None


class MusicBrainzClient:
    """`links(artist_ids)` and `artist(mbid)`. Raises `MusicBrainzForbiddenError` on 403,
    `RequestFailedError` when the retries are used up, `UnexpectedResponseError` for answers of the
    wrong shape, `StopRequestedError` when `stop` is set."""

    def __init__(self, settings: Settings, *, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.stop = stop or threading.Event()
        self.stats = MusicBrainzStats()
        self.pacer = SteadyPacer(settings.musicbrainz_requests_per_second)
        self._session = requests.Session()
        self._session.headers.update(
            {"User-Agent": settings.musicbrainz_user_agent, "Accept": "application/json"}
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> MusicBrainzClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def links(self, artist_ids: list[str]) -> dict[str, str | None]:
        """`{spotify artist ID: MBID or None (not linked)}` for 1 to MAX_URLS_PER_REQUEST IDs, one request."""
        if not 1 <= len(artist_ids) <= MAX_URLS_PER_REQUEST:
            raise ValueError(f"a URL lookup holds 1 to {MAX_URLS_PER_REQUEST} IDs, got {len(artist_ids)}")
        by_url = {spotify_artist_url(artist_id): artist_id for artist_id in artist_ids}
        params = [("resource", url) for url in by_url] + [("inc", "artist-rels"), ("fmt", "json")]
        body = self._get("url", params, not_found_ok=len(by_url) == 1)
        found: dict[str, str | None] = dict.fromkeys(artist_ids)
        if body is None:
            return found
        entities = body.get("urls") if isinstance(body, dict) and "urls" in body else [body]
        if not isinstance(entities, list):
            raise UnexpectedResponseError("GET /url answered a 'urls' value that is not a list")
        for entity in entities:
            resource = entity.get("resource") if isinstance(entity, dict) else None
            if resource in by_url:
                found[by_url[resource]] = _linked_artist(entity)
        return found

    def artist(self, mbid: str) -> dict[str, Any]:
        """`GET /artist/{mbid}?inc=genres+tags`: the artist object."""
        if not _MBID.fullmatch(mbid):
            raise ValueError(f"not a MusicBrainz ID: {mbid!r}")
        body = self._get(f"artist/{mbid}", [("inc", "genres+tags"), ("fmt", "json")], not_found_ok=False)
        if not isinstance(body, dict) or body.get("id") != mbid:
            raise UnexpectedResponseError(f"GET /artist/{mbid} answered without that artist")
        return body

    def _get(self, path: str, params: list[tuple[str, str]], *, not_found_ok: bool) -> Any:
        settings = self.settings
        url = f"{settings.musicbrainz_api_url}/{path}"
        endpoint = "/" + path.split("/", maxsplit=1)[0]
        attempt = 0
        refused = 0
        while True:
            self.pacer.acquire(self.stop)
            self.stats.requests += 1
            try:
                response = self._session.get(
                    url,
                    params=params,
                    timeout=(settings.connect_timeout_seconds, settings.read_timeout_seconds),
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                reason = f"{type(error).__name__} from MusicBrainz ({url})"
                attempt = backoff_or_raise(settings, attempt, reason, self.stop)
                continue
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError:
                    reason = f"{endpoint} answered 200 with a body that is not JSON"
                    attempt = backoff_or_raise(settings, attempt, reason, self.stop)
                    continue
            if status == 404 and not_found_ok:
                return None
            if status == 503:
                self.stats.refused += 1
                refused += 1
                if refused > MAX_REFUSAL_RETRIES:
                    raise RequestFailedError(f"MusicBrainz answered 503 {refused} times in a row; gave up")
                wait = retry_after_seconds(response)
                if wait is None or wait > settings.max_wait_seconds:
                    step = settings.backoff_seconds * (2 ** min(refused - 1, 6))
                    wait = random.uniform(step / 2, step)
                self.pacer.pause(wait)
                continue
            if status == 403:
                raise MusicBrainzForbiddenError(
                    f"MusicBrainz answered 403 to GET {endpoint} (User-Agent "
                    f"{settings.musicbrainz_user_agent!r}): it blocks anonymous or generic User-Agents; set "
                    "MUSICBRAINZ_USER_AGENT to `app/version ( your contact )`"
                )
            if status >= 500:
                reason = f"MusicBrainz answered HTTP {status} to GET {endpoint}"
                attempt = backoff_or_raise(settings, attempt, reason, self.stop)
                continue
            raise RequestFailedError(f"MusicBrainz answered HTTP {status} to GET {endpoint}")
