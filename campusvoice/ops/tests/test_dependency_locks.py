"""The hashed locks in requirements/ agree with pyproject.toml (offline: reads files only).

`make venv` and the Dockerfile install from the locks with --require-hashes, so a dependency added
to pyproject.toml without `make lock` would silently not be installed, and a changed pin would not
take effect.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[3]
LOCKS = ROOT / "requirements"
# `name==version` at the start of a line, optionally `; marker`, then the hashes on `\` lines.
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def lock_read(text: str) -> dict[str, set[str]]:
    """{canonical name: versions} of a uv/pip-compile lock; raises ValueError on an unhashed pin."""
    pins: dict[str, set[str]] = {}
    entry = None
    for line in text.splitlines():
        if match := PIN.match(line):
            if entry and not entry[1]:
                raise ValueError(f"{entry[0]} has no hash")
            entry = [match["name"], 0]
            pins.setdefault(canonicalize_name(match["name"]), set()).add(match["version"])
        elif line[:1].isalpha():
            raise ValueError(f"not an exact pin: {line!r}")
        if entry is not None:
            entry[1] += len(HASH.findall(line))
    if entry and not entry[1]:
        raise ValueError(f"{entry[0]} has no hash")
    return pins


def lock_mismatches(requirements: list[str], pins: dict[str, set[str]]) -> list[str]:
    """Requirements (PEP 508 strings) that the lock leaves out or pins outside their specifier."""
    problems = []
    for text in requirements:
        requirement = Requirement(text)
        versions = pins.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{requirement.name} is missing")
        elif not all(requirement.specifier.contains(version, prereleases=True) for version in versions):
            problems.append(
                f"{requirement.name}: lock has {', '.join(sorted(versions))}, wants {requirement.specifier}"
            )
    return problems


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def locks():
    return {name: lock_read((LOCKS / f"{name}.txt").read_text()) for name in ("build", "runtime", "dev")}


def test_the_runtime_lock_pins_every_runtime_dependency_at_its_version(project, locks):
    assert lock_mismatches(project["project"]["dependencies"], locks["runtime"]) == []


def test_the_dev_lock_pins_every_runtime_and_dev_dependency_at_its_version(project, locks):
    wanted = project["project"]["dependencies"] + project["dependency-groups"]["dev"]
    assert lock_mismatches(wanted, locks["dev"]) == []


def test_the_build_lock_satisfies_the_build_backend_requirement(project, locks):
    assert lock_mismatches(project["build-system"]["requires"], locks["build"]) == []


def test_the_dev_lock_runs_the_same_releases_as_the_image(locks):
    # The tests run dev.txt and the Docker image runs runtime.txt: they must not differ.
    differ = {name: (versions, locks["dev"].get(name)) for name, versions in locks["runtime"].items()}
    assert {name: pair for name, pair in differ.items() if pair[0] != pair[1]} == {}


def test_it_reports_a_dependency_missing_from_the_lock_or_pinned_to_another_version():
    pins = lock_read("django==6.1.3 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\n")

    assert lock_mismatches(["django==6.1.3"], pins) == []
    assert lock_mismatches(["Django==6.1.4", "requests==2.34.2"], pins) == [
        "Django: lock has 6.1.3, wants ==6.1.4",
        "requests is missing",
    ]


def test_it_refuses_a_lock_line_without_a_hash():
    with pytest.raises(ValueError, match="django has no hash"):
        lock_read("django==6.1.3\n    # via x\nredis==8.1.0 \\\n    --hash=sha256:" + "b" * 64 + "\n")
