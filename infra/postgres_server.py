"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks (no Docker)."""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from infra.apt import apt_install

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
}
# A server that is killed on purpose (fault injection) must keep every commit it acknowledged,
# as production does: with synchronous_commit off, a SIGKILL loses the last ~0.6 s of commits
# while consumers have already moved their offsets past them. (fsync stays off: the machine
# itself does not crash, and the WAL written at commit survives the process.)
DURABLE_COMMITS = {"synchronous_commit": "on"}


def _version_key(bindir: str) -> tuple[int, ...]:
    match = re.search(r"/postgresql/([\d.]+)/bin", bindir)
    return tuple(int(part) for part in match.group(1).split(".")) if match else (0,)


def find_postgres_bindir() -> Path | None:
    candidates = sorted(
        (str(Path(path).parent) for path in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
        key=_version_key,
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(result.stdout.strip())
    for bindir in candidates:
        if (Path(bindir) / "postgres").exists() and (Path(bindir) / "initdb").exists():
            return Path(bindir)
    return None


def ensure_postgres_installed() -> Path:
    """The directory holding `postgres`, `initdb` and `pg_ctl`; installs them if root."""
    bindir = find_postgres_bindir()
    if bindir is not None:
        return bindir
    apt_install(["postgresql"], "PostgreSQL server binaries")
    bindir = find_postgres_bindir()
    if bindir is None:
        raise SystemExit("apt-get installed postgresql but no postgres/initdb binaries were found")
    return bindir


def _parse_version(text: str) -> str:
    match = re.search(r"PostgreSQL\)?\s+(\d+(?:\.\d+)*)", text)
    return f"PostgreSQL {match.group(1)}" if match else text.strip()


class PostgresEndpoint:
    """A running PostgreSQL server reachable over TCP with trust (or password-less) auth."""

    def __init__(self, port: int, host: str = "127.0.0.1", user: str = "postgres") -> None:
        self.port = port
        self.host = host
        self.user = user

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname=dbname, autocommit=True
        )

    def create_database(self, name: str) -> str:
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        with self.connect() as conn:
            conn.execute(query)

    @property
    def version(self) -> str:
        with self.connect() as conn:
            row = conn.execute("select version()").fetchone()
        return _parse_version(str(row[0]) if row else "")


class PostgresServer(PostgresEndpoint):
    """A private cluster in `data_dir`, run by pg_ctl as the `postgres` OS user when we are root."""

    def __init__(self, data_dir: Path, port: int, settings: dict[str, str] | None = None) -> None:
        super().__init__(port)
        self.data_dir = Path(data_dir).resolve()
        self.settings = {**SERVER_SETTINGS, **(settings or {})}
        self.bindir = ensure_postgres_installed()
        self._owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.data_dir / "sock"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        owner: dict[str, Any] = {}
        if self._owner is not None:
            owner = {"user": self._owner.pw_uid, "group": self._owner.pw_gid, "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        if self._owner is not None:
            env["HOME"] = self._owner.pw_dir
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.data_dir,
            env=env,
            **owner,
        )
        if check and result.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            output = f"{result.stdout}{result.stderr}{log[-4000:]}"
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{output}")
        return result

    def _prepare_dirs(self) -> None:
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if self._owner is None:
            return
        for path in (self.data_dir, self.socket_dir):
            os.chown(path, self._owner.pw_uid, self._owner.pw_gid)
        for parent in self.data_dir.parents:
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH and parent.stat().st_uid != self._owner.pw_uid:
                raise RuntimeError(
                    f"{parent} is not traversable by the postgres user; "
                    "put the PostgreSQL data dir under a world-traversable path such as /tmp"
                )

    def _write_settings(self) -> None:
        settings = {
            **self.settings,
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
        }
        conf = self.pgdata / "goalkeeper.conf"
        conf.write_text("".join(f"{key} = {value}\n" for key, value in settings.items()))
        if self._owner is not None:
            os.chown(conf, self._owner.pw_uid, self._owner.pw_gid)

    def initdb(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self._run(
            "initdb",
            "-D",
            str(self.pgdata),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write("\ninclude = 'goalkeeper.conf'\n")

    def is_running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self, timeout: int = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_dirs()
        self.initdb()
        self._write_settings()
        if self.is_running():
            return
        self._run(
            "pg_ctl",
            "-D",
            str(self.pgdata),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            str(timeout),
            "start",
        )

    def postmaster_pid(self) -> int:
        """The server's first process; every backend and background worker is its child."""
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])

    def stop(self, mode: str = "fast") -> None:
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (mode fast) and start again on the same data and port."""
        self.stop("fast")
        self.start()

    @property
    def version(self) -> str:
        if self.is_running():
            return super().version
        return _parse_version(self._run("postgres", "--version").stdout)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.postgres_server")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("ensure", help="install the PostgreSQL server binaries if missing")
    args = parser.parse_args(argv)
    if args.command == "ensure":
        bindir = ensure_postgres_installed()
        version = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        print(f"{_parse_version(version)} server binaries in {bindir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
