"""Print how much of the real artist files' genres `seeds/genre_families.csv` covers (target: 95% of the
artist-genre assignments of artists.csv and artists_37k.csv); exit 1 when the target is missed.

    .venv/bin/python scripts/genre_family_coverage.py [--artists-dir ../shared/data/artists]"""

import argparse
import sys
from pathlib import Path

from spotify_enrichment_dev.genre_family_coverage import TARGET_SHARE, measure_coverage, render_coverage

PROJECT_DIR = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--artists-dir",
        type=Path,
        default=PROJECT_DIR.parent / "shared" / "data" / "artists",
        help="folder with artists.csv and artists_37k.csv (default ../shared/data/artists)",
    )
    arguments = parser.parse_args(argv)
    coverage = measure_coverage(PROJECT_DIR, arguments.artists_dir)
    print(render_coverage(coverage), flush=True)
    return 0 if coverage.share >= TARGET_SHARE else 1


if __name__ == "__main__":
    sys.exit(main())
