"""Fixtures for the deploy tests: a copy of the project's deployable files and FAT images."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from host.deploy import ROOT

from . import fat

DEPLOYABLE = ("boot.py", "code.py", "settings.toml.example", "lib/requirements.txt")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The real boot.py, code.py, firmware/, lib/requirements.txt and template, copied so a test
    can change them (an upgrade) without touching the checkout."""
    root = tmp_path / "project"
    (root / "lib").mkdir(parents=True)
    for rel in DEPLOYABLE:
        shutil.copy(ROOT / rel, root / rel)
    shutil.copytree(ROOT / "firmware", root / "firmware", ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture
def fat_tools() -> None:
    missing = fat.missing_tools()
    if missing:
        pytest.fail("missing %s: `make test` installs Debian's dosfstools and mtools" % ", ".join(missing))


@pytest.fixture
def image(tmp_path: Path, fat_tools: None) -> Path:
    return fat.make_image(tmp_path / "circuitpy.img", fat.BOOT_OUT_9)


@pytest.fixture
def drive_dir(tmp_path: Path) -> Path:
    path = tmp_path / "CIRCUITPY"
    path.mkdir()
    (path / "boot_out.txt").write_text(fat.BOOT_OUT_9)
    return path
