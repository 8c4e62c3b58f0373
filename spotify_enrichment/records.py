"""The records of the pipeline, each defined once. The TypedDicts below are the typed values that cross
module borders and, through `contract.py`, the landing schema: JSONL writer, line validator, lake DDL
on DuckDB and BigQuery, BigQuery load schema and DuckDB load SQL all derive from them. Keys and
meaning follow DESIGN.md; `genres`, `popularity` and `followerCount` are None when Spotify withheld
them (Development Mode), never 0 or []."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from spotify_enrichment.contract import (
    Pattern,
    Range,
    RecordType,
    ScheduledTimestamp,
    Table,
    Timestamp,
    fields_of,
)

SPOTIFY_ID_REGEX = "[0-9A-Za-z]{22}"
SpotifyId = Annotated[str, Pattern(SPOTIFY_ID_REGEX, "a Spotify ID (22 base62 characters)")]
RUN_ID_REGEX = "[A-Za-z0-9_.:-]{1,128}"
RunId = Annotated[str, Pattern(RUN_ID_REGEX, "a run ID (letters, digits, _ . : -)")]
CLIENT_KEY_REGEX = "[0-9a-f]{16}"

Status = Literal["ok", "not_found"]
ApiMode = Literal["batch", "single"]


class Image(TypedDict):
    url: str
    height: int | None
    width: int | None


class ExternalUrls(TypedDict):
    spotify: str | None


class LandingRecord(TypedDict):
    """One Spotify artist per fetch. A `not_found` record carries only `artistId` and the run
    metadata: every data field is None. An empty `genres` list means Spotify returned an empty list."""

    artistId: SpotifyId
    artistName: str | None
    genres: list[str] | None
    popularity: Annotated[int | None, Range(0, 100)]
    followerCount: Annotated[int | None, Range(0, None)]
    images: list[Image] | None
    externalUrls: ExternalUrls | None
    enrichedAt: Timestamp
    status: Status
    apiMode: ApiMode
    runId: RunId


ARTIST_ENRICHMENT = RecordType(
    name="artist_enrichment",
    record=LandingRecord,
    lake_table="lake_spotify__normalized_artist_enrichment",
    ledger_table="lake_spotify__artist_enrichment_load_ledger",
    key=("artistId",),
)

# The sources of the pipeline, named alike in every record that says which source it is about.
Source = Literal["spotify", "musicbrainz", "spotify_tracks", "spotify_search"]
EnrichmentMode = Literal["backfill", "incremental", "refresh"]
Count = Annotated[int, Range(0, None)]


class RunRecord(TypedDict):
    """One run of one source's fetcher, written when it ends, also when it stopped or could not start
    (`stopReason`). `retryNotBefore` is when the source asked to be left alone until (a Retry-After
    or a quota); the next run of that source sends nothing before it. `clientKey` names the API
    credentials the run used (a hash of the client ID, never the secret) and `apiRegime` what the
    run knew of them at its end (`single`: the batch endpoint is refused), so later runs with the
    same credentials send no probe."""

    runId: RunId
    source: Source
    mode: EnrichmentMode | None
    startedAt: Timestamp
    endedAt: Timestamp
    requested: Count
    ok: Count
    not_found: Count
    failed: Count
    invalid: Count
    requests: Count
    rateLimited: Count
    apiMode: str | None
    apiRegime: ApiMode | None
    clientKey: Annotated[str | None, Pattern(CLIENT_KEY_REGEX, "16 hex digits")]
    stopReason: str | None
    retryNotBefore: ScheduledTimestamp | None
    message: str | None
    landingFile: str | None
    rowsLoaded: Annotated[int | None, Range(0, None)]


class FailureRecord(TypedDict):
    """One item a run asked its source about and got no answer for after the retries (5xx, timeouts,
    a malformed answer). `itemId` is the source's key (a Spotify artist ID for `spotify` and
    `musicbrainz`, a track ID for `spotify_tracks`, the `searchKey` for `spotify_search`). Attempts and
    the next attempt are counted from these rows (the failures since the item's last answer), so
    nothing needs updating in place."""

    source: Source
    itemId: Annotated[str, Pattern(RUN_ID_REGEX, "an item ID (letters, digits, _ . : -)")]
    runId: RunId
    failedAt: Timestamp
    reason: str


ENRICHMENT_RUNS = RecordType(
    name="enrichment_runs",
    record=RunRecord,
    lake_table="lake_enrichment__runs",
    ledger_table="lake_enrichment__runs_load_ledger",
    key=("runId", "source"),
)

ENRICHMENT_FAILURES = RecordType(
    name="enrichment_failures",
    record=FailureRecord,
    lake_table="lake_enrichment__failures",
    ledger_table="lake_enrichment__failures_load_ledger",
    key=("source", "itemId", "runId"),
)


MUSICBRAINZ_ID_REGEX = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
MusicBrainzId = Annotated[str, Pattern(MUSICBRAINZ_ID_REGEX, "a MusicBrainz ID (lowercase UUID)")]
MusicBrainzStatus = Literal["ok", "not_linked"]


class MusicBrainzTag(TypedDict):
    name: str
    count: int


class MusicBrainzRecord(TypedDict):
    """One Spotify artist as MusicBrainz knows it, per fetch, keyed by the Spotify ID. `ok`: MusicBrainz
    links the artist's Spotify URL to `musicbrainzId` (genres by vote count, most votes first; `[]` when
    it has none). `not_linked`: no MusicBrainz artist links that Spotify URL (yet); every data field is
    None. Failed lookups land nothing, so the next run asks again."""

    artistId: SpotifyId
    musicbrainzId: MusicBrainzId | None
    status: MusicBrainzStatus
    genres: list[str] | None
    tags: list[MusicBrainzTag] | None
    artistType: str | None
    country: str | None
    beginDate: str | None
    endDate: str | None
    disambiguation: str | None
    fetchedAt: Timestamp
    runId: RunId


MUSICBRAINZ_ARTIST = RecordType(
    name="musicbrainz_artist",
    record=MusicBrainzRecord,
    lake_table="lake_musicbrainz__normalized_artist",
    ledger_table="lake_musicbrainz__artist_load_ledger",
    key=("artistId",),
)


class TrackArtistsRecord(TypedDict):
    """One track resolved to its artists (source `spotify_tracks`): `artistIds` and `artistNames` in
    Spotify's order, features included. A `not_found` record has None for both; it is not asked again."""

    trackId: SpotifyId
    artistIds: list[SpotifyId] | None
    artistNames: list[str] | None
    status: Status
    resolvedAt: Timestamp
    runId: RunId


TRACK_ARTISTS = RecordType(
    name="track_artists",
    record=TrackArtistsRecord,
    lake_table="lake_spotify__normalized_track_artists",
    ledger_table="lake_spotify__track_artists_load_ledger",
    key=("trackId",),
)


SEARCH_KEY_REGEX = "[0-9a-f]{32}"
SearchStatus = Literal["matched", "ambiguous", "not_found"]
SearchConfidence = Literal["exact_unique", "exact_same_artists"]


class TrackSearchRecord(TypedDict):
    """One account-data (track name, artist name) pair, exactly as the history names it, searched with
    `GET /search?type=track` (source `spotify_search`; `track_search.search_key` of the pair is the
    key). A candidate is exact when its name and one of its artists' names equal the pair's after
    `track_search.normalized_name` (accents, case and spacing ignored). `matched`: every exact candidate
    has the same artist set; `confidence` says how sure (`exact_unique`: one exact candidate;
    `exact_same_artists`: several, e.g. the single and the album version, all by the same artists),
    `trackId` is the first of them in Spotify's order, `artistIds`/`artistNames` its artists in
    Spotify's order. `ambiguous`: exact candidates disagree on the artists; `not_found`: no exact
    candidate. Neither is used as a play of any artist; both keep None for the track and its artists
    and are not searched again. `candidates` is how many tracks the search answered (at most 10)."""

    searchKey: Annotated[str, Pattern(SEARCH_KEY_REGEX, "32 hex digits")]
    trackName: str
    artistName: str
    status: SearchStatus
    confidence: SearchConfidence | None
    candidates: Count
    exactCandidates: Count
    trackId: SpotifyId | None
    artistIds: list[SpotifyId] | None
    artistNames: list[str] | None
    resolvedAt: Timestamp
    runId: RunId


TRACK_SEARCH = RecordType(
    name="track_search",
    record=TrackSearchRecord,
    lake_table="lake_spotify__normalized_track_search",
    ledger_table="lake_spotify__track_search_load_ledger",
    key=("searchKey",),
)


RECORD_TYPES: dict[str, RecordType] = {
    record_type.name: record_type
    for record_type in (
        ARTIST_ENRICHMENT,
        MUSICBRAINZ_ARTIST,
        TRACK_ARTISTS,
        TRACK_SEARCH,
        ENRICHMENT_RUNS,
        ENRICHMENT_FAILURES,
    )
}
LANDING_KEYS: tuple[str, ...] = ARTIST_ENRICHMENT.keys


class LoadColumns(TypedDict):
    """Added by the load step to every landing record in the lake."""

    sourceFile: str
    loadedAt: Timestamp


class LedgerRow(TypedDict):
    """One landing file loaded: the SHA-256 of its bytes makes a second load of it a no-op."""

    sourceFile: str
    checksum: str
    rowCount: int
    loadedAt: Timestamp


class ListeningHistoryRow(TypedDict):
    """One play and artist: the default listening-history table `load_listening_history` fills. A play
    from Spotify's data export has no `artistId` (the export names only the first artist): the
    staging model takes its artists from the resolved track (TRACK_ARTISTS)."""

    playedAt: Timestamp
    trackId: str | None
    trackName: str | None
    msPlayed: int | None
    artistId: str | None
    artistName: str | None


class HistoryLoadColumns(TypedDict):
    """Added by `load_listening_history`: the play's dedupe key (`history_export.play_key`) and the
    history file it came from, so one file can be unloaded or replaced."""

    playKey: str | None
    sourceFile: str | None
    loadedAt: Timestamp | None


LISTENING_HISTORY = Table(
    "lake_spotify__normalized_listening_history",
    fields_of(ListeningHistoryRow) + fields_of(HistoryLoadColumns),
)
# The columns a listening history of your own must have (the vars point the source at it).
LISTENING_HISTORY_COLUMNS: tuple[str, ...] = tuple(column.name for column in fields_of(ListeningHistoryRow))
# One row per history file loaded (its SHA-256), as for landing files.
LISTENING_HISTORY_LEDGER = Table("lake_spotify__listening_history_load_ledger", fields_of(LedgerRow))


WAREHOUSE_ID_REGEX = "[0-9a-f]{8}"


class WarehouseIdentityRow(TypedDict):
    """Who this warehouse is, for the landing files its runs write (`{stamp}_{token}_{owner}_...`):
    warehouses sharing one landing location each load only their own files. Made once, with the lake
    tables; a copy of the warehouse is the same warehouse."""

    warehouseId: Annotated[str, Pattern(WAREHOUSE_ID_REGEX, "8 hex digits")]
    createdAt: Timestamp


WAREHOUSE_IDENTITY = Table("lake_enrichment__warehouse", fields_of(WarehouseIdentityRow))


def lake_tables() -> dict[str, Table]:
    """Every lake table the pipeline owns, by name: each record type's table and ledger, the default
    listening history and its ledger, and the warehouse identity."""
    tables = {
        LISTENING_HISTORY.name: LISTENING_HISTORY,
        LISTENING_HISTORY_LEDGER.name: LISTENING_HISTORY_LEDGER,
        WAREHOUSE_IDENTITY.name: WAREHOUSE_IDENTITY,
    }
    for record_type in RECORD_TYPES.values():
        tables[record_type.lake_table] = Table(
            record_type.lake_table, record_type.fields + fields_of(LoadColumns)
        )
        tables[record_type.ledger_table] = Table(record_type.ledger_table, fields_of(LedgerRow))
    return tables
