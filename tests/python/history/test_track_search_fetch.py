"""The account-data search on its own: the matching rule (`judge`, a pure function: unit tests) and
`search_tracks_to_landing` against the emulator in Development Mode over HTTP: a name with quotes is
searched and matched, unusable names are reported and never sent, a search that fails after the retries
lands nothing and is asked again by the next run, and answers waiting in a landing file are not asked
again."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from spotify_enrichment.settings import load_settings
from spotify_enrichment.track_search import (
    judge,
    normalized_name,
    search_key,
    search_query,
    search_tracks_to_landing,
)
from spotify_enrichment_dev.emulator_process import EmulatorProcess

A = "AAAAAAAAAAAAAAAAAAAAA1"
B = "BBBBBBBBBBBBBBBBBBBBB1"


def _track(track_id: str, name: str, *artists: tuple[str, str]) -> dict[str, Any]:
    return {"id": track_id, "name": name, "artists": [{"id": i, "name": n} for i, n in artists]}


def _judged(items: list[dict[str, Any]], track: str = "Café  del Mar", artist: str = "Energy 52") -> Any:
    return judge(items, track_name=track, artist_name=artist, resolved_at="2026-12-01T00:00:00Z", run_id="r")


def test_names_compare_without_case_accents_or_extra_spaces() -> None:
    assert normalized_name("  CAFÉ\tdel   Mar ") == normalized_name("cafe del mar") == "cafe del mar"
    assert normalized_name("\uff32\u00f6yksopp") == "royksopp"  # NFKD folds a full-width R too
    assert normalized_name("Café") != normalized_name("Cafe!")  # punctuation is not ignored


def test_one_exact_candidate_is_a_unique_match_in_spotifys_artist_order() -> None:
    exact = _track("TTTTTTTTTTTTTTTTTTTTT1", "cafe del mar", (B, "Someone"), (A, "ENERGY 52"))
    near = _track("TTTTTTTTTTTTTTTTTTTTT2", "Café del Mar (Remix)", (A, "Energy 52"))
    record = _judged([near, exact])
    assert record["status"] == "matched" and record["confidence"] == "exact_unique"
    assert (record["trackId"], record["artistIds"], record["artistNames"]) == (
        "TTTTTTTTTTTTTTTTTTTTT1",
        [B, A],
        ["Someone", "ENERGY 52"],
    )
    assert (record["candidates"], record["exactCandidates"]) == (2, 1)
    assert record["searchKey"] == search_key("Café  del Mar", "Energy 52")


def test_exact_candidates_with_the_same_artists_match_those_with_other_artists_are_ambiguous() -> None:
    single = _track("TTTTTTTTTTTTTTTTTTTTT1", "Café del Mar", (A, "Energy 52"))
    album = _track("TTTTTTTTTTTTTTTTTTTTT2", "Café del Mar", (A, "Energy 52"))
    featured = _track("TTTTTTTTTTTTTTTTTTTTT3", "Café del Mar", (A, "Energy 52"), (B, "Feature"))
    same = _judged([single, album])
    assert (same["status"], same["confidence"], same["trackId"]) == (
        "matched",
        "exact_same_artists",
        "TTTTTTTTTTTTTTTTTTTTT1",
    )
    ambiguous = _judged([single, featured])
    assert (ambiguous["status"], ambiguous["confidence"], ambiguous["trackId"], ambiguous["artistIds"]) == (
        "ambiguous",
        None,
        None,
        None,
    )
    assert ambiguous["exactCandidates"] == 2


def test_no_exact_candidate_is_not_found_never_the_nearest() -> None:
    other_artist = _track("TTTTTTTTTTTTTTTTTTTTT1", "Café del Mar", (B, "Energy 53"))
    longer = _track("TTTTTTTTTTTTTTTTTTTTT2", "Café del Mar 2", (A, "Energy 52"))
    record = _judged([other_artist, longer, {"not": "a track"}])
    assert (record["status"], record["trackId"], record["candidates"], record["exactCandidates"]) == (
        "not_found",
        None,
        3,
        0,
    )


def test_the_query_quotes_both_names_and_turns_their_quotes_into_spaces() -> None:
    assert search_query('Say "Hello"', "AC/DC") == 'track:"Say Hello" artist:"AC/DC"'


def test_search_in_development_mode_matches_quoted_names_reports_bad_ones_and_asks_failures_again(
    shared_data: Path, tmp_path: Path
) -> None:
    catalogue = tmp_path / "tracks.jsonl"
    tracks = [
        _track("SayHelloQuote000000001", 'Say "Hello"', (A, "Quote Artist")),
        _track("CafeDelMar000000000001", "Café del Mar", (B, "Energy 52")),
    ]
    catalogue.write_text("".join(json.dumps(track) + "\n" for track in tracks), encoding="utf-8")
    pairs = [('Say "Hello"', "Quote Artist"), ("cafe del mar", "ENERGY 52"), ("Nope", "Nobody")]
    bad = [("", "Someone"), ("Line\nbreak", "Someone"), ("x" * 501, "Someone")]
    landing = tmp_path / "landing"
    with EmulatorProcess(
        shared_data / "artists" / "artists.csv",
        quota="development",
        fail_every=2,
        extra_args=["--tracks", str(catalogue)],
    ) as emulator:
        settings = load_settings(
            {**emulator.settings_environ(), "SPOTIFY_BACKOFF_SECONDS": "0.01", "SPOTIFY_MAX_RETRIES": "0"},
            dotenv_path=None,
        )
        first = search_tracks_to_landing(pairs + bad + pairs[:1], str(landing), settings)
        assert first.invalid == 3 and len(first.invalid_ids) == 3
        assert "(empty)" in first.invalid_ids[0] and "control characters" in first.invalid_ids[1]
        assert first.requested == 3 and first.failed >= 1  # every second request answers 500
        assert emulator.stats()["by_kind"]["search"] == 3  # unusable names are never sent

        emulator.reset_stats()
        second = search_tracks_to_landing(pairs, str(landing), dataclasses.replace(settings, max_retries=6))
        # Answers waiting in a landing file are not asked again; only the failed ones are.
        assert second.recovered == 3 - first.failed
        assert emulator.stats()["by_kind"]["search"] >= first.failed
        assert second.failed == 0

    records = {
        (record["trackName"], record["artistName"]): record
        for path in (landing / "spotify" / "landing").glob("*_track_search.jsonl")
        for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    }
    assert set(records) == set(pairs)  # each pair landed once, under the names as asked
    assert (
        records[pairs[0]]["status"] == "matched" and records[pairs[0]]["trackId"] == "SayHelloQuote000000001"
    )
    assert records[pairs[1]]["artistIds"] == [B] and records[pairs[1]]["confidence"] == "exact_unique"
    assert records[pairs[2]]["status"] == "not_found"
