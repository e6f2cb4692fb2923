"""The baseline: a trivial Flask app under the same gunicorn configuration as the services.

`gunicorn -c infra/gunicorn.conf.py 'bench.trivial_app:create_app()'`
"""

from __future__ import annotations

from flask import Flask, jsonify, request


def create_app() -> Flask:
    app = Flask("trivial")

    @app.get("/ping")
    def ping():
        return jsonify(ok=True)

    @app.post("/echo")
    def echo():
        return jsonify(request.get_json(silent=True) or {}), 201

    return app
