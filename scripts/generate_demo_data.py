"""Generate the demo data: listening history, artist catalogue, missing IDs, and optionally a landing fixture.

    python scripts/generate_demo_data.py --out demo_data [--artists 2000 --plays 20000 --seed 42]
        [--end-date 2026-11-28] [--enrichment-fixture FILE --fixture-coverage 1.0 ...]

Prints one JSON summary line per file set written.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from spotify_enrichment_dev.demo_data import DemoDataError, DemoDataSpec, generate_demo_data
from spotify_enrichment_dev.demo_enrichment_fixture import FixtureSpec, write_enrichment_fixture


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from error


def _timestamp(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected an ISO 8601 timestamp, got {value!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    parser.add_argument("--artists", type=int, default=2_000)
    parser.add_argument("--plays", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--end-date", type=_date, default=None, help="plays end at this date's midnight UTC (default: today)"
    )
    parser.add_argument(
        "--skip-generate", action="store_true", help="reuse the files already in --out (fixture only)"
    )
    fixture = parser.add_argument_group("landing fixture (what a fetch of the generated artists would land)")
    fixture.add_argument("--enrichment-fixture", type=Path, default=None, help="landing JSONL file to write")
    fixture.add_argument("--fixture-coverage", type=float, default=1.0, help="share of artists with a row")
    fixture.add_argument("--fixture-age-days", type=float, default=0.0, help="age of every row's enrichedAt")
    fixture.add_argument("--fixture-stale-share", type=float, default=0.0, help="share of ok rows made stale")
    fixture.add_argument("--fixture-stale-age-days", type=float, default=120.0)
    fixture.add_argument(
        "--fixture-dev-mode-share", type=float, default=0.0, help="share of ok rows without genres/popularity"
    )
    fixture.add_argument("--fixture-reference", type=_timestamp, default=None, help="'now' of the fixture")
    fixture.add_argument("--fixture-run-id", default="fixture")
    fixture.add_argument("--fixture-api-mode", default="batch", choices=["batch", "single"])
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        if not args.skip_generate:
            spec = DemoDataSpec(args.artists, args.plays, args.seed, args.end_date)
            print(generate_demo_data(args.out, spec).to_json())
        if args.enrichment_fixture is not None:
            fixture_spec = FixtureSpec(
                coverage=args.fixture_coverage,
                age_days=args.fixture_age_days,
                stale_share=args.fixture_stale_share,
                stale_age_days=args.fixture_stale_age_days,
                dev_mode_share=args.fixture_dev_mode_share,
                reference=args.fixture_reference,
                run_id=args.fixture_run_id,
                api_mode=args.fixture_api_mode,
                seed=args.seed,
            )
            print(write_enrichment_fixture(args.out, args.enrichment_fixture, fixture_spec).to_json())
    except DemoDataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
