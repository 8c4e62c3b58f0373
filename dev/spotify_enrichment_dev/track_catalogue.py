"""The emulator's track catalogue: Spotify track objects (simplified artists included) read from

- JSONL (`.jsonl`): one track object per line (`id`, `name`, `artists: [{id, name}]`, ...), as the demo
  generator writes `tracks.jsonl`;
- CSV with a header, the delimiter read from it, in one of two layouts: the real history's
  `track_id, track_name, ..., artist_ids, artist_names` (`;`-joined, same order;
  `../shared/data/history/recently_played_plays.csv`, one row per play: the last row of a track wins,
  as 31 of its tracks changed artists over the years) and
  MusicOSet's `song_id, song_name, ..., artists` (a Python-style dict `{artist_id: name}`,
  `../shared/data/tracks/songs.csv`).

A row without a valid track ID or artist ID raises `CatalogueError` naming the file and the line."""

import ast
import csv
import functools
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypedDict

from spotify_enrichment.artist_ids import is_valid_artist_id
from spotify_enrichment.track_search import normalized_name
from spotify_enrichment_dev.catalogue import CatalogueError


class SimplifiedArtist(TypedDict):
    id: str
    name: str
    type: str
    uri: str
    href: str
    external_urls: dict[str, str]


class SpotifyTrack(TypedDict):
    id: str
    name: str
    type: str
    uri: str
    href: str
    external_urls: dict[str, str]
    artists: list[SimplifiedArtist]
    duration_ms: int
    explicit: bool
    is_local: bool


TrackCatalogue = dict[str, SpotifyTrack]


def build_track(
    track_id: str, name: str, artists: list[tuple[str, str]], duration_ms: int = 0
) -> SpotifyTrack:
    return SpotifyTrack(
        id=track_id,
        name=name,
        type="track",
        uri=f"spotify:track:{track_id}",
        href=f"https://api.spotify.com/v1/tracks/{track_id}",
        external_urls={"spotify": f"https://open.spotify.com/track/{track_id}"},
        artists=[
            SimplifiedArtist(
                id=artist_id,
                name=artist_name,
                type="artist",
                uri=f"spotify:artist:{artist_id}",
                href=f"https://api.spotify.com/v1/artists/{artist_id}",
                external_urls={"spotify": f"https://open.spotify.com/artist/{artist_id}"},
            )
            for artist_id, artist_name in artists
        ],
        duration_ms=duration_ms,
        explicit=False,
        is_local=False,
    )


def _checked(path: Path, where: str, track_id: str, artists: list[tuple[str, str]]) -> None:
    if not is_valid_artist_id(track_id):
        raise CatalogueError(f"{path}: {where}: track ID {track_id!r} is not 22 base62 characters")
    for artist_id, _ in artists:
        if not is_valid_artist_id(artist_id):
            raise CatalogueError(f"{path}: {where}: artist ID {artist_id!r} is not 22 base62 characters")


def _jsonl(path: Path, text: str, tracks: TrackCatalogue) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
            artists = [(artist["id"], artist["name"]) for artist in value["artists"]]
            track_id = value["id"]
        except (ValueError, KeyError, TypeError) as error:
            raise CatalogueError(f"{path}: line {number}: not a track object ({error})") from None
        _checked(path, f"line {number}", track_id, artists)
        tracks[track_id] = build_track(
            track_id, str(value.get("name", "")), artists, int(value.get("duration_ms", 0))
        )


def _row_artists(path: Path, where: str, row: dict[str, str]) -> list[tuple[str, str]]:
    if "artist_ids" in row:
        ids = [part for part in (row.get("artist_ids") or "").split(";") if part]
        names = (row.get("artist_names") or "").split(";")
        if len(names) != len(ids):
            raise CatalogueError(f"{path}: {where}: {len(ids)} artist_ids but {len(names)} artist_names")
        return list(zip(ids, names, strict=True))
    try:
        mapping: Any = ast.literal_eval(row.get("artists") or "{}")
    except (ValueError, SyntaxError):
        raise CatalogueError(f"{path}: {where}: artists is not a {{id: name}} dict") from None
    if not isinstance(mapping, dict):
        raise CatalogueError(f"{path}: {where}: artists is not a {{id: name}} dict")
    return [(str(artist_id), str(name)) for artist_id, name in mapping.items()]


def _csv(path: Path, text: str, tracks: TrackCatalogue) -> None:
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if "\t" in header else ",")
    fields = set(reader.fieldnames or [])
    id_column, name_column = ("track_id", "track_name") if "track_id" in fields else ("song_id", "song_name")
    if id_column not in fields or not ({"artist_ids", "artists"} & fields):
        raise CatalogueError(
            f"{path}: expected columns track_id, artist_ids, artist_names or song_id, artists"
        )
    for number, row in enumerate(reader, start=2):
        # The real history is in play order: its last row of a track is the track as Spotify has it now.
        track_id = (row.get(id_column) or "").strip()
        artists = _row_artists(path, f"line {number}", row)
        _checked(path, f"line {number}", track_id, artists)
        duration = row.get("duration_ms") or "0"
        tracks[track_id] = build_track(
            track_id, row.get(name_column) or "", artists, int(duration) if duration.isdigit() else 0
        )


def load_track_catalogues(paths: Iterable[str | Path]) -> TrackCatalogue:
    """Every track of the files, later files winning on the same ID."""
    tracks: TrackCatalogue = {}
    for raw in paths:
        path = Path(raw)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CatalogueError(f"{path}: cannot read the track catalogue ({error.strerror})") from None
        if path.suffix == ".jsonl":
            _jsonl(path, text, tracks)
        else:
            _csv(path, text, tracks)
    return tracks


@functools.lru_cache(maxsize=65536)
def _words(text: str) -> str:
    # Spotify's search matches words: case, accents and punctuation (quotes included) do not count.
    return " ".join("".join(c if c.isalnum() else " " for c in normalized_name(text)).split())


def search(tracks: TrackCatalogue, track_name: str | None, artist_name: str | None) -> list[SpotifyTrack]:
    """Tracks whose name contains the words of `track_name` and one of whose artists contains the words
    of `artist_name` (case-, accent- and punctuation-insensitive, as Spotify's search is forgiving),
    best (exact) matches first, then by track ID."""
    wanted_track = f" {_words(track_name or '')} "
    wanted_artist = f" {_words(artist_name or '')} "
    found: list[tuple[int, str, SpotifyTrack]] = []
    for track_id, track in tracks.items():
        name = f" {_words(track['name'])} "
        artists = [f" {_words(artist['name'])} " for artist in track["artists"]]
        if wanted_track.strip() not in name or not any(wanted_artist.strip() in artist for artist in artists):
            continue
        exact = int(name == wanted_track) + int(wanted_artist in artists)
        found.append((-exact, track_id, track))
    return [track for _, _, track in sorted(found, key=lambda item: (item[0], item[1]))]
