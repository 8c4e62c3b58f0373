"""Just enough of the Dockerfile and .dockerignore formats to check the image without a Docker daemon:
the instructions (continuation lines joined), COPY sources and destinations, ENV, and which paths the
build context leaves out."""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


@dataclass(frozen=True)
class Copy:
    sources: tuple[str, ...]
    destination: PurePosixPath  # absolute, resolved against the WORKDIR at that point
    into_folder: bool  # the destination is a folder (ends with `/`, or several sources)


def instructions(dockerfile: Path) -> list[Instruction]:
    """The instructions in order; comments dropped, `\\` continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in dockerfile.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    parsed = []
    for text in logical:
        keyword, _, arguments = text.partition(" ")
        parsed.append(Instruction(keyword.upper(), arguments.strip()))
    return parsed


def _words(arguments: str) -> list[str]:
    """Exec form (a JSON array) or shell words."""
    if arguments.startswith("["):
        return list(json.loads(arguments))
    return shlex.split(arguments)


def workdir(parsed: list[Instruction]) -> PurePosixPath:
    """The last WORKDIR (the one the entry point runs in)."""
    folders = [PurePosixPath(item.arguments) for item in parsed if item.keyword == "WORKDIR"]
    if not folders:
        raise AssertionError("the Dockerfile sets no WORKDIR")
    return folders[-1]


def copies(parsed: list[Instruction]) -> list[Copy]:
    """Every COPY from the build context (`--from` copies from another stage and is left out)."""
    current = PurePosixPath("/")
    found = []
    for item in parsed:
        if item.keyword == "WORKDIR":
            current = current / item.arguments
        elif item.keyword == "COPY":
            words = _words(item.arguments)
            if any(word.startswith("--from") for word in words):
                continue
            paths = [word for word in words if not word.startswith("--")]
            sources, destination = tuple(paths[:-1]), paths[-1]
            into_folder = destination.endswith("/") or len(sources) > 1
            found.append(Copy(sources, current / destination, into_folder))
    return found


def environment(parsed: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in parsed:
        if item.keyword == "ENV":
            for word in shlex.split(item.arguments):
                name, _, value = word.partition("=")
                values[name] = value
    return values


def entrypoint(parsed: list[Instruction]) -> list[str]:
    entries = [item for item in parsed if item.keyword == "ENTRYPOINT"]
    if not entries:
        raise AssertionError("the Dockerfile has no ENTRYPOINT")
    return _words(entries[-1].arguments)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """.dockerignore patterns (Go filepath.Match plus `**`) as a regular expression."""
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(out)


@dataclass(frozen=True)
class DockerIgnore:
    rules: tuple[tuple[bool, re.Pattern[str]], ...]  # (excludes, pattern); the last match wins

    @classmethod
    def read(cls, path: Path) -> DockerIgnore:
        rules = []
        for line in path.read_text(encoding="utf-8").splitlines():
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            excludes = not pattern.startswith("!")
            pattern = pattern.lstrip("!").strip("/")
            rules.append((excludes, _pattern_regex(pattern)))
        return cls(tuple(rules))

    def ignores(self, relative: str) -> bool:
        """True when the build context leaves `relative` out (it or one of its parent folders matches)."""
        parts = PurePosixPath(relative).parts
        ignored = False
        for excludes, regex in self.rules:
            if any(regex.fullmatch("/".join(parts[:end])) for end in range(1, len(parts) + 1)):
                ignored = excludes
        return ignored


def stage_image_files(context: Path, parsed: list[Instruction], ignore: DockerIgnore, root: Path) -> Path:
    """Copy what the COPY instructions put into the image's WORKDIR to `root` (a stand-in for it), leaving
    out what .dockerignore keeps from the build context; returns `root`."""
    image_workdir = workdir(parsed)
    for copy in copies(parsed):
        destination = root / copy.destination.relative_to(image_workdir)
        for source in copy.sources:
            path = context / source
            if path.is_dir():
                _copy_tree(context, path, destination, ignore)
            else:
                target = destination / path.name if copy.into_folder else destination
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
    return root


def _copy_tree(context: Path, folder: Path, destination: Path, ignore: DockerIgnore) -> None:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(context).as_posix()
        if path.is_dir() or ignore.ignores(relative):
            continue
        target = destination / path.relative_to(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
