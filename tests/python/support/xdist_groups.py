"""How `make pytest` spreads the suite over its pytest-xdist workers (`--dist loadgroup`).

Groups: one per test module, so the two workers can share a folder (one worker per folder left the
enrichment folder alone on one worker for most of the run); but the modules using one of the session
fixtures in SHARED_SETUP (a warehouse prepared once, an emulator) form one group, named after the
first of them, so that fixture is built once and not once per worker. Order: the costliest group
first (longest-first scheduling), by the measured seconds of MODULE_SECONDS (an unlisted module: a
second per test), so the workers end about together. The scheduler hands a worker its next group
only when the worker is down to its last test, so no group waits behind a busy worker while the other
is idle."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from xdist.scheduler import LoadGroupScheduling
from xdist.workermanage import WorkerController

# (folder, fixture): built once per worker that runs a test using it, so its users share a group.
SHARED_SETUP = {
    ("enrichment", "snapshots"): "demo history loaded, enriched against the emulator, dbt build",
    ("bigquery", "bigquery_emulator"): "bqemulator started and its lake tables created",
    ("emulator", "extended_emulator"): "an emulator serving the 11,518 real artists",
    ("emulator", "development_emulator"): "the same, in Development Mode",
}

# Seconds of the heavy modules (setup included) in one `make test` (`--junitxml`) on the shared 2-core
# machine, about 2.2 times an idle machine's: only their ratios matter, they decide the order and never
# a result. Update them when a module's cost moves a lot (a new end-to-end test): an unlisted module
# counts a second per test, so a heavy one would start late and finish alone.
MODULE_SECONDS = {
    "bigquery/test_enrich_artists_bigquery.py": 293,
    "enrichment/test_enrich_artists.py": 212,
    "enrichment/test_enrichment_runs.py": 199,
    "enrichment/test_artist_id_normalisation.py": 145,
    "dbt/test_models.py": 131,
    "enrichment/test_musicbrainz_genres.py": 128,
    "enrichment/test_enrich_artists_unreachable.py": 117,
    "bench/test_bench_smoke.py": 110,
    "fetcher/test_fetch_catalogue.py": 108,
    "enrichment/test_demo.py": 104,
    "enrichment/test_enrich_artists_gcs.py": 100,
    "enrichment/test_genre_families_real_data.py": 91,
    # estimated: two end-to-end tests (5 and 3 dbt runs) measured at 43 s and 60 s on a busy machine
    "enrichment/test_search_run_records.py": 90,
    "dbt/test_lake_tables.py": 90,
    "dbt/test_monitors.py": 75,
    "history/test_bring_your_own_history.py": 58,
    "fetcher/test_unreachable.py": 53,
    "fetcher/test_fetch_faults.py": 40,
    "dbt/test_report.py": 40,
    "bigquery/test_load_bigquery.py": 33,
    "enrichment/test_load_artist_enrichment.py": 33,
    "dbt/test_listening_history_load.py": 27,
    "packaging/test_shipped_package.py": 23,
    "dbt/test_dbt_runner.py": 23,
    "dbt/test_backfill_monitors.py": 18,
    "bigquery/test_remote_function.py": 17,
    "fetcher/test_fetch_api.py": 15,
    "emulator/test_emulator_faults.py": 13,
    "fetcher/test_musicbrainz_fetch.py": 11,
    "fetcher/test_landing_location.py": 9,
    "packaging/test_dockerfile.py": 8,
    "dbt/test_macro_docs.py": 7,
    "history/test_track_resolution_resume.py": 7,
    "fetcher/test_crash_loses_no_answer.py": 6,
    "emulator/test_emulator_process.py": 5,
    # Estimated from their authors' figures (112-140 s on the shared machine): not measured here yet.
    "bigquery/test_enrich_artists_bigquery_runs.py": 260,
    "history/test_account_data_search.py": 60,
}
SECONDS_PER_UNLISTED_TEST = 1.0


def _module(item: pytest.Item, tests_root: Path) -> str:
    return item.path.relative_to(tests_root).as_posix()


def _shared_fixtures(item: pytest.Item, folder: str) -> set[str]:
    return {fixture for shared, fixture in SHARED_SETUP if shared == folder and fixture in item.fixturenames}


def _groups_of_modules(modules: dict[str, list[pytest.Item]]) -> dict[str, str]:
    """Module -> group: its own name, or the first of the modules it shares a fixture of SHARED_SETUP
    with, directly or through others."""
    group = {module: module for module in modules}

    def root(module: str) -> str:
        while group[module] != module:
            module = group[module]
        return module

    user_of: dict[tuple[str, str], str] = {}
    for module, module_items in modules.items():
        folder = module.split("/", 1)[0]
        for fixture in sorted(set().union(*(_shared_fixtures(item, folder) for item in module_items))):
            first = user_of.setdefault((folder, fixture), module)
            group[root(module)] = root(first)
    return {module: root(module) for module in modules}


def group_and_order(items: list[pytest.Item], tests_root: Path) -> list[pytest.Item]:
    """Mark every item with its xdist group and return the items costliest group first (collection
    order within a group, so module fixtures are set up once)."""
    modules: dict[str, list[pytest.Item]] = defaultdict(list)
    for item in items:
        modules[_module(item, tests_root)].append(item)
    group_of_module = _groups_of_modules(modules)
    cost: dict[str, float] = defaultdict(float)
    for module, module_items in modules.items():
        seconds = MODULE_SECONDS.get(module, SECONDS_PER_UNLISTED_TEST * len(module_items))
        cost[group_of_module[module]] += seconds
    first_seen = {group: index for index, group in enumerate(dict.fromkeys(group_of_module.values()))}
    for item in items:
        item.add_marker(pytest.mark.xdist_group(group_of_module[_module(item, tests_root)]))
    return sorted(
        items,
        key=lambda item: (
            -cost[group_of_module[_module(item, tests_root)]],
            first_seen[group_of_module[_module(item, tests_root)]],
        ),
    )


class CostFirstGroupScheduling(LoadGroupScheduling):
    """`--dist loadgroup` in collection order (the cost order above; xdist would otherwise reorder
    the groups by their number of tests), one group ahead of a worker at most."""

    def __init__(self, config: pytest.Config, log: object = None) -> None:
        config.option.loadscopereorder = False
        super().__init__(config, log)  # type: ignore[arg-type]

    def _reschedule(self, node: WorkerController) -> None:
        # xdist's own rule hands out the next group when a worker has 2 tests left; a worker holds its
        # last test until it knows the next one (or shuts down), so 1 is the latest moment.
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        if self._pending_of(self.assigned_work[node]) > 1:
            return
        self._assign_work_unit(node)
