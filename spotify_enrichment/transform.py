"""Spotify artist object -> landing record. Pure functions; no I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from spotify_enrichment.contract import json_line
from spotify_enrichment.errors import UnexpectedResponseError
from spotify_enrichment.records import ARTIST_ENRICHMENT, ApiMode, ExternalUrls, Image, LandingRecord


def utc_timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 UTC with microseconds and a `Z`, e.g. 2026-11-28T16:42:00.123456Z."""
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _optional_int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnexpectedResponseError(f"artist {what} is not an integer: {value!r}")
    return value


def _genres(artist: dict[str, Any]) -> list[str] | None:
    if "genres" not in artist or artist["genres"] is None:
        return None
    genres = artist["genres"]
    if not isinstance(genres, list) or not all(isinstance(genre, str) for genre in genres):
        raise UnexpectedResponseError(f"artist genres is not a list of strings: {genres!r}")
    return list(genres)


def _follower_count(artist: dict[str, Any]) -> int | None:
    followers = artist.get("followers")
    if followers is None:
        return None
    if not isinstance(followers, dict):
        raise UnexpectedResponseError(f"artist followers is not an object: {followers!r}")
    return _optional_int(followers.get("total"), "followers.total")


def _images(artist: dict[str, Any]) -> list[Image] | None:
    raw = artist.get("images")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(image, dict) and "url" in image for image in raw):
        raise UnexpectedResponseError(f"artist images is not a list of image objects: {raw!r}")
    images = [
        Image(
            url=str(image["url"]),
            height=_optional_int(image.get("height"), "image height"),
            width=_optional_int(image.get("width"), "image width"),
        )
        for image in raw
    ]
    # Widest first; images without a width go last, keeping Spotify's order among equals.
    return sorted(images, key=lambda image: -(image["width"] or -1))


def _external_urls(artist: dict[str, Any]) -> ExternalUrls | None:
    urls = artist.get("external_urls")
    if urls is None:
        return None
    if not isinstance(urls, dict):
        raise UnexpectedResponseError(f"artist external_urls is not an object: {urls!r}")
    spotify = urls.get("spotify")
    return ExternalUrls(spotify=None if spotify is None else str(spotify))


def artist_to_record(
    artist: Any, *, artist_id: str, enriched_at: str, api_mode: ApiMode, run_id: str
) -> LandingRecord:
    """One landing record for an artist object. Keys the API left out (Development Mode) become
    None, never 0 or []; images are sorted widest first. `artist_id` is the ID that was asked for.
    Raises `UnexpectedResponseError` when the object is not an artist."""
    if not isinstance(artist, dict):
        kind = type(artist).__name__
        raise UnexpectedResponseError(f"expected an artist object for {artist_id}, got {kind}")
    name = artist.get("name")
    if not isinstance(name, str):
        raise UnexpectedResponseError(f"artist {artist_id} has no name in the answer")
    return LandingRecord(
        artistId=artist_id,
        artistName=name,
        genres=_genres(artist),
        popularity=_optional_int(artist.get("popularity"), "popularity"),
        followerCount=_follower_count(artist),
        images=_images(artist),
        externalUrls=_external_urls(artist),
        enrichedAt=enriched_at,
        status="ok",
        apiMode=api_mode,
        runId=run_id,
    )


def not_found_record(*, artist_id: str, enriched_at: str, api_mode: ApiMode, run_id: str) -> LandingRecord:
    """The landing record of an artist Spotify does not know: every data field is None."""
    return LandingRecord(
        artistId=artist_id,
        artistName=None,
        genres=None,
        popularity=None,
        followerCount=None,
        images=None,
        externalUrls=None,
        enrichedAt=enriched_at,
        status="not_found",
        apiMode=api_mode,
        runId=run_id,
    )


def record_to_json_line(record: LandingRecord) -> str:
    """One JSONL line (with its newline), keys in contract order, UTF-8 kept readable."""
    return json_line(ARTIST_ENRICHMENT, record)
