"""Deterministic synthetic demo data: a listening history and the matching Spotify artist catalogue (for the
emulator). Landing fixtures made from them: spotify_enrichment_dev.demo_enrichment_fixture.

Built for scale: artists are held as numpy arrays, plays are generated and written in fixed-size chunks, so
memory grows with the number of artists, not plays (1,000,000 artists / 10,000,000 plays in about a minute).
Every random draw comes from one seeded generator in a fixed order: the same arguments give the same bytes.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt

from spotify_enrichment_dev.demo_vocabulary import GENRES, NAME_FIRST, NAME_SECOND, TRACK_WORDS
from spotify_enrichment_dev.musicbrainz_catalogue import write_musicbrainz_catalogue

logger = logging.getLogger(__name__)

HISTORY_FILE = "listening_history.jsonl"
CATALOGUE_FILE = "catalogue.jsonl"
MUSICBRAINZ_CATALOGUE_FILE = "musicbrainz_catalogue.jsonl"
MISSING_IDS_FILE = "missing_artist_ids.txt"
# The Spotify emulator's track catalogue (`--tracks`): every track of the history with its artists.
TRACKS_FILE = "tracks.jsonl"

BASE62_ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SPOTIFY_ID_LENGTH = 22
PLAY_CHUNK_SIZE = 250_000
SECONDS_PER_DAY = 86_400
RECENT_DAYS = 7
IMAGE_WIDTHS = (640, 320, 160)
# The i.scdn.co artist image URL prefixes Spotify uses for the 640, 320 and 160 pixel renditions.
IMAGE_URL_PREFIXES = ("ab6761610000e5eb", "ab67616100005174", "ab6761610000f178")


# Canonical JSON inside the string quotes, computed once: lines are assembled by string formatting.
_NAME_FIRST_JSON = tuple(json.dumps(word, ensure_ascii=False)[1:-1] for word in NAME_FIRST)
_NAME_SECOND_JSON = tuple(json.dumps(word, ensure_ascii=False)[1:-1] for word in NAME_SECOND)


def generator_command(project_dir: Path, out: Path, *, artists: int, plays: int, seed: int) -> list[str]:
    """The command line of the project's generator, `scripts/generate_demo_data.py`, with this Python."""
    script = project_dir / "scripts" / "generate_demo_data.py"
    options = {"--out": out, "--artists": artists, "--plays": plays, "--seed": seed}
    return [sys.executable, str(script), *(part for option in options.items() for part in map(str, option))]


def _name_part_weights(words: tuple[str, ...]) -> npt.NDArray[np.float64]:
    # Non-ASCII parts a quarter as likely: about one name in five carries one.
    weights = np.array([1.0 if word.isascii() else 0.25 for word in words])
    return weights / weights.sum()


_NAME_FIRST_WEIGHTS = _name_part_weights(NAME_FIRST)
_NAME_SECOND_WEIGHTS = _name_part_weights(NAME_SECOND)
_TRACK_WORDS_JSON = np.array(
    [json.dumps(word, ensure_ascii=False)[1:-1] for word in TRACK_WORDS], dtype=object
)


class DemoDataError(ValueError):
    """Arguments that cannot make a sensible data set (the message names the argument)."""


@dataclass(frozen=True)
class DemoDataSpec:
    """What to generate. `end_date`: plays fall in the `history_days` days before its midnight (UTC)."""

    artists: int = 2_000
    plays: int = 20_000
    seed: int = 42
    end_date: date | None = None
    history_days: int = 730
    recent_artist_share: float = 0.02
    missing_artist_share: float = 0.005
    no_genre_share: float = 0.25
    no_image_share: float = 0.05
    featured_track_share: float = 0.04

    def resolved_end(self) -> datetime:
        end_day = self.end_date or datetime.now(UTC).date()
        return datetime(end_day.year, end_day.month, end_day.day, tzinfo=UTC)


@dataclass(frozen=True)
class DemoDataSummary:
    """What was written, for logs and the CLI's one-line JSON summary."""

    out_dir: str
    artists: int
    catalogue_artists: int
    missing_artists: int
    recent_artists: int
    plays: int
    history_lines: int
    first_played_at: str
    end: str
    seconds: float

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True)
class _Artists:
    """The artist table, one array entry per artist (index = artist number)."""

    ids: list[str]
    names_json: list[str]
    cumulative_weights: npt.NDArray[np.float64]
    first_played: npt.NDArray[np.int64]  # seconds since the history start
    track_counts: npt.NDArray[np.int64]
    missing: npt.NDArray[np.bool_]


def _check_spec(spec: DemoDataSpec) -> None:
    if spec.artists < 1:
        raise DemoDataError(f"--artists must be at least 1, got {spec.artists}")
    if spec.plays < spec.artists:
        raise DemoDataError(
            f"--plays ({spec.plays}) must be at least --artists ({spec.artists}): every artist is played once"
        )
    if spec.history_days <= RECENT_DAYS:
        raise DemoDataError(f"history_days must exceed {RECENT_DAYS}, got {spec.history_days}")
    for name in ("recent_artist_share", "missing_artist_share", "no_genre_share", "no_image_share"):
        value = getattr(spec, name)
        if not 0.0 <= value <= 1.0:
            raise DemoDataError(f"{name} must be within 0..1, got {value}")


def random_spotify_ids(rng: np.random.Generator, count: int) -> list[str]:
    """`count` distinct random 22-character base62 IDs."""
    alphabet = np.frombuffer(BASE62_ALPHABET, dtype=np.uint8)
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < count:
        digits = rng.integers(0, len(alphabet), size=(count - len(ids), SPOTIFY_ID_LENGTH), dtype=np.uint8)
        for raw in alphabet[digits].view(f"S{SPOTIFY_ID_LENGTH}").ravel().tolist():
            candidate = raw.decode("ascii")
            if candidate not in seen:
                seen.add(candidate)
                ids.append(candidate)
    return ids


def _share_count(count: int, share: float) -> int:
    """round(count * share), but at least one when the share is positive and there is room."""
    wanted = round(count * share)
    return max(wanted, 1) if share > 0 and count >= 10 else wanted


def _build_artists(rng: np.random.Generator, spec: DemoDataSpec) -> _Artists:
    count = spec.artists
    ids = random_spotify_ids(rng, count)
    first_parts = rng.choice(len(NAME_FIRST), size=count, p=_NAME_FIRST_WEIGHTS).tolist()
    second_parts = rng.choice(len(NAME_SECOND), size=count, p=_NAME_SECOND_WEIGHTS).tolist()
    names_json = [
        f"{_NAME_FIRST_JSON[first]} {_NAME_SECOND_JSON[second]}"
        for first, second in zip(first_parts, second_parts, strict=True)
    ]
    # Zipf-like: the artist of popularity rank r gets weight 1/r^0.95, ranks shuffled over artists.
    ranks = rng.permutation(count) + 1
    weights = 1.0 / np.power(ranks, 0.95)
    cumulative = np.cumsum(weights)
    cumulative /= cumulative[-1]
    span = spec.history_days * SECONDS_PER_DAY
    recent_span = RECENT_DAYS * SECONDS_PER_DAY
    # Heavily played artists were found early; the rest are spread over the history.
    first_played = rng.integers(0, span - recent_span, size=count, dtype=np.int64)
    first_played = np.where(ranks <= max(count // 100, 1), first_played // 8, first_played)
    recent = rng.choice(count, size=_share_count(count, spec.recent_artist_share), replace=False)
    first_played[recent] = rng.integers(span - recent_span, span - 1, size=len(recent), dtype=np.int64)
    expected_plays = spec.plays * weights / weights.sum()
    track_counts = np.clip(np.round(np.power(expected_plays, 0.6)), 1, 80).astype(np.int64)
    missing = np.zeros(count, dtype=bool)
    missing[rng.choice(count, size=_share_count(count, spec.missing_artist_share), replace=False)] = True
    return _Artists(ids, names_json, cumulative, first_played, track_counts, missing)


def _mix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser: a stateless hash, so track IDs need no table."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _base62_ids(high: npt.NDArray[np.uint64], low: npt.NDArray[np.uint64]) -> list[str]:
    """22 base62 characters per pair of 64-bit hashes (11 from each)."""
    alphabet = np.frombuffer(BASE62_ALPHABET, dtype=np.uint8)
    digits = np.empty((len(high), SPOTIFY_ID_LENGTH), dtype=np.uint8)
    for half, source in enumerate((high, low)):
        remaining = source.copy()
        for position in range(11):
            digits[:, half * 11 + position] = alphabet[(remaining % np.uint64(62)).astype(np.intp)]
            remaining //= np.uint64(62)
    return [raw.decode("ascii") for raw in digits.view(f"S{SPOTIFY_ID_LENGTH}").ravel().tolist()]


def _track_keys(artist_numbers: npt.NDArray[np.int64], track_numbers: npt.NDArray[np.int64], seed: int):
    key = artist_numbers.astype(np.uint64) * np.uint64(1024) + track_numbers.astype(np.uint64)
    return _mix64(key ^ np.uint64(seed & 0xFFFFFFFF) << np.uint64(40))


@dataclass(frozen=True)
class _PlayChunk:
    """One chunk of plays, as arrays (one entry per play)."""

    artist_numbers: npt.NDArray[np.int64]
    offsets_ms: npt.NDArray[np.int64]  # milliseconds since the history start
    track_numbers: npt.NDArray[np.int64]
    ms_played: npt.NDArray[np.int64]


def _draw_plays(
    rng: np.random.Generator,
    spec: DemoDataSpec,
    artists: _Artists,
    play_numbers: npt.NDArray[np.int64],
) -> _PlayChunk:
    """Plays numbered below the artist count are each artist's first play; the rest follow Zipf weights."""
    count = len(play_numbers)
    is_first_play = play_numbers < spec.artists
    drawn = np.searchsorted(artists.cumulative_weights, rng.random(count), side="right")
    artist_numbers = np.where(is_first_play, play_numbers, np.minimum(drawn, spec.artists - 1)).astype(
        np.int64
    )
    span = spec.history_days * SECONDS_PER_DAY
    first = artists.first_played[artist_numbers]
    later = first + (rng.random(count) * (span - first)).astype(np.int64)
    offsets_ms = np.where(is_first_play, first, later) * 1000 + rng.integers(0, 1000, size=count)
    # Favourite tracks get most plays: a squared uniform leans towards track 0.
    track_numbers = (rng.random(count) ** 2 * artists.track_counts[artist_numbers]).astype(np.int64)
    ms_played = np.clip(rng.lognormal(12.0, 0.6, size=count), 1_000, 900_000).astype(np.int64)
    skipped = rng.random(count) < 0.15
    ms_played[skipped] = rng.integers(500, 30_000, size=int(skipped.sum()))
    order = np.argsort(offsets_ms, kind="stable")
    return _PlayChunk(artist_numbers[order], offsets_ms[order], track_numbers[order], ms_played[order])


def _format_plays(
    spec: DemoDataSpec, artists: _Artists, plays: _PlayChunk, tracks: dict[str, str] | None = None
) -> list[str]:
    """JSONL lines of a chunk; a play of a track with a featured artist gives a second line for the guest.
    `tracks` collects each track's catalogue line (`{id, name, artists}`, the guest once it has one)."""
    start_ms = int((spec.resolved_end() - timedelta(days=spec.history_days)).timestamp() * 1000)
    played_at = np.datetime_as_string(
        (start_ms + plays.offsets_ms).astype("datetime64[ms]"), unit="ms"
    ).tolist()
    keys = _track_keys(plays.artist_numbers, plays.track_numbers, spec.seed)
    track_ids = _base62_ids(keys, _mix64(keys))
    word_count = np.uint64(len(TRACK_WORDS))
    first_words = _TRACK_WORDS_JSON[(keys % word_count).astype(np.intp)].tolist()
    second_words = _TRACK_WORDS_JSON[((keys >> np.uint64(20)) % word_count).astype(np.intp)].tolist()
    guests = ((keys >> np.uint64(8)) % np.uint64(len(artists.ids))).astype(np.int64)
    featured_permille = np.uint64(round(spec.featured_track_share * 1000))
    # A guest appears only once discovered, so "first played" stays the guest's own first play.
    track_has_guest = (((keys >> np.uint64(40)) % np.uint64(1000)) < featured_permille) & (
        guests != plays.artist_numbers
    )
    has_guest = track_has_guest & (artists.first_played[guests] * 1000 <= plays.offsets_ms)
    ids, names = artists.ids, artists.names_json
    lines: list[str] = []
    for when, track_id, word_a, word_b, artist, ms, with_guest, guest, featuring in zip(
        played_at,
        track_ids,
        first_words,
        second_words,
        plays.artist_numbers.tolist(),
        plays.ms_played.tolist(),
        has_guest.tolist(),
        guests.tolist(),
        track_has_guest.tolist(),
        strict=True,
    ):
        if tracks is not None and track_id not in tracks:
            credited = [artist, guest] if featuring else [artist]
            listed = ", ".join(f'{{"id": "{ids[n]}", "name": "{names[n]}"}}' for n in credited)
            tracks[track_id] = f'{{"id": "{track_id}", "name": "{word_a} {word_b}", "artists": [{listed}]}}\n'

        common = (
            f'{{"playedAt": "{when}Z", "trackId": "{track_id}", '
            f'"trackName": "{word_a} {word_b}", "msPlayed": {ms}'
        )
        lines.append(f'{common}, "artistId": "{ids[artist]}", "artistName": "{names[artist]}"}}\n')
        if with_guest:
            lines.append(f'{common}, "artistId": "{ids[guest]}", "artistName": "{names[guest]}"}}\n')
    return lines


def _play_chunks(rng: np.random.Generator, spec: DemoDataSpec, artists: _Artists) -> Iterator[_PlayChunk]:
    """PLAY_CHUNK_SIZE plays at a time, each chunk in time order (the file is when it fits in one chunk)."""
    for start in range(0, spec.plays, PLAY_CHUNK_SIZE):
        play_numbers = np.arange(start, min(start + PLAY_CHUNK_SIZE, spec.plays), dtype=np.int64)
        yield _draw_plays(rng, spec, artists, play_numbers)


def _catalogue_entry(
    artist_id: str,
    name_json: str,
    *,
    genres: list[str],
    popularity: int,
    followers: int,
    image_key: str | None,
    tall: bool,
) -> str:
    images = []
    if image_key is not None:
        for width, prefix in zip(IMAGE_WIDTHS, IMAGE_URL_PREFIXES, strict=True):
            height = width * 2 // 3 if tall else width
            images.append(
                {"height": height, "url": f"https://i.scdn.co/image/{prefix}{image_key}", "width": width}
            )
    entry = {
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{artist_id}"},
        "followers": {"href": None, "total": followers},
        "genres": genres,
        "href": f"https://api.spotify.com/v1/artists/{artist_id}",
        "id": artist_id,
        "images": images,
        "name": "__NAME__",
        "popularity": popularity,
        "type": "artist",
        "uri": f"spotify:artist:{artist_id}",
    }
    # The name is already JSON-escaped; splice it in rather than escape twice.
    return json.dumps(entry, ensure_ascii=False).replace('"__NAME__"', f'"{name_json}"', 1) + "\n"


def _write_catalogue(rng: np.random.Generator, spec: DemoDataSpec, artists: _Artists, path: Path) -> int:
    """One Extended Quota artist object per line for every artist not marked missing. Returns the count."""
    count = spec.artists
    followers = np.minimum(rng.lognormal(8.0, 2.6, size=count), 150_000_000).astype(np.int64)
    popularity = np.clip(
        np.round(np.log10(followers + 1) * 12 + rng.normal(0, 8, size=count)), 0, 100
    ).astype(np.int64)
    has_genres = rng.random(count) >= spec.no_genre_share
    genre_counts = rng.integers(1, 6, size=count)
    genre_weights = 1.0 / np.arange(1, len(GENRES) + 1)
    genre_cdf = np.cumsum(genre_weights) / genre_weights.sum()
    has_images = rng.random(count) >= spec.no_image_share
    tall_images = rng.random(count) < 0.1
    image_keys = rng.integers(0, 2**63 - 1, size=(count, 2), dtype=np.int64)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        batch: list[str] = []
        for number in range(count):
            if artists.missing[number]:
                continue
            genres: list[str] = []
            if has_genres[number]:
                picks = np.searchsorted(genre_cdf, rng.random(genre_counts[number]), side="right")
                genres = sorted({GENRES[min(pick, len(GENRES) - 1)] for pick in picks.tolist()})
            key_high, key_low = image_keys[number].tolist()
            image_key = f"{key_high:016x}{key_low:016x}"[:24] if has_images[number] else None
            batch.append(
                _catalogue_entry(
                    artists.ids[number],
                    artists.names_json[number],
                    genres=genres,
                    popularity=int(popularity[number]),
                    followers=int(followers[number]),
                    image_key=image_key,
                    tall=bool(tall_images[number]),
                )
            )
            written += 1
            if len(batch) >= 50_000:
                out.writelines(batch)
                batch.clear()
        out.writelines(batch)
    return written


def generate_demo_data(out_dir: Path, spec: DemoDataSpec) -> DemoDataSummary:
    """Write listening_history.jsonl, catalogue.jsonl, tracks.jsonl (the Spotify emulator's track
    catalogue), musicbrainz_catalogue.jsonl (the MusicBrainz emulator's) and missing_artist_ids.txt into
    `out_dir`."""
    _check_spec(spec)
    started = datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(spec.seed)
    artists = _build_artists(rng, spec)
    history_lines = 0
    tracks: dict[str, str] = {}
    with (out_dir / HISTORY_FILE).open("w", encoding="utf-8") as out:
        for chunk in _play_chunks(rng, spec, artists):
            lines = _format_plays(spec, artists, chunk, tracks)
            out.writelines(lines)
            history_lines += len(lines)
            logger.info("demo data: %d history lines written", history_lines)
    (out_dir / TRACKS_FILE).write_text("".join(tracks.values()), encoding="utf-8")
    catalogue_artists = _write_catalogue(rng, spec, artists, out_dir / CATALOGUE_FILE)
    write_musicbrainz_catalogue(
        [out_dir / CATALOGUE_FILE], out_dir / MUSICBRAINZ_CATALOGUE_FILE, seed=spec.seed
    )
    missing_ids = [artists.ids[number] for number in np.flatnonzero(artists.missing).tolist()]
    (out_dir / MISSING_IDS_FILE).write_text("".join(f"{artist_id}\n" for artist_id in missing_ids))
    end = spec.resolved_end()
    recent_cutoff = (spec.history_days - RECENT_DAYS) * SECONDS_PER_DAY
    start = end - timedelta(days=spec.history_days)
    summary = DemoDataSummary(
        out_dir=str(out_dir),
        artists=spec.artists,
        catalogue_artists=catalogue_artists,
        missing_artists=len(missing_ids),
        recent_artists=int((artists.first_played >= recent_cutoff).sum()),
        plays=spec.plays,
        history_lines=history_lines,
        first_played_at=(start + timedelta(seconds=int(artists.first_played.min()))).isoformat(),
        end=end.isoformat(),
        seconds=round((datetime.now(UTC) - started).total_seconds(), 2),
    )
    logger.info("demo data written: %s", summary.to_json())
    return summary
