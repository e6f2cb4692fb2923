"""The benchmarks' trivial app plus a route that tells how many objects its gunicorn worker froze
(tests/test_runtime.py)."""

from __future__ import annotations

import gc
import os

from flask import Flask, jsonify

from bench import trivial_app


def create_app() -> Flask:
    app = trivial_app.create_app()

    @app.get("/frozen")
    def frozen():
        return jsonify(pid=os.getpid(), frozen=gc.get_freeze_count())

    return app
