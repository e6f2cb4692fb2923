"""The baseline: a trivial Flask app under the same gunicorn configuration as the services.

`gunicorn -c infra/gunicorn.conf.py 'bench.trivial_app:create_app()'`

With `BENCH_DATABASE_URL` set it also serves `POST /insert`, the floor of a write: the body
inserted as one row and committed through the services' engine (`shared.db.make_engine`), and
nothing else: no token, no read, no event. What it costs beside `POST /echo` is what any write
that commits costs here, before it does anything of its own.
"""

from __future__ import annotations

import os
import uuid

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Column, MetaData, String, Table, insert

from shared.db import make_engine

metadata = MetaData()
rows = Table("bench_rows", metadata,
             Column("id", String(36), primary_key=True),
             Column("body", JSON, nullable=False))


def create_app() -> Flask:
    app = Flask("trivial")

    @app.get("/ping")
    def ping():
        return jsonify(ok=True)

    @app.post("/echo")
    def echo():
        return jsonify(request.get_json(silent=True) or {}), 201

    if url := os.environ.get("BENCH_DATABASE_URL"):
        engine = make_engine(url)  # connects at the first request, in the worker
        statement = insert(rows)

        @app.post("/insert")
        def insert_one():
            row = {"id": str(uuid.uuid4()), "body": request.get_json(silent=True) or {}}
            with engine.begin() as connection:
                connection.execute(statement, row)
            return jsonify(row), 201

    return app
