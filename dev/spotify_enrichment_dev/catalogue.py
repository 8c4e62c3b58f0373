"""The emulator's artist catalogue: Spotify artist objects read from JSONL, JSON or CSV files.

Accepted files:
- JSONL (`.jsonl`): one artist object per line, as `scripts/generate_demo_data.py` writes them; a
  folder stands for the `catalogue.jsonl` in it (the generator's `--out`).
- JSON (`.json`): one artist object, a list of them, `{"artists": [...]}` (Get Several Artists) or
  `{"items": [...]}` (Get User's Top Artists), as in `../shared/data/api-examples/`.
- CSV (`.csv`, `.tsv`, `.txt`): the delimiter (tab or comma) is read from the header. Two layouts:
  MusicOSet `artist_id, name, followers, popularity, ..., genres (Python-style list), image_url` and
  `id, name, artist_popularity, followers, genre (one genre or empty)`.

Every artist must carry a valid Spotify ID; a malformed line or row raises `CatalogueError` naming the
file and the line. A CSV value the source left unknown (`None`, empty) leaves its key out of the artist
object, because the spec has no null for `followers.total` or `popularity`.
"""

import ast
import csv
import io
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from spotify_enrichment.artist_ids import is_valid_artist_id

logger = logging.getLogger(__name__)

SPOTIFY_API_ARTIST_URL = "https://api.spotify.com/v1/artists/"
SPOTIFY_OPEN_ARTIST_URL = "https://open.spotify.com/artist/"
GENERATED_CATALOGUE_FILE = "catalogue.jsonl"  # what scripts/generate_demo_data.py writes into --out
CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
NO_IMAGE_VALUES = frozenset({"", "-", "None"})
UNKNOWN_NUMBER_VALUES = frozenset({"", "None", "-", "null", "NaN", "nan"})


class SpotifyImage(TypedDict):
    url: str
    height: int | None
    width: int | None


class SpotifyFollowers(TypedDict):
    href: str | None
    total: int


class SpotifyExternalUrls(TypedDict):
    spotify: str


class SpotifyArtist(TypedDict):
    """An artist object as `GET /v1/artists/{id}` returns it in Extended Quota Mode."""

    id: str
    name: str
    type: str
    uri: str
    href: str
    external_urls: SpotifyExternalUrls
    followers: NotRequired[SpotifyFollowers]
    genres: NotRequired[list[str]]
    popularity: NotRequired[int]
    images: list[SpotifyImage]


Catalogue = Mapping[str, SpotifyArtist]


class CatalogueError(ValueError):
    """A catalogue file is missing, of an unknown kind, or holds a malformed artist."""


def build_artist(
    artist_id: str,
    name: str,
    *,
    followers: int | None,
    popularity: int | None,
    genres: list[str],
    image_urls: Iterable[str] = (),
) -> SpotifyArtist:
    """A full Spotify artist object from catalogue fields; unknown followers or popularity are left out."""
    artist: SpotifyArtist = {
        "external_urls": {"spotify": SPOTIFY_OPEN_ARTIST_URL + artist_id},
        "href": SPOTIFY_API_ARTIST_URL + artist_id,
        "id": artist_id,
        "images": [{"url": url, "height": None, "width": None} for url in image_urls],
        "name": name,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
        "genres": genres,
    }
    if followers is not None:
        artist["followers"] = {"href": None, "total": followers}
    if popularity is not None:
        artist["popularity"] = popularity
    return artist


def load_catalogues(paths: Iterable[str | Path]) -> dict[str, SpotifyArtist]:
    """All artists of the given files; an artist in a later file replaces the same ID from an earlier one."""
    catalogue: dict[str, SpotifyArtist] = {}
    for path in paths:
        artists = load_catalogue(path)
        replaced = sum(1 for artist_id in artists if artist_id in catalogue)
        if replaced:
            logger.info("%s replaces %d artists loaded from earlier catalogue files", path, replaced)
        catalogue.update(artists)
    return catalogue


def load_catalogue(path: str | Path) -> dict[str, SpotifyArtist]:
    """The artists of one file, keyed by ID, in file order. Raises CatalogueError on any bad entry."""
    file_path = Path(path)
    if file_path.is_dir():
        file_path = file_path / GENERATED_CATALOGUE_FILE
    try:
        text = file_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise CatalogueError(f"catalogue file {file_path} does not exist") from error
    except UnicodeDecodeError as error:
        raise CatalogueError(f"catalogue file {file_path} is not UTF-8 text: {error}") from error
    suffix = file_path.suffix.lower()
    if suffix == ".jsonl":
        entries = _jsonl_entries(file_path, text)
    elif suffix == ".json":
        entries = _json_entries(file_path, text)
    elif suffix in CSV_SUFFIXES:
        entries = _csv_entries(file_path, text)
    else:
        raise CatalogueError(
            f"catalogue file {file_path}: unknown kind {suffix!r}; use .jsonl, .json, .csv or .tsv"
        )
    catalogue: dict[str, SpotifyArtist] = {}
    first_seen: dict[str, str] = {}
    for where, artist in entries:
        artist_id = artist["id"]
        if artist_id in catalogue:
            raise CatalogueError(
                f"{file_path}, {where}: artist {artist_id} already appears at {first_seen[artist_id]}"
            )
        catalogue[artist_id] = artist
        first_seen[artist_id] = where
    return catalogue


def _jsonl_entries(file_path: Path, text: str) -> Iterator[tuple[str, SpotifyArtist]]:
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {line_number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise CatalogueError(f"{file_path}, {where}: not valid JSON ({error.msg})") from error
        yield where, _checked_artist_object(file_path, where, value)


def _json_entries(file_path: Path, text: str) -> Iterator[tuple[str, SpotifyArtist]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogueError(f"{file_path}, line {error.lineno}: not valid JSON ({error.msg})") from error
    if isinstance(document, list):
        values, label = document, "item"
    elif isinstance(document, dict) and isinstance(document.get("artists"), list):
        values, label = document["artists"], "artists"
    elif isinstance(document, dict) and isinstance(document.get("items"), list):
        values, label = document["items"], "items"
    elif isinstance(document, dict) and "id" in document:
        values, label = [document], "artist"
    else:
        raise CatalogueError(
            f"{file_path}: expected an artist object, a list of them, "
            "{'artists': [...]} or {'items': [...]}"
        )
    for index, value in enumerate(values):
        where = f"{label}[{index}]" if label != "artist" else "the artist object"
        yield where, _checked_artist_object(file_path, where, value)


def _checked_artist_object(file_path: Path, where: str, value: Any) -> SpotifyArtist:
    if not isinstance(value, dict):
        raise CatalogueError(f"{file_path}, {where}: expected an artist object, got {type(value).__name__}")
    artist_id = value.get("id")
    if not isinstance(artist_id, str) or not is_valid_artist_id(artist_id):
        raise CatalogueError(
            f"{file_path}, {where}: artist id {artist_id!r} is not a 22-character Spotify ID"
        )
    if value.get("type", "artist") != "artist":
        raise CatalogueError(f"{file_path}, {where}: object type is {value.get('type')!r}, not 'artist'")
    if not isinstance(value.get("name"), str):
        raise CatalogueError(f"{file_path}, {where}: artist {artist_id} has no name")
    # Abbreviated objects get the identity keys every artist object has; stated values are kept as is.
    artist = dict(value)
    artist.setdefault("type", "artist")
    artist.setdefault("uri", f"spotify:artist:{artist_id}")
    artist.setdefault("href", SPOTIFY_API_ARTIST_URL + artist_id)
    artist.setdefault("external_urls", {"spotify": SPOTIFY_OPEN_ARTIST_URL + artist_id})
    artist.setdefault("images", [])
    return cast(SpotifyArtist, artist)


def _csv_entries(file_path: Path, text: str) -> Iterator[tuple[str, SpotifyArtist]]:
    header_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration as error:
        raise CatalogueError(f"{file_path}: the file is empty; expected a header row") from error
    columns = _CsvColumns.from_header(file_path, header)
    for row in reader:
        line_number = reader.line_num
        if not row or row == [""]:
            continue
        where = f"line {line_number}"
        if len(row) != len(header):
            raise CatalogueError(
                f"{file_path}, {where}: {len(row)} fields where the header has {len(header)} "
                f"(delimiter {delimiter!r})"
            )
        yield where, columns.artist(file_path, where, row)


class _CsvColumns:
    """Positions of the catalogue fields in a CSV header, for either supported layout."""

    def __init__(self, header: list[str], *, genre_list: int | None, genre_single: int | None) -> None:
        def find(*names: str) -> int | None:
            return next((header.index(name) for name in names if name in header), None)

        self.id = find("artist_id", "id")
        self.name = find("name", "artist_name")
        self.followers = find("followers", "follower_count")
        self.popularity = find("popularity", "artist_popularity")
        self.image_url = find("image_url", "image")
        self.genre_list = genre_list
        self.genre_single = genre_single

    @classmethod
    def from_header(cls, file_path: Path, header: list[str]) -> "_CsvColumns":
        genre_list = header.index("genres") if "genres" in header else None
        genre_single = header.index("genre") if "genre" in header else None
        columns = cls(header, genre_list=genre_list, genre_single=genre_single)
        if columns.id is None or columns.name is None:
            raise CatalogueError(
                f"{file_path}, line 1: header {header} lacks an artist ID column "
                "('artist_id' or 'id') or a 'name' column"
            )
        return columns

    def artist(self, file_path: Path, where: str, row: list[str]) -> SpotifyArtist:
        artist_id = row[self.id].strip()  # type: ignore[index]
        if not is_valid_artist_id(artist_id):
            raise CatalogueError(
                f"{file_path}, {where}: artist id {artist_id!r} is not a 22-character Spotify ID"
            )
        # Spotify has artists with an empty name (artists_37k.csv holds two); they are kept as they are.
        name = row[self.name]  # type: ignore[index]
        followers = self._count(file_path, where, row, self.followers, "followers", upper=None)
        popularity = self._count(file_path, where, row, self.popularity, "popularity", upper=100)
        image_urls: list[str] = []
        if self.image_url is not None and row[self.image_url].strip() not in NO_IMAGE_VALUES:
            image_urls.append(row[self.image_url].strip())
        return build_artist(
            artist_id,
            name,
            followers=followers,
            popularity=popularity,
            genres=self._genres(file_path, where, row),
            image_urls=image_urls,
        )

    @staticmethod
    def _count(
        file_path: Path, where: str, row: list[str], index: int | None, column: str, *, upper: int | None
    ) -> int | None:
        if index is None or row[index].strip() in UNKNOWN_NUMBER_VALUES:
            return None
        raw = row[index].strip()
        try:
            value = int(float(raw)) if "." in raw else int(raw)
        except ValueError as error:
            raise CatalogueError(f"{file_path}, {where}: {column} {raw!r} is not a number") from error
        if value < 0 or (upper is not None and value > upper):
            raise CatalogueError(f"{file_path}, {where}: {column} {value} is out of range")
        return value

    def _genres(self, file_path: Path, where: str, row: list[str]) -> list[str]:
        if self.genre_list is not None:
            return _parse_genre_list(file_path, where, row[self.genre_list])
        if self.genre_single is not None:
            genre = row[self.genre_single].strip()
            return [genre] if genre else []
        return []


def _parse_genre_list(file_path: Path, where: str, raw: str) -> list[str]:
    text = raw.strip()
    if text in {"", "[]"}:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
        raise CatalogueError(f"{file_path}, {where}: genres {raw!r} is not a list literal") from error
    if not isinstance(value, list | tuple) or not all(isinstance(genre, str) for genre in value):
        raise CatalogueError(f"{file_path}, {where}: genres {raw!r} is not a list of strings")
    return list(value)
