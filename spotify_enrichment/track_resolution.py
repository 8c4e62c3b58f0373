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

from spotify_enrichment.errors import SpotifyForbiddenError, SpotifyRequestError, UnexpectedResponseError
from spotify_enrichment.fetcher import (
    ArtistOutcome,
    FetchProgress,
    FetchSummary,
    _FetchRun,
    _singles,
    _Work,
    _WorkDone,
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
    """`_FetchRun` with the track endpoints: the scheduling, regimes and stops stay the fetcher's.
    Until a batch has been answered, only one is in flight: in Development Mode the regime then costs
    one 403, not one per concurrent batch (requests <= distinct tracks + 1)."""

    _batch_answered = False

    def _in_flight_limit(self) -> int:
        if self.api_mode == "batch" and not self._batch_answered:
            return 1
        return super()._in_flight_limit()

    def _switch_to_single(self) -> None:
        with self._mode_lock:
            if self.api_mode == "single":
                return
            self.api_mode = "single"
        logger.warning(
            "GET /tracks?ids= answered 403 (batch endpoint closed to Development Mode apps): "
            "switching to single-track calls for the rest of this run"
        )

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

    def _process_batch(self, work: _Work) -> _WorkDone:
        ids = work.artist_ids
        try:
            tracks = self.client.get_several_tracks(ids, stop=self.stop, breaker=self.breaker)
        except SpotifyRequestError as error:
            if error.status == 403:
                if self.settings.api_mode == "auto":
                    self._switch_to_single()
                    return _WorkDone(follow_up=_singles(ids))
                raise SpotifyForbiddenError(
                    f"GET /tracks?ids= answered 403 ({error.api_message}); this app may not use the batch "
                    "endpoint (Development Mode): set SPOTIFY_API_MODE=auto or single"
                ) from None
            if error.status == 400 and len(ids) > 1:
                middle = len(ids) // 2
                return _WorkDone(follow_up=[_Work(ids[:middle], True), _Work(ids[middle:], True)])
            return _WorkDone(outcomes=[ArtistOutcome(i, "failed", reason=str(error)) for i in ids])
        self._batch_answered = True
        return _WorkDone(outcomes=[self._record(i, t, "batch") for i, t in zip(ids, tracks, strict=True)])

    def _process_single(self, artist_id: str) -> _WorkDone:
        try:
            track = self.client.get_track(artist_id, stop=self.stop, breaker=self.breaker)
        except SpotifyRequestError as error:
            if error.status in (400, 404):
                # 400 `invalid id` for a well-formed ID: Spotify cannot parse it, it will never answer it.
                return _WorkDone(outcomes=[self._record(artist_id, None, "single")])
            if error.status == 403:
                raise SpotifyForbiddenError(
                    f"GET /tracks/{{id}} answered 403 ({error.api_message}); check that the app behind "
                    "SPOTIFY_CLIENT_ID may use the Web API"
                ) from None
            return _WorkDone(outcomes=[ArtistOutcome(artist_id, "failed", reason=str(error))])
        return _WorkDone(outcomes=[self._record(artist_id, track, "single")])


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
