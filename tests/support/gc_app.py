"""A Flask app that tells how many objects its gunicorn worker froze (tests/test_runtime.py)."""

from __future__ import annotations

import gc
import os

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask("gc-report")

    @app.get("/ping")
    def ping():
        return jsonify(ok=True)

    @app.get("/frozen")
    def frozen():
        return jsonify(pid=os.getpid(), frozen=gc.get_freeze_count())

    return app
