"""The landing record: one JSONL line per artist per fetch, shared by the fetcher, the landing writer,
the loader and the BigQuery remote function. Keys and meaning follow DESIGN.md."""

from typing import Literal, TypedDict

Status = Literal["ok", "not_found"]
ApiMode = Literal["batch", "single"]


class Image(TypedDict):
    url: str
    height: int | None
    width: int | None


class ExternalUrls(TypedDict):
    spotify: str | None


class LandingRecord(TypedDict):
    """`genres`, `popularity` and `followerCount` are None when the API withheld them (Development
    Mode); an empty `genres` list means Spotify returned an empty list. A `not_found` record carries
    only `artistId` and the run metadata: every data field is None."""

    artistId: str
    artistName: str | None
    genres: list[str] | None
    popularity: int | None
    followerCount: int | None
    images: list[Image] | None
    externalUrls: ExternalUrls | None
    enrichedAt: str  # ISO 8601 UTC, e.g. 2026-11-28T16:42:00.123456Z
    status: Status
    apiMode: ApiMode
    runId: str


LANDING_KEYS: tuple[str, ...] = tuple(LandingRecord.__annotations__)
