"""The records of the pipeline, each defined once. The TypedDicts below are the typed values that cross
module borders and, through `contract.py`, the landing schema: JSONL writer, line validator, lake DDL
on DuckDB and BigQuery, BigQuery load schema and DuckDB load SQL all derive from them. Keys and
meaning follow DESIGN.md; `genres`, `popularity` and `followerCount` are None when Spotify withheld
them (Development Mode), never 0 or []."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from spotify_enrichment.contract import Pattern, Range, RecordType, Table, Timestamp, fields_of

SPOTIFY_ID_REGEX = "[0-9A-Za-z]{22}"
SpotifyId = Annotated[str, Pattern(SPOTIFY_ID_REGEX, "a Spotify ID (22 base62 characters)")]
RUN_ID_REGEX = "[A-Za-z0-9_.:-]{1,128}"
RunId = Annotated[str, Pattern(RUN_ID_REGEX, "a run ID (letters, digits, _ . : -)")]

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

RECORD_TYPES: dict[str, RecordType] = {
    record_type.name: record_type for record_type in (ARTIST_ENRICHMENT, MUSICBRAINZ_ARTIST)
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
    """One play and artist: the default listening-history table `load_listening_history` fills."""

    playedAt: Timestamp
    trackId: str | None
    trackName: str | None
    msPlayed: int | None
    artistId: str | None
    artistName: str | None


LISTENING_HISTORY = Table("lake_spotify__normalized_listening_history", fields_of(ListeningHistoryRow))


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
    listening history and the warehouse identity."""
    tables = {LISTENING_HISTORY.name: LISTENING_HISTORY, WAREHOUSE_IDENTITY.name: WAREHOUSE_IDENTITY}
    for record_type in RECORD_TYPES.values():
        tables[record_type.lake_table] = Table(
            record_type.lake_table, record_type.fields + fields_of(LoadColumns)
        )
        tables[record_type.ledger_table] = Table(record_type.ledger_table, fields_of(LedgerRow))
    return tables
