"""Headless Chromium for the report tests (test_report.py, test_glance.py): the page is
rendered as a person's browser would, with any network fetch made to fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Debian's chromium is not installed: run `make setup-browser` (make test does)")


def run_browser(tmp: Path, page: Path, *extra: str) -> subprocess.CompletedProcess:
    args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--proxy-server=127.0.0.1:9",  # any network fetch would fail: the page must not need one
            "--user-data-dir=%s" % (tmp / "profile"), *extra, page.as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)
