"""Screenshots: `make test` leaves tracked files alone; `make screenshots` refreshes the docs.
And every health icon is a glyph the browser's fonts can draw (no missing-glyph boxes)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from services.web.domain.board import ICONS
from shared.config import REPO_ROOT
from tests.web.browser import screenshots_dir


def test_screenshots_go_to_the_untracked_run_directory_by_default():
    assert screenshots_dir({}) == REPO_ROOT / ".run/screenshots"


def test_make_screenshots_writes_them_to_the_docs():
    assert screenshots_dir({"GOALKEEPER_SCREENSHOTS_DIR": "docs/screenshots"}) == (
        REPO_ROOT / "docs/screenshots")
    makefile = (REPO_ROOT / "Makefile").read_text()
    assert "GOALKEEPER_SCREENSHOTS_DIR=docs/screenshots" in makefile


@pytest.mark.skipif(shutil.which("fc-list") is None, reason="fontconfig is not installed")
@pytest.mark.parametrize("health", sorted(ICONS))
def test_each_health_icon_is_drawn_by_an_installed_font(health):
    icon = ICONS[health]
    fonts = subprocess.run(["fc-list", f":charset={ord(icon):x}", "family"],
                           capture_output=True, text=True, check=True).stdout
    assert fonts.strip(), f"no installed font draws {icon!r} (U+{ord(icon):04X}) for {health}"
