"""spotipy, the baseline client of the latency-bound benchmark, is a dependency of the development
package (dev/pyproject.toml pins it), so `make install` puts it into .venv. The bench checks it before
running anything and never installs packages itself."""

import importlib.metadata
import re

DEV_DISTRIBUTION = "spotify-enrichment-dev"


class BenchRequirementsError(RuntimeError):
    """A bench-only package is missing or at another version than the development package pins."""


def installed_version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def pinned_version(package: str) -> str:
    """The version the development package pins `package` at (from its installed metadata)."""
    for requirement in importlib.metadata.requires(DEV_DISTRIBUTION) or []:
        match = re.fullmatch(rf"{re.escape(package)}==(\S+)", requirement.strip(), re.IGNORECASE)
        if match:
            return match.group(1)
    raise BenchRequirementsError(f"{DEV_DISTRIBUTION} does not pin {package}: see dev/pyproject.toml")


def require_bench_packages() -> None:
    """Raise unless spotipy is installed at the development package's pin."""
    wanted, found = pinned_version("spotipy"), installed_version("spotipy")
    if found != wanted:
        raise BenchRequirementsError(
            f"the benchmarks need spotipy {wanted}, found {found or 'none'}: run `make install` "
            "(dev/pyproject.toml pins it for the development environment)"
        )
