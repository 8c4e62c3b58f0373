"""Source `spotify_tracks`: resolve tracks to every one of their artists (features included), for
listening histories that name tracks but not artist IDs (Spotify's data export).

`resolve_tracks_to_landing(track_ids, landing_uri, settings, ...)` is `fetcher.fetch_to_landing` for
tracks: the same regimes (`SPOTIFY_API_MODE` auto: `GET /tracks?ids=` 50 at a time, and from its
first 403 (Development Mode) one `GET /tracks/{id}` per track for the rest of the run), the same
pacing, retries, stops and crash-safe landing, into `{stamp}_{token}_{owner}_track_artists.jsonl`
(record `records.TRACK_ARTISTS`). Tracks whose answers already wait in a landing file are not asked
again; `not_found` tracks are recorded, so the worklist never asks them again either."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from spotify_enrichment.errors import UnexpectedResponseError
from spotify_enrichment.fetcher import (
    ArtistOutcome,
    FetchProgress,
    FetchSummary,
    _FetchRun,
    fetch_to_landing,
)
from spotify_enrichment.records import SPOTIFY_ID_REGEX, TRACK_ARTISTS, ApiMode, TrackArtistsRecord
from spotify_enrichment.settings import Settings
from spotify_enrichment.transform import utc_timestamp

logger = logging.getLogger(__name__)

SOURCE = "spotify_tracks"
_SPOTIFY_ID = re.compile(SPOTIFY_ID_REGEX)


def track_to_record(track: Any, *, track_id: str, resolved_at: str, run_id: str) -> TrackArtistsRecord:
    """The record of one track object: its artists with an ID, in Spotify's order. Raises
    `UnexpectedResponseError` when the object is not a track."""
    if not isinstance(track, dict) or not isinstance(track.get("artists"), list):
        raise UnexpectedResponseError(f"expected a track object with artists for {track_id}")
    ids: list[str] = []
    names: list[str] = []
    for artist in track["artists"]:
        artist_id = artist.get("id") if isinstance(artist, dict) else None
        # Artists of local files have no ID; nothing to enrich for them.
        if isinstance(artist_id, str) and _SPOTIFY_ID.fullmatch(artist_id) and artist_id not in ids:
            ids.append(artist_id)
            name = artist.get("name")
            names.append(name if isinstance(name, str) else "")
    return TrackArtistsRecord(
        trackId=track_id, artistIds=ids, artistNames=names, status="ok", resolvedAt=resolved_at, runId=run_id
    )


def not_found_track(*, track_id: str, resolved_at: str, run_id: str) -> TrackArtistsRecord:
    return TrackArtistsRecord(
        trackId=track_id,
        artistIds=None,
        artistNames=None,
        status="not_found",
        resolvedAt=resolved_at,
        runId=run_id,
    )


class TrackRun(_FetchRun):
    """`_FetchRun` with the track endpoints: the scheduling, regimes (one batch probe while the regime
    is unknown, so Development Mode costs one 403: requests <= distinct tracks + 1) and stops stay the
    fetcher's. A 400 `invalid id` for a well-formed ID means Spotify cannot parse it and will never
    answer it, so it counts as not found."""

    RESOURCE = "tracks"
    ITEM = "track"
    ITEMS = "tracks"
    NOT_FOUND_STATUSES = frozenset({400, 404})

    def _get_several(self, ids: list[str]) -> list[Any]:
        return self.client.get_several_tracks(ids, stop=self.stop, breaker=self.breaker)

    def _get_one(self, item_id: str) -> Any:
        return self.client.get_track(item_id, stop=self.stop, breaker=self.breaker)

    def _record(self, artist_id: str, artist: object, api_mode: ApiMode) -> ArtistOutcome:
        resolved_at = utc_timestamp()
        if artist is None:
            record = not_found_track(track_id=artist_id, resolved_at=resolved_at, run_id=self.run_id)
            return ArtistOutcome(artist_id, "not_found", record)  # type: ignore[arg-type]
        try:
            record = track_to_record(artist, track_id=artist_id, resolved_at=resolved_at, run_id=self.run_id)
        except UnexpectedResponseError as error:
            return ArtistOutcome(artist_id, "failed", reason=str(error))
        return ArtistOutcome(artist_id, "ok", record)  # type: ignore[arg-type]


def resolve_tracks_to_landing(
    track_ids: Iterable[str],
    landing_uri: str,
    settings: Settings,
    *,
    run_id: str | None = None,
    progress: Callable[[FetchProgress], None] | None = None,
    owner: str | None = None,
    api_regime: ApiMode | None = None,
) -> FetchSummary:
    """Resolve and land (see the module docstring); the summary counts tracks. `api_regime` as for
    `fetch_to_landing`: the same credentials, the same batch endpoint refusal."""
    return fetch_to_landing(
        track_ids,
        landing_uri,
        settings,
        run_id=run_id,
        progress=progress,
        owner=owner,
        record_type=TRACK_ARTISTS,
        run_class=TrackRun,
        api_regime=api_regime,
    )
