"""The MusicBrainz client and fetcher against the project's MusicBrainz emulator over HTTP: URL
lookups single and batched, not-linked artists, 503 refusals, the User-Agent rule, pacing within the
emulator's enforced allowance (the rate achieved is a benchmark figure: `make bench`, musicbrainz)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotify_enrichment.errors import MusicBrainzForbiddenError
from spotify_enrichment.landing import LANDING_PREFIX, LocalStore, landing_name_pattern
from spotify_enrichment.musicbrainz_client import MusicBrainzClient
from spotify_enrichment.musicbrainz_fetcher import fetch_musicbrainz_to_landing
from spotify_enrichment.records import MUSICBRAINZ_ARTIST
from spotify_enrichment.settings import Settings, load_settings
from spotify_enrichment_dev.emulator_process import MusicBrainzEmulatorProcess
from spotify_enrichment_dev.musicbrainz_catalogue import musicbrainz_entries

LINKED = [f"{number:022d}".replace("0", "L", 1) for number in range(150)]
UNLINKED = [f"{number:022d}".replace("0", "U", 1) for number in range(60)]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    artists = [
        {"id": artist_id, "name": f"Artist {artist_id}", "genres": ["dance pop"]} for artist_id in LINKED
    ]
    path = tmp_path_factory.mktemp("musicbrainz") / "catalogue.jsonl"
    entries = musicbrainz_entries(artists, seed=3, linked_share=1.0)  # type: ignore[arg-type]
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries), encoding="utf-8")
    return path


def settings_for(emulator: MusicBrainzEmulatorProcess, **extra: str) -> Settings:
    environ = {"SPOTIFY_CLIENT_ID": "id", "SPOTIFY_CLIENT_SECRET": "secret", **emulator.settings_environ()}
    return load_settings({**environ, "SPOTIFY_BACKOFF_SECONDS": "0.05", **extra}, dotenv_path="/dev/null")


def test_one_url_is_an_entity_or_404_several_are_a_list_of_the_known_ones(catalogue: Path) -> None:
    with MusicBrainzEmulatorProcess([catalogue], rate_limit=0) as emulator:
        with MusicBrainzClient(settings_for(emulator)) as client:
            single = client.links([LINKED[0]])
            unknown = client.links([UNLINKED[0]])
            several = client.links(LINKED[:60] + UNLINKED[:40])
        stats = emulator.stats()
    assert single[LINKED[0]] is not None and unknown == {UNLINKED[0]: None}
    assert all(several[artist_id] for artist_id in LINKED[:60])
    assert all(several[artist_id] is None for artist_id in UNLINKED[:40])
    assert stats["by_status"] == {"200": 2, "404": 1}


def test_fetch_lands_ok_and_not_linked_once_each_paced_without_a_503(catalogue: Path, tmp_path: Path) -> None:
    rate = 40.0
    # burst 2: one request arriving a millisecond early is not a burst (loopback scheduling jitter). The
    # emulator refuses (503) any request beyond the allowance, so none refused is the pacing proved.
    with MusicBrainzEmulatorProcess([catalogue], rate_limit=rate, burst=2) as emulator:
        summary = fetch_musicbrainz_to_landing(LINKED + UNLINKED, str(tmp_path), settings_for(emulator))
        stats = emulator.stats()
    assert (summary.ok, summary.not_linked, summary.failed, summary.exit_code) == (150, 60, 0, 0)
    assert stats["refused_503"] == 0 and stats["without_user_agent"] == 0
    assert stats["requests"] == 3 + 150, "3 batched URL lookups and one artist lookup per linked artist"
    store = LocalStore(tmp_path)
    (key,) = store.list(LANDING_PREFIX)
    assert landing_name_pattern(MUSICBRAINZ_ARTIST).fullmatch(key.removeprefix(LANDING_PREFIX))
    records = [json.loads(line) for line in store.read_bytes(key).decode().splitlines()]
    assert sorted(record["artistId"] for record in records) == sorted(LINKED + UNLINKED)
    linked = next(record for record in records if record["status"] == "ok")
    assert linked["genres"] == ["pop"] and linked["musicbrainzId"]


def test_503_refusals_are_retried_until_every_artist_is_answered(catalogue: Path, tmp_path: Path) -> None:
    with MusicBrainzEmulatorProcess([catalogue], rate_limit=0, fail_every=3, retry_after=0) as emulator:
        summary = fetch_musicbrainz_to_landing(LINKED[:30], str(tmp_path), settings_for(emulator))
        stats = emulator.stats()
    assert (summary.ok, summary.failed) == (30, 0)
    assert summary.refused == stats["refused_503"] > 0


def test_a_blocked_user_agent_stops_the_run_naming_the_setting_and_lands_nothing(
    catalogue: Path, tmp_path: Path
) -> None:
    with MusicBrainzEmulatorProcess([catalogue], rate_limit=0) as emulator:
        settings = settings_for(emulator, MUSICBRAINZ_USER_AGENT="python-requests/2.32.3")
        with (
            MusicBrainzClient(settings) as client,
            pytest.raises(MusicBrainzForbiddenError, match="MUSICBRAINZ_USER_AGENT"),
        ):
            client.links(LINKED[:2])
        summary = fetch_musicbrainz_to_landing(LINKED[:5], str(tmp_path), settings)
        assert emulator.stats()["forbidden_403"] == 2
    assert (summary.stop_reason, summary.exit_code, summary.file) == ("forbidden", 3, None)
    assert summary.skipped == 5


def test_the_default_user_agent_names_the_project_version_and_contact() -> None:
    agent = load_settings(
        {"SPOTIFY_CLIENT_ID": "i", "SPOTIFY_CLIENT_SECRET": "s"}, dotenv_path="/dev/null"
    ).musicbrainz_user_agent
    name, rest = agent.split("/", 1)
    assert name == "spotify-enrichment" and "( https://" in rest and rest.endswith(" )")


def test_a_musicbrainz_that_is_gone_stops_the_run_after_three_failed_lookups(tmp_path: Path) -> None:
    with MusicBrainzEmulatorProcess() as gone:
        settings = settings_for(gone, SPOTIFY_MAX_RETRIES="1", SPOTIFY_CONNECT_TIMEOUT_SECONDS="0.5")
    # The emulator is stopped: its port refuses connections.
    artist_ids = [f"{number:022d}".replace("0", "G", 1) for number in range(1000)]
    summary = fetch_musicbrainz_to_landing(artist_ids, str(tmp_path), settings)
    assert (summary.stop_reason, summary.exit_code) == ("unreachable", 5)
    assert "MUSICBRAINZ_API_URL" in summary.message
    assert (summary.failed, summary.skipped, summary.file) == (300, 700, None)
