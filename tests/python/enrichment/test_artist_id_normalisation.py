"""Issue 16 item 2: an artist ID with surrounding whitespace in the listening history is the same artist as
the clean ID. One rule (macro normalized_artist_id, in lake_spotify__stg_listening_history, whose SQL the
worklist runs) decides it, so Spotify is asked once, one lake row lands and the hub row is enriched."""

from __future__ import annotations

from enrichment_helpers import DemoData, Warehouse, add_plays_today, artist_requests, run_checked

from spotify_enrichment_dev.emulator_process import EmulatorProcess


def test_an_id_with_surrounding_spaces_is_asked_once_over_three_runs(
    enriched: Warehouse, spotify_emulator: EmulatorProcess, demo_data: DemoData
) -> None:
    artist_id = demo_data.new_artist_ids[0]
    add_plays_today(enriched, [f" {artist_id} ", artist_id])

    for run in range(3):
        result = enriched.enrich(mode="backfill")
        assert result.returncode == 0, f"run {run + 1}: {result}"

    assert artist_requests(spotify_emulator) == {artist_id: 1}
    lake_rows = enriched.query(
        "select artistId, status from lake.lake_spotify__normalized_artist_enrichment"
        " where contains(artistId, ?)",
        [artist_id],
    )
    assert lake_rows == [(artist_id, "ok")]

    run_checked(enriched, "build")
    hub_rows = enriched.query(
        "select artistId, enrichmentStatus, playCount from hub.hub_music__svc_dim_artists"
        " where contains(artistId, ?)",
        [artist_id],
    )
    assert hub_rows == [(artist_id, "ok", 2)]


def test_what_the_rule_does_not_trim_is_reported_as_malformed_and_never_asked(
    enriched: Warehouse, spotify_emulator: EmulatorProcess, demo_data: DemoData
) -> None:
    """Trimming ASCII whitespace is the whole rule. A space inside an ID, or a no-break space around it,
    makes it malformed: reported and not sent, on every run, rather than repaired by the fetcher under a
    second rule (its answer would land under another ID than the worklist compares)."""
    first, second = demo_data.new_artist_ids[1:3]
    inner_space = f"{first[:11]} {first[11:]}"
    no_break_space = f"{second}\u00a0"
    add_plays_today(enriched, [inner_space, no_break_space])

    for run in range(2):
        result = enriched.enrich(mode="backfill")
        assert result.returncode == 0, f"run {run + 1}: {result}"
        assert "invalid 2" in result.output, f"run {run + 1}: {result}"
        assert inner_space in result.output

    assert spotify_emulator.stats()["artist_ids_requested_total"] == 0
    assert enriched.query(
        "select count(*) from lake.lake_spotify__normalized_artist_enrichment"
        " where contains(artistId, ?) or contains(artistId, ?)",
        [first[:11], second],
    ) == [(0,)]
