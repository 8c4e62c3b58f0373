"""Source `spotify_search` (track resolution's second half): match the plays of Spotify's account
data (track and artist names, no URI) to tracks with `GET /search?type=track&q=track:"…" artist:"…"`,
one search per distinct (track name, artist name) pair of the history that has no answer yet (there
is no batch form of search, so Development Mode and Extended Quota cost the same: one request per
pair; a search run records no API regime).

`search_tracks_to_landing(pairs, landing_uri, settings, ...)` is `fetcher.fetch_to_landing` for searches:
the same pacing, retries, stops and crash-safe landing into `{stamp}_{token}_{owner}_track_search.jsonl`
(record `records.TRACK_SEARCH`, keyed by `search_key` of the pair as the history names it). The answer is
judged here (`judge`): a candidate is exact when its name and one of its artists' names equal the pair's
after `normalized_name`; nothing else is ever taken for a match (see `TrackSearchRecord`)."""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from spotify_enrichment.artist_ids import ArtistIdSplit
from spotify_enrichment.client import MAX_SEARCH_LIMIT
from spotify_enrichment.errors import UnexpectedResponseError
from spotify_enrichment.fetcher import ArtistOutcome, FetchProgress, FetchSummary, fetch_to_landing
from spotify_enrichment.records import TRACK_SEARCH, ApiMode, TrackSearchRecord
from spotify_enrichment.settings import Settings
from spotify_enrichment.track_resolution import TrackRun, track_to_record
from spotify_enrichment.transform import utc_timestamp

# Longer names are not track or artist names; they would make a URL Spotify refuses.
MAX_NAME_CHARS = 500

Pair = tuple[str, str]


def normalized_name(text: str) -> str:
    """The one comparison form of a track or artist name: compatibility-decomposed (NFKD), accents
    dropped, case-folded, runs of whitespace made one space, trimmed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_key(track_name: str, artist_name: str) -> str:
    """The pair's key, as 32 hex digits: of the names exactly as the history has them, so the answer
    lands under the pair that was asked and the next worklist finds it."""
    canonical = json.dumps([track_name, artist_name], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def name_problem(name: object) -> str | None:
    """Why `name` cannot be searched, or None."""
    if not isinstance(name, str) or not name.strip():
        return "empty"
    if len(name) > MAX_NAME_CHARS:
        return f"longer than {MAX_NAME_CHARS} characters"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "contains control characters"
    return None


def search_query(track_name: str, artist_name: str) -> str:
    """The `q` of the search. Spotify's query syntax has no escape for a double quote inside a quoted
    filter, so quotes become spaces: the search only gathers candidates, the exact match is `judge`'s."""

    def quoted(name: str) -> str:
        return '"' + " ".join(name.replace('"', " ").split()) + '"'

    return f"track:{quoted(track_name)} artist:{quoted(artist_name)}"


def judge(
    items: list[Any], *, track_name: str, artist_name: str, resolved_at: str, run_id: str
) -> TrackSearchRecord:
    """The record of one search answer (see `TrackSearchRecord`). Raises `UnexpectedResponseError` when
    an exact candidate is not a track object with artists."""
    wanted_track, wanted_artist = normalized_name(track_name), normalized_name(artist_name)
    exact = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        artists = item.get("artists") if isinstance(item.get("artists"), list) else []
        names = {
            normalized_name(artist["name"])
            for artist in artists
            if isinstance(artist, dict) and isinstance(artist.get("name"), str)
        }
        if normalized_name(item["name"]) == wanted_track and wanted_artist in names:
            exact.append(item)
    resolved = []
    for item in exact:
        if not isinstance(item.get("id"), str):
            raise UnexpectedResponseError(f"a search answer for {track_name!r} has a track without an id")
        resolved.append(track_to_record(item, track_id=item["id"], resolved_at=resolved_at, run_id=run_id))
    artist_sets = {frozenset(record["artistIds"] or []) for record in resolved}
    record = TrackSearchRecord(
        searchKey=search_key(track_name, artist_name),
        trackName=track_name,
        artistName=artist_name,
        status="not_found",
        confidence=None,
        candidates=len(items),
        exactCandidates=len(exact),
        trackId=None,
        artistIds=None,
        artistNames=None,
        resolvedAt=resolved_at,
        runId=run_id,
    )
    if len(artist_sets) > 1:
        record["status"] = "ambiguous"
    elif resolved and resolved[0]["artistIds"]:
        first = resolved[0]
        record.update(
            status="matched",
            confidence="exact_unique" if len(resolved) == 1 else "exact_same_artists",
            trackId=first["trackId"],
            artistIds=first["artistIds"],
            artistNames=first["artistNames"],
        )
    return record


class SearchRun(TrackRun):
    """`TrackRun` asking `GET /search` per pair: always single calls (search has no batch form), the
    artists' pacing, retries and stops. The regime the run was given is kept, never probed."""

    RESOURCE = "search"
    ITEM = "search"
    ITEMS = "searches"
    NOT_FOUND_STATUSES: frozenset[int] = frozenset()

    def __init__(self, *args: Any, pairs: dict[str, Pair], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pairs = pairs
        self.api_mode = "single"

    def _get_one(self, item_id: str) -> Any:
        track_name, artist_name = self.pairs[item_id]
        query = search_query(track_name, artist_name)
        return self.client.search_tracks(query, limit=MAX_SEARCH_LIMIT, stop=self.stop, breaker=self.breaker)

    def _record(self, artist_id: str, artist: object, api_mode: ApiMode) -> ArtistOutcome:
        track_name, artist_name = self.pairs[artist_id]
        try:
            record = judge(
                artist if isinstance(artist, list) else [],
                track_name=track_name,
                artist_name=artist_name,
                resolved_at=utc_timestamp(),
                run_id=self.run_id,
            )
        except UnexpectedResponseError as error:
            return ArtistOutcome(artist_id, "failed", reason=str(error))
        status = "not_found" if record["status"] == "not_found" else "ok"
        return ArtistOutcome(artist_id, status, record)  # type: ignore[arg-type]


def _splitter(pairs: dict[str, Pair], invalid: list[str]) -> Callable[[Iterable[str]], ArtistIdSplit]:
    def split(keys: Iterable[str]) -> ArtistIdSplit:
        return ArtistIdSplit(valid=list(dict.fromkeys(k for k in keys if k in pairs)), invalid=invalid)

    return split


def search_tracks_to_landing(
    pairs: Iterable[Pair],
    landing_uri: str,
    settings: Settings,
    *,
    run_id: str | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
    owner: str | None = None,
    api_regime: ApiMode | None = None,
) -> FetchSummary:
    """Search and land (see the module docstring); the summary counts pairs (`ok`: matched or
    ambiguous, `not_found`: no exact candidate). A pair with an unusable name is not sent: it is
    counted `invalid` and named in `invalid_ids` as "track / artist (why)"."""
    valid: dict[str, Pair] = {}
    invalid: list[str] = []
    for track_name, artist_name in pairs:
        problem = name_problem(track_name) or name_problem(artist_name)
        if problem:
            invalid.append(f"{str(track_name)[:80]!r} / {str(artist_name)[:80]!r} ({problem})")
        else:
            valid.setdefault(search_key(track_name, artist_name), (track_name, artist_name))
    return fetch_to_landing(
        list(valid),
        landing_uri,
        settings,
        run_id=run_id,
        progress=progress,
        owner=owner,
        api_regime=api_regime,
        record_type=TRACK_SEARCH,
        run_class=functools.partial(SearchRun, pairs=valid),
        split=_splitter(valid, invalid),
    )
