"""`make bench`: every benchmark of issue 7 on loopback against the project's emulator.

Prints a table (figure, target, verdict) and writes bench/results/latest.json. `--scale smoke` runs the
same code at a tiny size in about a minute (figures meaningless, shape checked)."""

import argparse
import logging
import signal
import sys
from pathlib import Path

from spotify_enrichment_dev.bench.run import BENCHMARKS, run_bench
from spotify_enrichment_dev.bench.scale import SCALES

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds the with-blocks, so the emulators and dbt children of this run are stopped.
    sys.exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="full", help="sizes to run (default full)")
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated benchmarks to run (default all: {','.join(BENCHMARKS)})",
    )
    parser.add_argument(
        "--out", type=Path, help="results file (default: bench/results/latest.json after a complete full run)"
    )
    parser.add_argument(
        "--work-dir", type=Path, default=PROJECT_DIR / "bench" / "work" / "scratch", help="scratch folder"
    )
    parser.add_argument(
        "--keep-work", action="store_true", help="keep the scratch folder (it is removed after a clean run)"
    )
    arguments = parser.parse_args(argv)
    only = tuple(name.strip() for name in arguments.only.split(",") if name.strip())
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    # Only a complete full run replaces the committed results; other runs stay in the ignored bench/work.
    complete = arguments.scale == "full" and only == BENCHMARKS
    default_out = (
        PROJECT_DIR / "bench" / ("results/latest.json" if complete else f"work/{arguments.scale}.json")
    )
    out = arguments.out or default_out
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stderr)
    results = run_bench(
        SCALES[arguments.scale], PROJECT_DIR, arguments.work_dir, out, only, keep_work=arguments.keep_work
    )
    print(f"results written to {out}", flush=True)
    return 1 if "errors" in results else 0


if __name__ == "__main__":
    sys.exit(main())
