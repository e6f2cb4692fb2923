"""Install Debian packages the project needs (PostgreSQL, Chromium) when they are missing."""

from __future__ import annotations

import os
import subprocess


def apt_install(packages: list[str], missing: str) -> None:
    """`apt-get install` `packages` as root; otherwise stop with the exact command to run.

    `missing` names what was not found, for the messages ("PostgreSQL server binaries").
    """
    command = f"apt-get update && apt-get install -y {' '.join(packages)}"
    if os.geteuid() != 0:
        raise SystemExit(f"{missing} not found. Install them as root:\n  {command}")
    print(f"{missing} not found; installing the Debian packages {', '.join(packages)}...",
          flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", *packages], check=True, env=env)
