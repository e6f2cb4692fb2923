"""The browser the web app's tests drive: Debian's `chromium` and `chromium-driver`.

`python -m infra.browser ensure` installs both with apt-get when they are missing and we are
root (as `infra.postgres_server` installs PostgreSQL), and prints the exact command otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infra.apt import apt_install

PACKAGES = ("chromium", "chromium-driver")
BROWSER_NAMES = ("chromium", "chromium-browser")
DRIVER_PATHS = ("/usr/bin/chromedriver",)


@dataclass(frozen=True)
class Browser:
    binary: Path
    driver: Path

    @property
    def version(self) -> str:
        result = subprocess.run([str(self.binary), "--version"], capture_output=True, text=True)
        return result.stdout.strip() or "chromium (version unknown)"


def find_browser() -> Browser | None:
    binary = next((shutil.which(name) for name in BROWSER_NAMES if shutil.which(name)), None)
    driver = shutil.which("chromedriver") or next(
        (p for p in DRIVER_PATHS if os.access(p, os.X_OK)), None
    )
    if binary is None or driver is None:
        return None
    return Browser(Path(binary), Path(driver))


def ensure_browser_installed() -> Browser:
    """Chromium and its driver; installs the Debian packages if missing and we are root."""
    browser = find_browser()
    if browser is not None:
        return browser
    apt_install(list(PACKAGES), "Chromium or chromedriver")
    browser = find_browser()
    if browser is None:
        raise SystemExit("apt-get installed chromium but chromium/chromedriver were not found")
    return browser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.browser")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ensure", help="install chromium and chromium-driver if missing")
    args = parser.parse_args(argv)
    if args.command == "ensure":
        browser = ensure_browser_installed()
        print(f"{browser.version} at {browser.binary}, driver {browser.driver}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
