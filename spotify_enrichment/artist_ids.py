"""Spotify artist ID validation: every ID is checked here before it reaches a URL or SQL."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from spotify_enrichment.records import SPOTIFY_ID_REGEX

SPOTIFY_ID_PATTERN = re.compile(SPOTIFY_ID_REGEX)


def is_valid_artist_id(value: str) -> bool:
    """True for a Spotify ID: exactly 22 base62 characters."""
    return SPOTIFY_ID_PATTERN.fullmatch(value) is not None


@dataclass(frozen=True)
class ArtistIdSplit:
    """Input IDs split into valid ones (de-duplicated, first-seen order) and malformed ones (by value)."""

    valid: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def split_artist_ids(raw_ids: Iterable[str]) -> ArtistIdSplit:
    """Drop empty entries, de-duplicate, and separate malformed IDs. Nothing is trimmed here: the one
    normalisation rule is the dbt macro normalized_artist_id, applied before the worklist. An answer must
    land under exactly the ID that was asked, or the next worklist would not find it and ask again."""
    valid: dict[str, None] = {}
    invalid: dict[str, None] = {}
    for candidate in raw_ids:
        if not candidate:
            continue
        if is_valid_artist_id(candidate):
            valid.setdefault(candidate)
        else:
            invalid.setdefault(candidate)
    return ArtistIdSplit(valid=list(valid), invalid=list(invalid))
