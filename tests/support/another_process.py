"""A write made by a separate Python process, as another web process or a worker would make it:
nothing in the test's process hears of it except through the database."""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import Engine

SCRIPT = """
import json, sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1])
with engine.begin() as connection:
    connection.execute(text(sys.argv[2]), json.loads(sys.argv[3]))
engine.dispose()
"""


def in_another_process(engine: Engine, statement: str, **params) -> None:
    """Run `statement` with `params` on `engine`'s database from a new process, committed."""
    url = engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", SCRIPT, url, statement, json.dumps(params)],
                   check=True, timeout=60)
