"""Listening-history files as people have them, read into plays: the project's JSONL, Spotify's
personal data export ("Extended streaming history": `Streaming_History_Audio_*.json`, older
`endsong_*.json`; "Account data": `StreamingHistory_music_*.json` / `StreamingHistory*.json`), a
folder of them or the export's zip. Pure parsing of the export's JSON arrays, no database:
`history_load` writes the plays, and reads the project's JSONL itself with DuckDB (a history of
millions of lines must not pass through Python).

A file's kind is told by its name and checked against its content. Episodes, audiobooks, local files
and entries without a track are counted by reason and not loaded as plays. An entry that cannot be
read (not JSON, a wrong type, no time, a time in the future) fails the whole load, naming the file.

The dedupe key of a play (`play_key`): the time Spotify gives (to the second in the export), the track
(its ID, or its name and artist name when the entry has no ID), the milliseconds played, the artist ID
(JSONL lines are one per play and artist) and the occurrence: the n-th entry with all those same values
in its file (for JSONL, DuckDB computes the same rule as the MD5 of those values: `history_load`).
So two plays of one track that end in the same second stay two plays (Spotify writes
one entry per stream), and the same file, or an overlapping export, loaded again gives the same keys
and adds nothing. The same play from the account data (time to the minute) and from the extended
history has different keys: load one kind of export, not both."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from spotify_enrichment.errors import BadInputError
from spotify_enrichment.records import SPOTIFY_ID_REGEX, ListeningHistoryRow

HistoryKind = Literal["jsonl", "extended", "account"]
KIND_NAMES: dict[HistoryKind, str] = {
    "jsonl": "JSONL plays",
    "extended": "extended streaming history",
    "account": "account data streaming history",
}
# A play may be dated slightly ahead of the loader's clock (another machine's clock), not more.
MAX_FUTURE = timedelta(hours=1)
_TRACK_URI = re.compile(rf"spotify:track:({SPOTIFY_ID_REGEX})")
_EXTENDED_NAME = re.compile(r"(Streaming_History_Audio_.*|endsong(_\d+)?)\.json", re.IGNORECASE)
_ACCOUNT_NAME = re.compile(r"StreamingHistory(_music)?_?\d*\.json", re.IGNORECASE)
# Files of the export that hold no music plays: skipped whole, named in the summary.
_OTHER_HISTORY_NAMES = {
    re.compile(r"Streaming_History_Video_.*\.json", re.IGNORECASE): "video history",
    re.compile(r"StreamingHistory_?podcast_?\d*\.json", re.IGNORECASE): "podcast history",
}
_JSONL_SUFFIXES = (".jsonl", ".ndjson")
MAX_EXAMPLES = 3


class HistoryFormatError(BadInputError):
    """A history file that cannot be loaded; the message names the file and what is wrong."""


@dataclass(frozen=True)
class HistoryInput:
    """One file to read: `source` names it (absolute path, or `ZIP!member`), `data` is its bytes."""

    source: str
    name: str
    data: bytes
    path: Path | None = None  # the file itself, when it is one (not a zip member)

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Play(ListeningHistoryRow):
    """One row of the listening-history table (one play and artist) with its dedupe key."""

    playKey: str  # noqa: N815 - a column name, as in records.py


@dataclass
class ParsedFile:
    """What one file holds: its plays and, by reason, the entries that are no play."""

    source: str
    kind: HistoryKind
    entries: int = 0
    plays: list[Play] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


@dataclass
class Inputs:
    """The files a path stands for, and the files beside them that are no listening history."""

    files: list[HistoryInput]
    ignored: list[str] = field(default_factory=list)
    skipped_files: dict[str, str] = field(default_factory=dict)


# --- finding the files ------------------------------------------------------------------------------


def _kind_by_name(name: str) -> HistoryKind | None:
    base = name.rsplit("/", 1)[-1]
    if base.lower().endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if _EXTENDED_NAME.fullmatch(base):
        return "extended"
    if _ACCOUNT_NAME.fullmatch(base):
        return "account"
    return None


def _other_history(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    return next((reason for pattern, reason in _OTHER_HISTORY_NAMES.items() if pattern.fullmatch(base)), None)


def _collect(
    inputs: Inputs, source: str, name: str, data: bytes, *, chosen: bool, path: Path | None = None
) -> None:
    """Keep a file that is (or, `chosen` by the user, claims to be) a listening history."""
    other = _other_history(name)
    if other:
        inputs.skipped_files[source] = other
        return
    if chosen or _kind_by_name(name) is not None or _sniff(data) is not None:
        inputs.files.append(HistoryInput(source, name, data, path))
    elif not name.rsplit("/", 1)[-1].startswith("."):
        inputs.ignored.append(source)


def _zip_members(path: Path, inputs: Inputs) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.infolist(), key=lambda info: info.filename):
                if member.is_dir() or not member.filename.lower().endswith((".json", *_JSONL_SUFFIXES)):
                    if not member.is_dir():
                        inputs.ignored.append(f"{path}!{member.filename}")
                    continue
                _collect(
                    inputs, f"{path}!{member.filename}", member.filename, archive.read(member), chosen=False
                )
    except zipfile.BadZipFile as error:
        raise HistoryFormatError(f"{path}: not a readable zip file ({error})") from None


def find_inputs(path: str | Path) -> Inputs:
    """The history files of a file, a folder (searched recursively) or a zip, in name order."""
    root = Path(path).expanduser()
    if not root.exists():
        raise HistoryFormatError(f"{root}: no such file or folder")
    root = root.resolve()
    inputs = Inputs(files=[])
    if root.is_file():
        if zipfile.is_zipfile(root) and root.suffix.lower() == ".zip":
            _zip_members(root, inputs)
        else:
            _collect(inputs, str(root), root.name, root.read_bytes(), chosen=True, path=root)
    else:
        for child in sorted(p for p in root.rglob("*") if p.is_file()):
            if child.suffix.lower() == ".zip":
                _zip_members(child, inputs)
            elif child.suffix.lower() in (".json", *_JSONL_SUFFIXES):
                _collect(inputs, str(child), child.name, child.read_bytes(), chosen=False, path=child)
            elif not child.name.startswith("."):
                inputs.ignored.append(str(child))
    if not inputs.files and not inputs.skipped_files:
        raise HistoryFormatError(
            f"{root}: no listening history found (expected the project's JSONL, "
            "Streaming_History_Audio_*.json, "
            "endsong_*.json or StreamingHistory*.json, or a folder or zip holding them)"
        )
    return inputs


# --- telling the kind -------------------------------------------------------------------------------


def _first_object(data: bytes) -> Any:
    """The first entry of a JSON array file, read from its start only (the sniff must stay cheap)."""
    head = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not head.startswith("["):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(head[1:].lstrip())
    except ValueError:
        return None
    return value


def _sniff(data: bytes) -> HistoryKind | None:
    entry = _first_object(data)
    if isinstance(entry, dict):
        if "ts" in entry and "ms_played" in entry:
            return "extended"
        if "endTime" in entry and "msPlayed" in entry:
            return "account"
    return None


def kind_of(item: HistoryInput) -> HistoryKind:
    """The file's kind by name, checked against its content; by content when the name says nothing."""
    by_name = _kind_by_name(item.name)
    by_content = _sniff(item.data)
    if by_name == "jsonl":
        return "jsonl"
    if by_name is not None and by_content is not None and by_name != by_content:
        raise HistoryFormatError(
            f"{item.source}: the name says {KIND_NAMES[by_name]} but the entries are {KIND_NAMES[by_content]}"
        )
    kind = by_content or by_name
    if kind is None:
        first_line = item.data.split(b"\n", 1)[0]
        try:
            first = json.loads(first_line)
        except ValueError:
            first = None
        if isinstance(first, dict) and "playedAt" in first:
            return "jsonl"
        raise HistoryFormatError(
            f"{item.source}: not a listening history: expected a JSON array of streams (keys ts, ms_played "
            "or endTime, msPlayed) or JSONL lines (playedAt, trackId, ...)"
        )
    return kind


# --- parsing ----------------------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no UTC offset")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%Y-%m-%dT%H:%M:%SZ")


class _Problems:
    """Bad entries of one file, counted by kind with the first examples."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, list[str]] = {}
        self.latest_future: datetime | None = None

    def add(self, kind: str, example: str) -> None:
        self.counts[kind] += 1
        shown = self.examples.setdefault(kind, [])
        if len(shown) < MAX_EXAMPLES:
            shown.append(example)

    def raise_if_any(self) -> None:
        if not self.counts:
            return
        parts = []
        for kind, count in self.counts.items():
            more = " ..." if count > MAX_EXAMPLES else ""
            detail = "; ".join(self.examples[kind]) + more
            if kind == "future" and self.latest_future is not None:
                parts.append(
                    f"{count} plays dated in the future (latest playedAt {_iso(self.latest_future)}, "
                    "more than an "
                    f"hour after now: {detail})"
                )
            elif kind == "undated":
                parts.append(f"{count} plays without playedAt ({detail})")
            else:
                parts.append(f"{count} entries that cannot be read ({detail})")
        raise HistoryFormatError(
            f"load_listening_history: {self.source}: {' and '.join(parts)}; nothing was loaded. "
            "Every play needs the UTC time it was played, not in the future: fix or remove those entries "
            "and load the file again"
        )


def _check_time(problems: _Problems, raw: Any, where: str, now: datetime, *, parse: Any = _utc) -> str | None:
    if raw is None:
        problems.add("undated", where)
        return None
    try:
        moment = parse(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None:
        problems.add("malformed", f"{where}: time {raw!r:.40} is not an ISO 8601 time with a UTC offset")
        return None
    if moment > now + MAX_FUTURE:
        problems.add("future", where)
        problems.latest_future = max(problems.latest_future or moment, moment)
        return None
    return _iso(moment)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _typed(problems: _Problems, entry: dict[str, Any], where: str, types: dict[str, type]) -> bool:
    for key, expected in types.items():
        value = entry.get(key)
        wrong = value is not None and (
            not isinstance(value, expected) or (expected is int and isinstance(value, bool))
        )
        if wrong:
            problems.add("malformed", f"{where}: {key} {value!r:.40} is not {expected.__name__}")
            return False
    return True


def _array(item: HistoryInput) -> list[Any]:
    try:
        value = json.loads(item.data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise HistoryFormatError(f"{item.source}: not valid JSON ({error})") from None
    if not isinstance(value, list):
        raise HistoryFormatError(
            f"{item.source}: expected a JSON array of streams, got {type(value).__name__}"
        )
    return value


def _extended_skip_reason(entry: dict[str, Any]) -> str | None:
    if entry.get("spotify_episode_uri") or entry.get("episode_name"):
        return "episode"
    if entry.get("audiobook_uri") or entry.get("audiobook_chapter_uri") or entry.get("audiobook_title"):
        return "audiobook"
    uri = entry.get("spotify_track_uri")
    if isinstance(uri, str) and uri.startswith("spotify:local:"):
        return "local file"
    if not uri:
        return "no track"
    if not isinstance(uri, str) or not _TRACK_URI.fullmatch(uri):
        return "malformed track URI"
    return None


def _parse_extended(item: HistoryInput, parsed: ParsedFile, problems: _Problems, now: datetime) -> None:
    types = {"ms_played": int, "master_metadata_track_name": str, "master_metadata_album_artist_name": str}
    for number, entry in enumerate(_array(item), start=1):
        parsed.entries += 1
        where = f"entry {number}"
        if not isinstance(entry, dict):
            problems.add("malformed", f"{where}: not a JSON object")
            continue
        if not _typed(problems, entry, where, types):
            continue
        played_at = _check_time(problems, entry.get("ts"), f"{where} ({entry.get('spotify_track_uri')})", now)
        if played_at is None:
            continue
        reason = _extended_skip_reason(entry)
        if reason is not None:
            parsed.skipped[reason] += 1
            continue
        match = _TRACK_URI.fullmatch(entry["spotify_track_uri"])
        assert match is not None
        parsed.plays.append(
            Play(
                playedAt=played_at,
                trackId=match.group(1),
                trackName=entry.get("master_metadata_track_name"),
                msPlayed=entry.get("ms_played"),
                # The export names only one artist (the album's); the track's artists come from Spotify.
                artistId=None,
                artistName=entry.get("master_metadata_album_artist_name"),
                playKey="",
            )
        )


def _account_time(raw: str) -> datetime:
    # "YYYY-MM-DD HH:MM", UTC (Spotify's "Understanding my data").
    return datetime.strptime(raw, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


_UNKNOWN_NAMES = {"unknown track", "unknown artist"}


def _parse_account(item: HistoryInput, parsed: ParsedFile, problems: _Problems, now: datetime) -> None:
    types = {"msPlayed": int, "artistName": str, "trackName": str}
    for number, entry in enumerate(_array(item), start=1):
        parsed.entries += 1
        where = f"entry {number}"
        if not isinstance(entry, dict):
            problems.add("malformed", f"{where}: not a JSON object")
            continue
        if not _typed(problems, entry, where, types):
            continue
        played_at = _check_time(problems, entry.get("endTime"), where, now, parse=_account_time)
        if played_at is None:
            continue
        track, artist = _text(entry.get("trackName")), _text(entry.get("artistName"))
        if track is None or artist is None or {track.lower(), artist.lower()} & _UNKNOWN_NAMES:
            parsed.skipped["no track"] += 1
            continue
        if "episodeName" in entry or "podcastName" in entry:
            parsed.skipped["episode"] += 1
            continue
        parsed.plays.append(
            Play(
                playedAt=played_at,
                trackId=None,
                trackName=track,
                msPlayed=entry.get("msPlayed"),
                artistId=None,
                artistName=artist,
                playKey="",
            )
        )


_PARSERS = {"extended": _parse_extended, "account": _parse_account}


def play_key(play: Play, occurrence: int) -> str:
    """The dedupe key (see the module docstring), as 32 hex digits."""
    track: list[Any] = [play["trackId"]] if play["trackId"] else [None, play["trackName"], play["artistName"]]
    canonical = json.dumps(
        [play["playedAt"], *track, play["msPlayed"], play["artistId"], occurrence], ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _assign_keys(plays: list[Play]) -> None:
    seen: Counter[str] = Counter()
    for play in plays:
        base = play_key(play, 0)
        seen[base] += 1
        play["playKey"] = base if seen[base] == 1 else play_key(play, seen[base] - 1)


def parse(item: HistoryInput, now: datetime | None = None) -> ParsedFile:
    """The plays of one file; raises `HistoryFormatError` naming it when an entry cannot be read."""
    kind = kind_of(item)
    if kind == "jsonl":
        raise ValueError(
            f"{item.source}: JSONL plays are read by the warehouse (history_load), not parsed here"
        )
    parsed = ParsedFile(source=item.source, kind=kind)
    problems = _Problems(item.source)
    _PARSERS[kind](item, parsed, problems, now or datetime.now(UTC))
    problems.raise_if_any()
    _assign_keys(parsed.plays)
    return parsed


def parse_all(inputs: Inputs, now: datetime | None = None) -> Iterator[tuple[HistoryInput, ParsedFile]]:
    for item in inputs.files:
        yield item, parse(item, now)


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of `{member name: bytes}` (tests and the demo build export zips with it)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
