"""Vendor the web app's third-party assets from the npm registry, pinned by version and hash.

Run `python -m services.web.entrypoints.static.vendor` to refresh the files under `vendor/`;
the results are committed, so neither a run nor a test needs the network.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "vendor"
# (npm package, version, file inside the tarball, committed name); SHA256SUMS records each
PINNED = (
    ("htmx.org", "2.0.11", "package/dist/htmx.min.js", "htmx.min.js"),
    ("@picocss/pico", "2.1.1", "package/css/pico.min.css", "pico.min.css"),
    ("axe-core", "4.14.1", "package/axe.min.js", "axe.min.js"),
)
CHECKSUMS = HERE / "SHA256SUMS"


def fetch(package: str, version: str, member: str, name: str, workdir: Path) -> bytes:
    out = subprocess.run(
        ["npm", "pack", f"{package}@{version}", "--silent", "--pack-destination", str(workdir)],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    with tarfile.open(workdir / out) as tar:
        extracted = tar.extractfile(member)
        if extracted is None:
            raise SystemExit(f"{member} not found in {package}@{version}")
        return extracted.read()


def main() -> int:
    HERE.mkdir(exist_ok=True)
    sums = []
    with tempfile.TemporaryDirectory() as tmp:
        for package, version, member, name in PINNED:
            data = fetch(package, version, member, name, Path(tmp))
            (HERE / name).write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}  {package}@{version}")
            print(f"{package}@{version} -> vendor/{name}")
    CHECKSUMS.write_text("\n".join(sums) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
