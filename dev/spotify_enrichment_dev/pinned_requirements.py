"""The pinned requirements of one installed distribution and extras: every package it needs, transitively,
at its requirements.lock version. The remote-function deploy writes them as the function's
requirements.txt, so the function gets exactly what `pip install '.[function]' -c requirements.lock`
installs, and nothing is listed by hand.

    python -m spotify_enrichment_dev.pinned_requirements 'spotify-enrichment[function]' \\
        --lock requirements.lock
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


class PinError(RuntimeError):
    """A needed package is not installed here or not pinned in the lock file."""


def read_lock(lock_file: Path) -> dict[str, str]:
    """Normalized name -> the `name==version` line of requirements.lock."""
    pins = {}
    for text in lock_file.read_text(encoding="utf-8").splitlines():
        line = text.strip()
        if line and not line.startswith("#"):
            pins[canonicalize_name(line.partition("==")[0])] = line
    return pins


def _needed(requirement: Requirement, extras: Iterable[str]) -> list[Requirement]:
    """What `requirement`'s distribution requires with `extras` on this interpreter."""
    try:
        declared = importlib.metadata.requires(requirement.name) or []
    except importlib.metadata.PackageNotFoundError as error:
        raise PinError(f"{requirement.name} is not installed here: run `make install`") from error
    needed = []
    for text in declared:
        child = Requirement(text)
        environments = [{"extra": extra} for extra in ("", *extras)]
        if child.marker is None or any(child.marker.evaluate(environment) for environment in environments):
            needed.append(child)
    return needed


def pinned_closure(root: str, pins: dict[str, str]) -> list[str]:
    """The lock lines of everything `root` (e.g. `spotify-enrichment[function]`) needs, `root` left out."""
    start = Requirement(root)
    seen: dict[str, set[str]] = {}
    pending = [(start, set(start.extras))]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | extras
        pending += [(child, set(child.extras)) for child in _needed(requirement, seen[name])]
    names = sorted(seen.keys() - {canonicalize_name(start.name)})
    missing = [name for name in names if name not in pins]
    if missing:
        raise PinError(f"not pinned in requirements.lock: {', '.join(missing)}")
    return [pins[name] for name in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "requirement", help="an installed distribution with extras, e.g. 'spotify-enrichment[function]'"
    )
    parser.add_argument("--lock", type=Path, required=True, help="requirements.lock")
    options = parser.parse_args(argv)
    try:
        lines = pinned_closure(options.requirement, read_lock(options.lock))
    except PinError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
