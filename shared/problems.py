"""One error shape for every service: RFC 9457 `application/problem+json`."""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from marshmallow import Schema, fields
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from shared.auth import Unauthorized
from shared.db import met_another_change
from shared.domain import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unavailable,
    Unprocessable,
)

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
# The one place a kind of domain error becomes an HTTP status.
STATUS_OF: dict[type[DomainError], int] = {
    BadRequest: 400,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    Unprocessable: 422,
    PreconditionRequired: 428,
    Unavailable: 503,
}
TITLES = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
          412: "Precondition Failed", 422: "Unprocessable Entity", 428: "Precondition Required",
          503: "Service Unavailable"}
CHANGED_MEANWHILE = "This changed at the same moment as another change; send it again."
LOCATIONS = {"json", "query", "form", "headers", "view_args", "files", "cookies"}


class ProblemSchema(Schema):
    """The body of every error response (RFC 9457), as documented in each service's spec."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    status = fields.Integer(required=True, metadata={"example": 422})
    detail = fields.String(metadata={"example": "Invalid fields: due_date"})
    instance = fields.String(required=True, metadata={"example": "/v1/goals"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field name (dotted for nested fields) -> messages"},
    )
    reason = fields.String(metadata={
        "example": "member_left",
        "description": "Why a 401 refused the token, for a client to act on: member_left (the "
                       "token's member has left the team). Absent otherwise."})


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: dict | None = None,
    headers: dict | None = None,
    reason: str | None = None,
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if reason:
        body["reason"] = reason
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# marshmallow's words for a value that is not an object where a schema expects one (the body,
# or a nested object such as `metric`), and what the client is told instead
NOT_AN_OBJECT = "Invalid input type."
OBJECT_EXPECTED = {"_schema": "The body must be a JSON object.", "": "Must be a JSON object."}


def flatten_errors(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """{"metric": {"target": ["Missing"]}} -> {"metric.target": ["Missing"]}, and a nested
    object's errors as a whole ({"metric": {"_schema": [...]}}) are its field's ("metric"); a
    value that is not the object its schema expects is said so."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(flatten_errors(value, _path(prefix, key)))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        name = prefix or "_schema"
        return {name: [OBJECT_EXPECTED.get(name, OBJECT_EXPECTED[""]) if m == NOT_AN_OBJECT
                       else m for m in messages]}
    if isinstance(messages, list):
        flat = {}
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, _path(prefix, index)))
        return flat
    return {prefix or "_schema": [str(messages)]}


def _path(prefix: str, key: object) -> str:
    """The path of `key` under `prefix`; a nested object's errors as a whole are its own."""
    if not prefix:
        return str(key)
    return prefix if key == "_schema" else f"{prefix}.{key}"


def invalid_body(errors: dict[str, list[str]]) -> str:
    """The detail of a 422 on a body: the fields refused, or what is wrong with the body as a
    whole (its `_schema` messages) when no field is."""
    fields_refused = sorted(name for name in errors if name != "_schema")
    if fields_refused:
        return "Invalid fields: " + ", ".join(fields_refused)
    return " ".join(errors["_schema"])


def http_exception_problem(error: HTTPException) -> Response:
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    errors = None
    if messages:
        # webargs nests by location ({"json": {...}, "query": {...}}); the field names matter
        if isinstance(messages, dict) and set(messages) <= LOCATIONS:
            merged: dict = {}
            for found in messages.values():
                merged.update(found if isinstance(found, dict) else {"_schema": found})
            messages = merged
        errors = flatten_errors(messages)
    detail = data.get("message") or error.description
    if error.code == 422 and errors:
        detail = invalid_body(errors)
    headers = data.get("headers")
    return problem(error.code or 500, error.name, detail, errors=errors, headers=headers)


def status_of(error: DomainError) -> int:
    """The HTTP status of a domain error: its nearest kind in `STATUS_OF`, else 400."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


def register_problem_handlers(app: Flask, on_server_error=None) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        status = status_of(error)
        return problem(status, TITLES[status], error.detail, errors=error.errors)

    @app.errorhandler(Unauthorized)
    def _unauthorized(error: Unauthorized):
        return problem(401, "Unauthorized", error.detail, headers={"WWW-Authenticate": "Bearer"},
                       reason=error.reason)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(DisconnectionError)
    def _database_error(error: Exception):
        if met_another_change(error):
            log.info("met another change on %s %s: %s", request.method, request.path,
                     getattr(error, "orig", error))
            return problem(409, "Conflict", CHANGED_MEANWHILE)
        log.warning("database unavailable on %s %s", request.method, request.path)
        return problem(
            503,
            "Service Unavailable",
            "The database is unavailable; retry shortly with the same request.",
            headers={"Retry-After": "1"},
        )

    @app.errorhandler(RecursionError)
    def _too_deep(_error):
        return problem(400, "Bad Request", "JSON body is nested too deeply")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_exception_problem(error)
        if on_server_error is not None:
            on_server_error()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal Server Error", "An unexpected error occurred; it was logged.")
