"""The HTML report end to end: a built DuckDB warehouse, `python -m spotify_enrichment report`, and the
page opened in Debian's headless Chromium with the network off."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from landing_fixture import WarehouseFactory
from support.dbt_runner import PROJECT_ROOT, DbtProject

from spotify_enrichment.errors import SpotifyEnrichmentError
from spotify_enrichment.report_data import read_report_data
from spotify_enrichment.report_warehouse import DbtLocation, DbtWarehouse
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec
from spotify_enrichment_dev.headless_chromium import HeadlessChromium

# Development Mode answers for a fifth of the artists, so the withheld note shows; coverage above the
# monitor's 95 %, so the build passes.
REPORT_SPEC = FixtureSpec(coverage=0.97, dev_mode_share=0.2, stale_share=0.02, run_id="report-fixture")
HEADLINE = """({
  artists: document.getElementById('headline-artists').value,
  artistsText: document.getElementById('headline-artists').textContent,
  coverage: document.getElementById('headline-coverage').value,
  coverageText: document.getElementById('headline-coverage').textContent,
  topGenre: document.getElementById('headline-top-genre').textContent,
  marks: [...document.querySelectorAll('#health-checks tbody tr')].map(row => row.innerText),
  withheld: document.getElementById('withheld-note')?.textContent ?? null,
  gallery: document.querySelectorAll('.gallery li').length,
  images: document.images.length,
  charts: [...document.querySelectorAll('svg[role=img]')].map(svg => svg.querySelector('desc').textContent),
  text: document.body.innerText,
})"""
SCREENSHOTS = PROJECT_ROOT / "target" / "report-test"


def run_report(project: DbtProject, out: Path, landing: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "spotify_enrichment",
        "report",
        "--project-dir",
        str(PROJECT_ROOT),
        "--profiles-dir",
        str(project.profiles_dir),
        "--vars",
        json.dumps({"landing_uri": str(landing)}),
        "--out",
        str(out),
    ]
    environ = {
        **project.environ(),
        "DBT_TARGET_PATH": str(project.target_path),
        "DBT_LOG_PATH": str(project.log_path),
    }
    return subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300, check=False)


def warehouse_headline(project: DbtProject) -> tuple[int, float, str]:
    ((artists, enriched),) = project.query(
        "select count(*), count(enrichmentStatus) from hub.hub_music__svc_dim_artists", read_only=True
    )
    ((top_genre,),) = project.query(
        "select genre from hub.hub_music__svc_dim_artists, unnest(genres) as g(genre) "
        "group by genre order by count(*) desc, genre asc limit 1",
        read_only=True,
    )
    return artists, enriched / artists, top_genre


@pytest.fixture(scope="module")
def built_warehouse(enriched_warehouse: WarehouseFactory) -> DbtProject:
    project = enriched_warehouse("report", REPORT_SPEC)
    build = project.run("build")
    assert build.ok, build.output
    return project


def test_every_analysis_runs_under_dbt_show(
    built_warehouse: DbtProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`dbt show --select NAME --limit 3` for each file of analyses/, in this process (dbt's API)."""
    for name, value in built_warehouse.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_TARGET_PATH", str(built_warehouse.target_path))
    monkeypatch.setenv("DBT_LOG_PATH", str(built_warehouse.log_path))
    analyses = sorted(path.stem for path in (PROJECT_ROOT / "analyses").glob("*.sql"))
    assert len(analyses) >= 12

    with DbtWarehouse(DbtLocation(PROJECT_ROOT, built_warehouse.profiles_dir)) as warehouse:
        rows = {name: warehouse.analysis(name, 3) for name in analyses}

    # artists_like_x_in_my_library asks about var artist_name, an artist the fixture need not have; the
    # fixture warehouse is built from landing files, not by enrich_artists, so it has no run history
    may_be_empty = {"artists_like_x_in_my_library", "enrichment_failures", "enrichment_runs"}
    empty = [name for name, shown in rows.items() if not shown and name not in may_be_empty]
    assert empty == [], f"analyses with no row on the built fixture warehouse: {empty}"
    assert all(len(shown) <= 3 for shown in rows.values())
    # closed, the warehouse is free for the next process (dbt-duckdb keeps DuckDB open until then)
    built_warehouse.query("select 1")


def add_newer_hub_columns(project: DbtProject) -> None:
    """The hub columns of issues 11 (genresSource) and 14 (primaryGenreFamily), filled here when this
    build does not make them, so the report's sections for them are shown with real rows."""
    present = {
        name
        for (name,) in project.query(
            "select column_name from information_schema.columns "
            "where table_schema = 'hub' and table_name = 'hub_music__svc_dim_artists'"
        )
    }
    if "primaryGenreFamily" not in present:
        project.execute(
            "alter table hub.hub_music__svc_dim_artists add column primaryGenreFamily varchar;"
            "update hub.hub_music__svc_dim_artists set primaryGenreFamily = case "
            "when genres[1] like '%rock%' then 'rock' when len(genres) > 0 then 'other' end"
        )
    if "genresSource" not in present:
        project.execute(
            "alter table hub.hub_music__svc_dim_artists add column genresSource varchar;"
            "update hub.hub_music__svc_dim_artists set genresSource = "
            "case when len(genres) > 0 then 'spotify' end"
        )


def test_report_offline_in_chromium_shows_the_warehouse_headline(
    built_warehouse: DbtProject, tmp_path: Path
) -> None:
    project = built_warehouse
    add_newer_hub_columns(project)
    landing = tmp_path / "landing"
    quarantine = landing / "spotify" / "quarantine"
    quarantine.mkdir(parents=True)
    (quarantine / "20261201T000000Z_artist_enrichment.jsonl").write_text("{not json\n", encoding="utf-8")
    (quarantine / "20261201T000000Z_artist_enrichment.errors.txt").write_text(
        "line 1: not valid JSON\n", encoding="utf-8"
    )
    out = tmp_path / "report.html"

    written = run_report(project, out, landing)

    assert written.returncode == 0, written.stderr
    assert f"report written: {out}" in written.stdout
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "https://i.scdn.co" not in html.split("<body>")[0]
    with HeadlessChromium.start(tmp_path) as browser:
        page = browser.load_offline(out.as_uri(), HEADLINE, widths=(390, 1280))
    assert page.requests == [out.as_uri()], page.requests
    assert page.failed_requests == []
    assert page.console_errors == []
    artists, coverage, top_genre = warehouse_headline(project)
    shown = page.value
    assert int(shown["artists"]) == artists and shown["artistsText"] == f"{artists:,}"
    assert float(shown["coverage"]) == pytest.approx(coverage, abs=1e-6)
    assert shown["coverageText"] == f"{coverage:.1%}"
    assert shown["topGenre"] == top_genre
    marks = dict(row.split("\t")[:2] for row in shown["marks"])
    assert list(marks) == ["Coverage", "Staleness", "Freshness", "Genre coverage", "Latest run"]
    assert [marks[name].lower() for name in ("Coverage", "Staleness", "Freshness")] == ["pass"] * 3
    assert shown["withheld"] and "withheld popularity and followers" in shown["withheld"]
    assert shown["gallery"] == 24 and shown["images"] == 0
    assert any(top_genre in description for description in shown["charts"])
    assert "20261201T000000Z_artist_enrichment.jsonl" in shown["text"] and "not valid JSON" in shown["text"]
    assert "Not found on Spotify" in shown["text"]
    assert "Genre families by artists" in shown["text"] and "families-title" in html
    assert '<th scope="col">genresSource</th>' in html and "<td>spotify</td>" in html
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, path in page.screenshots.items():
        assert path.stat().st_size > 10_000
        shutil.copyfile(path, SCREENSHOTS / f"report-{width}px.png")


def test_report_detector_sees_a_remote_image_and_a_console_error(tmp_path: Path) -> None:
    """The offline check above would pass vacuously if the browser did not report these."""
    page_file = tmp_path / "remote.html"
    page_file.write_text(
        '<img src="https://i.scdn.co/image/ab67616100005174" alt="x"><script>console.error("boom")</script>',
        encoding="utf-8",
    )
    with HeadlessChromium.start(tmp_path) as browser:
        page = browser.load_offline(page_file.as_uri(), "1")
    assert page.failed_requests == [
        "https://i.scdn.co/image/ab67616100005174: net::ERR_INTERNET_DISCONNECTED"
    ]
    assert "boom" in page.console_errors


class UnbuiltWarehouse:
    """A warehouse whose dbt project has the hub model but whose warehouse has not built it."""

    def relation_columns(self, names: list[str]) -> dict[str, frozenset[str] | None]:
        return dict.fromkeys(names)


def test_report_on_an_unbuilt_warehouse_says_to_build_first() -> None:
    with pytest.raises(SpotifyEnrichmentError, match=r"has no hub_music__svc_dim_artists: run `dbt build"):
        read_report_data(UnbuiltWarehouse())  # type: ignore[arg-type]
