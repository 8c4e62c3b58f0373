"""The MusicBrainz emulator's catalogue, derived deterministically from a Spotify catalogue: a share of
the Spotify artists is linked to a MusicBrainz artist (a stable MBID per Spotify ID), with genres and
tags of their own (MusicBrainz's vocabulary is coarser than Spotify's: `dance pop` -> `pop`), some with
none at all, as on musicbrainz.org."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spotify_enrichment_dev.catalogue import SpotifyArtist, load_catalogues

DEFAULT_LINKED_SHARE = 0.7
# Share of linked artists MusicBrainz has no genre votes for.
WITHOUT_GENRES_SHARE = 0.1
FALLBACK_GENRES = ("rock", "pop", "electronic", "hip hop", "jazz", "folk", "latin", "r&b", "metal", "soul")
COUNTRIES = ("US", "GB", "DE", "FR", "SE", "BR", "MX", "JP", "KR", "ES", "AR", "CO")


def _draw(seed: int, artist_id: str, what: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{seed}:{what}:{artist_id}".encode()).digest()[:8], "big")


def _genres(seed: int, artist: SpotifyArtist) -> list[str]:
    if _draw(seed, artist["id"], "no-genres") % 1000 < WITHOUT_GENRES_SHARE * 1000:
        return []
    coarse: list[str] = []
    for genre in artist.get("genres") or []:
        word = genre.split()[-1]
        if word not in coarse:
            coarse.append(word)
    if not coarse:
        coarse = [FALLBACK_GENRES[_draw(seed, artist["id"], "genre") % len(FALLBACK_GENRES)]]
    return coarse[:4]


def musicbrainz_entry(seed: int, artist: SpotifyArtist) -> dict[str, Any]:
    """One catalogue line: the Spotify ID and the MusicBrainz artist it links to."""
    artist_id = artist["id"]
    mbid = str(
        uuid.UUID(int=_draw(seed, artist_id, "mbid") << 64 | _draw(seed, artist_id, "mbid2"), version=4)
    )
    genres = _genres(seed, artist)
    # Distinct vote counts, most first, so "by vote count" has one answer.
    votes = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
            "name": name,
            "count": 10 - rank,
            "disambiguation": "",
        }
        for rank, name in enumerate(genres)
    ]
    tags = [{"name": name, "count": 10 - rank} for rank, name in enumerate(genres)] + [
        {"name": "seen live", "count": 1}
    ]
    group = _draw(seed, artist_id, "type") % 2 == 0
    begin = 1950 + _draw(seed, artist_id, "begin") % 70
    return {
        "spotifyId": artist_id,
        "artist": {
            "id": mbid,
            "name": artist["name"],
            "sort-name": artist["name"],
            "type": "Group" if group else "Person",
            "country": COUNTRIES[_draw(seed, artist_id, "country") % len(COUNTRIES)],
            "disambiguation": "",
            "life-span": {"begin": f"{begin}", "end": None, "ended": False},
            "genres": votes,
            "tags": tags,
        },
    }


def musicbrainz_entries(
    artists: Iterable[SpotifyArtist], *, seed: int, linked_share: float = DEFAULT_LINKED_SHARE
) -> list[dict[str, Any]]:
    return [
        musicbrainz_entry(seed, artist)
        for artist in artists
        if _draw(seed, artist["id"], "linked") % 1000 < linked_share * 1000
    ]


def write_musicbrainz_catalogue(
    spotify_catalogues: Iterable[str | Path],
    out: Path,
    *,
    seed: int,
    linked_share: float = DEFAULT_LINKED_SHARE,
) -> int:
    """Write the MusicBrainz catalogue of the artists in the Spotify catalogue files; returns its lines."""
    entries = musicbrainz_entries(
        load_catalogues(spotify_catalogues).values(), seed=seed, linked_share=linked_share
    )
    with out.open("w", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return len(entries)
