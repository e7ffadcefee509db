"""Headless Chromium for the tests of HTML pages (explorer, step pages, film, report).

The tests run when Chromium is installed; on CI (``CI=true``) a missing
Chromium fails them instead, and ``.ci/run`` installs it. Chromium runs with
a fresh profile and no network traffic of its own, as a throwaway headless
browser should.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM = (
    shutil.which("chromium")
    or shutil.which("chromium-browser")
    or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium(url: str, *flags: str) -> str:
    """Load ``url`` headless with ``flags`` (e.g. ``--dump-dom``); Chromium's stdout.

    Defaults that ``flags`` may override (Chromium takes the last of a
    repeated switch): a 1280x800 window and 5 s of virtual time for scripts.
    """
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the HTML pages are checked in Chromium on CI: apt-get install -y chromium")
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "--window-size=1280,800",
                "--virtual-time-budget=5000",
                *flags,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def body_data(dom: str) -> dict[str, str]:
    """The ``data-*`` attributes of a dumped page's ``<body>``, where pages report their state."""
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1)))
