"""Landing files as real BigQuery's EXPORT DATA (format JSON) writes them: every INT64 a JSON string
("Export table data to Cloud Storage", export limitations), `&` as `\\u0026`, under the name BigQuery
gives the first file of the macro's `{stamp}_{run}_{owner}_*{suffix}`. bqemulator writes numbers, so
tests of what BigQuery really writes use these.

    name = export_name(ARTIST_ENRICHMENT)                 # ..._0123abcd_000000000000_artist_enrichment.jsonl
    data = exported_artist_lines(["Exported00AAAA..."])   # bytes, popularity "57", images[].height "640"
"""

from __future__ import annotations

from spotify_enrichment.contract import RecordType
from spotify_enrichment.transform import utc_timestamp

OWNER = "0123abcd"
RUN_TOKEN = "5e1f00aa"
STAMP = "20261203T060000Z"
# followerCount above 2**53: the precision BigQuery's strings keep and a double would not.
FOLLOWERS = 9007199254740993


def export_name(record_type: RecordType, shard: int = 0, stamp: str = STAMP) -> str:
    """The name of shard `shard` of one export (BigQuery numbers the `*`, 12 digits from 0)."""
    return f"{stamp}_{RUN_TOKEN}_{OWNER}_{shard:012d}{record_type.landing_suffix}"


def fetched_name(record_type: RecordType, stamp: str = STAMP) -> str:
    """A name the fetcher gives its files (no shard after the owner)."""
    return f"{stamp}_{RUN_TOKEN}_{OWNER}{record_type.landing_suffix}"


def exported_artist_line(artist_id: str, popularity: str = '"57"', height: str = '"640"') -> str:
    """One artist line in the export's encoding; `popularity`/`height` are the JSON text written."""
    return (
        f'{{"artistId":"{artist_id}","artistName":"Tom \\u0026 Jerry","genres":["indie"],'
        f'"popularity":{popularity},"followerCount":"{FOLLOWERS}",'
        f'"images":[{{"url":"https://i.scdn.co/image/a","height":{height},"width":"640"}},'
        '{"url":"https://i.scdn.co/image/b","height":"0","width":null}],'
        f'"externalUrls":{{"spotify":"https://open.spotify.com/artist/{artist_id}"}},'
        f'"enrichedAt":"{utc_timestamp()}","status":"ok","apiMode":"batch","runId":"bq_export_test"}}\n'
    )


def exported_artist_lines(artist_ids: list[str]) -> bytes:
    return "".join(exported_artist_line(artist_id) for artist_id in artist_ids).encode()


def exported_run_line(run_id: str) -> bytes:
    """A run record in the export's encoding: every count a string, NULL columns left out."""
    stamp = utc_timestamp()
    return (
        f'{{"runId":"{run_id}","source":"spotify","mode":"backfill","startedAt":"{stamp}",'
        f'"endedAt":"{stamp}","requested":"3","ok":"2","not_found":"1","failed":"0","invalid":"0",'
        '"requests":"0","rateLimited":"0","apiMode":"batch","rowsLoaded":"3"}\n'
    ).encode()
