"""Alembic migrations per service: `python -m shared.migrate <service> [revision]`.

One env.py and template (shared/migrations) serve all services; each service keeps its own
history in `services/<service>/migrations/versions` and its own database.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.config import REPO_ROOT, SERVICES, Settings


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", str(REPO_ROOT / "services" / service / "migrations" / "versions")
    )
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


def new_revision(service: str, message: str) -> None:
    """Autogenerate the next revision from the models, diffing a scratch database at head."""
    with tempfile.TemporaryDirectory() as scratch:
        config = alembic_config(service, f"sqlite:///{scratch}/scratch.db")
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True)


USAGE = f"usage: python -m shared.migrate {{{'|'.join(SERVICES)}}} [revision | new MESSAGE]"


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in SERVICES:
        print(USAGE, file=sys.stderr)
        return 2
    if len(argv) == 3 and argv[1] == "new":
        new_revision(argv[0], argv[2])
        return 0
    settings = Settings.from_env(argv[0])
    upgrade(argv[0], settings.database_url, argv[1] if len(argv) > 1 else "head")
    print(f"{argv[0]}: database migrated to {argv[1] if len(argv) > 1 else 'head'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
