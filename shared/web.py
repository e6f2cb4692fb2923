"""The Flask app every service builds: flask-smorest API, problem+json errors, health, metrics."""

from __future__ import annotations

import http
import json
from datetime import datetime
from functools import wraps

import flask_smorest
from apispec import BasePlugin
from flask import Flask, Response, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from flask_smorest import Api
from flask_smorest.utils import prepare_response, resolve_schema_instance
from marshmallow import RAISE, ValidationError
from webargs.flaskparser import FlaskParser, abort, is_json_request
from webargs.multidictproxy import MultiDictProxy

from shared.auth import ADMIN, Principal, Unauthorized, is_admin_token
from shared.db import is_postgres
from shared.domain import Forbidden, NotFound
from shared.dumping import compile_dump
from shared.health import health_blueprint
from shared.json_codec import dumps as fast_dumps
from shared.observability import configure_logging, instrument
from shared.problems import (
    PROBLEM_JSON,
    ProblemSchema,
    http_exception_problem,
    register_problem_handlers,
)
from shared.schema_fields import PatchBody
from shared.text_guard import refuse_unstorable_text
from shared.uow import begin_request, end_request

MAX_BODY_BYTES = 256 * 1024


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser, stricter about the query string: a parameter the spec does not
    list is refused (422 naming it), like an unknown JSON field, so a typo such as `?ownerid=`
    does not silently return the unfiltered list; and a parameter that takes one value but is
    given several (`?health=a&health=b`) is refused too, instead of meaning the first."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": RAISE, "querystring": RAISE}

    def _raw_load_json(self, req):
        """The JSON body; one Python cannot read (an integer of more than 4300 digits) is a 400
        as any malformed JSON, not an error of the service. A body sent as another type is a
        415 saying so, rather than read as no body (and its fields then said to be missing)."""
        if req.get_data(cache=True) and not is_json_request(req):
            abort(415, message=f"Send the body as application/json; it came as "
                               f"{req.mimetype or 'no Content-Type'}.")
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except ValueError as exc:
            raise json.JSONDecodeError(str(exc), req.get_data(as_text=True), 0) from exc

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        abort(400, message=f"The body is not valid JSON: {error}.",
              messages={"json": ["Invalid JSON body."]})

    def pre_load(self, location_data, *, schema, req, location):
        if location in ("query", "querystring") and isinstance(location_data, MultiDictProxy):
            given = location_data.data
            repeated = sorted(name for name in given if name not in location_data.multiple_keys
                              and len(given.getlist(name)) > 1)
            if repeated:
                raise ValidationError({name: ["Given more than once: this parameter takes "
                                              "one value."] for name in repeated})
        return location_data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose response schemas dump through a compiled plan
    (`shared.dumping`): same output, a fraction of marshmallow's time per object; its
    arguments are read by `ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def response(self, status_code, schema=None, **options):
        if schema is not None:
            schema = resolve_schema_instance(schema)
            schema.dump = compile_dump(schema)
        return super().response(status_code, schema, **options)


class ProblemApi(Api):
    """flask-smorest Api whose HTTP errors (including 422 validation) are problem+json, and
    whose spec says so: every error response documents `ProblemSchema` as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return http_exception_problem(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


class PatchBodiesNameAField(BasePlugin):
    """The spec says what `PatchBody` refuses: a PATCH body names at least one field
    (`minProperties: 1`), so a client generated from it knows an empty one is a 422."""

    def schema_helper(self, name, definition, **kwargs):
        schema = kwargs.get("schema")
        kind = schema if isinstance(schema, type) else type(schema)
        return {"minProperties": 1} if issubclass(kind, PatchBody) else None


def ecma_pattern(self, field, ret: dict, **kwargs) -> dict:
    r"""A field's pattern as the spec publishes it: JSON Schema reads patterns as ECMA 262
    regular expressions, where Python's `\Z` (the end of the text, no line break after it) is
    `$` (ECMA's `$` allows none). The field itself still validates with `\Z`."""
    pattern = ret.get("pattern")
    return {"pattern": pattern.replace(r"\Z", "$")} if pattern and r"\Z" in pattern else {}


class FastJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with responses encoded by orjson (`shared.json_codec`): the same
    sorted keys and the same `default` for dates and dataclasses, several times faster."""

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        if self._app.debug:  # indented, as Flask does in debug mode
            return super().response(obj)
        return self._app.response_class(fast_dumps(obj, self.default) + b"\n",
                                        mimetype=self.mimetype)


def create_service_app(container, blueprints: list[Blueprint], *, title: str) -> Flask:
    settings = container.settings
    configure_logging(settings.log_level, settings.service)
    app = Flask(settings.service)
    app.json = FastJSONProvider(app)
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        TESTING=settings.testing,
    )
    app.extensions["goalkeeper"] = container
    api = ProblemApi(
        app,
        spec_kwargs={
            "extra_plugins": [PatchBodiesNameAField()],
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
            "security": [{"bearer": []}],
        },
    )
    api.ma_plugin.converter.add_attribute_function(ecma_pattern)
    register_problem_handlers(app)
    app.before_request(share_one_session)
    app.teardown_request(lambda _exc: end_request())
    app.before_request(authenticate_api_requests)
    app.before_request(refuse_unstorable_text)
    instrument(app, settings.service)
    app.register_blueprint(
        health_blueprint(lambda: container.engine, lambda: container.broker_probe)
    )
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app


def container():
    return current_app.extensions["goalkeeper"]


def bus():
    """The app's message bus: views hand it a command and dump what it returns."""
    return container().bus


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def share_one_session() -> None:
    """The caller's standing and the handler's unit of work share one session (one pooled
    connection): the reader's for a read; on PostgreSQL the writer's for a write, so the
    standing is read in the handler's transaction. Not on SQLite for a write, whose
    transaction holds the database's only write lock from its first statement: a handler may
    do slow work (call Slack) before its unit of work begins."""
    c = container()
    if request.method in READ_METHODS:
        begin_request(c.read_session_factory)
    elif is_postgres(c.engine):
        begin_request(c.session_factory)


def authenticate() -> Principal:
    """The caller, from `Authorization: Bearer <token>`; 401 when missing or invalid."""
    if "principal" not in g:
        g.principal = _principal_from_header()
    return g.principal


def authenticate_api_requests() -> None:
    """Every `/v1/` request is authenticated before its body is even read: a caller without a
    valid token learns nothing, not even which fields a body would need."""
    if request.path.startswith("/v1/"):
        principal = authenticate()
        team_id = (request.view_args or {}).get("team_id")
        if team_id is not None and not principal.is_admin and principal.team_id != team_id:
            raise NotFound(f"team {team_id} not found")


def _principal_from_header() -> Principal:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    token = token.strip()
    c = container()
    if is_admin_token(token, c.settings.admin_token):
        return ADMIN
    return c.check_principal(c.tokens.verify(token), may_reuse=may_reuse())


def may_reuse() -> bool:
    """Whether the request may be answered from what the process keeps: a read, unless it
    says `Cache-Control: no-cache`."""
    return request.method in READ_METHODS and "no-cache" not in request.cache_control


def kept_read(view):
    """A GET view whose 200 answers the process keeps (`shared.read_cache`) per caller and
    quarter hour (see `_quarter_hour`), and answers again without running, until a change to
    its team reaches the process. A request with `Cache-Control: no-cache` is answered from
    the database (and kept)."""

    @wraps(view)
    def answer(*args, **kwargs):
        c, principal = container(), authenticate()
        cache = c.read_cache
        if cache is None or principal.is_admin:
            return view(*args, **kwargs)
        key = (request.path, _query_by_name(), principal.member_id, principal.role,
               principal.token_version, _quarter_hour(c.clock.now()))
        if may_reuse():
            kept = cache.get(key, principal.team_id)
            if kept is not None:
                body, headers = kept
                return Response(body, 200, headers, mimetype="application/json")
        token = cache.token(principal.team_id)
        response = view(*args, **kwargs)
        if response.status_code == 200:
            headers = {name: response.headers[name] for name in KEPT_HEADERS
                       if name in response.headers}
            body = response.get_data()
            cache.put(key, principal.team_id, (body, headers), token, size=len(body))
        return response

    return answer


KEPT_HEADERS = ("ETag",)


def _quarter_hour(now: datetime) -> datetime:
    """The quarter hour `now` is in. What a read judges "today" (a goal's SMART verdicts) is
    judged in the goal's or member's time zone, and every zone's midnight falls on a quarter
    hour of UTC: no answer is kept past the local midnight of any of them."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def _query_by_name() -> tuple:
    """The query's parameters in name order (each name's values in their order): the same
    read asked with its parameters in another order is the same entry."""
    return tuple((name, tuple(values)) for name, values in sorted(request.args.lists()))


def require_member() -> Principal:
    principal = authenticate()
    if principal.is_admin:
        raise Forbidden("the admin token only creates teams; use a member token")
    return principal


def require_team(team_id: str) -> Principal:
    """A member of `team_id`; another team's token gets 404, as if the team did not exist."""
    principal = require_member()
    if principal.team_id != str(team_id):
        raise NotFound(f"team {team_id} not found")
    return principal


def require_lead(team_id: str) -> Principal:
    principal = require_team(team_id)
    if not principal.is_lead:
        raise Forbidden("only a team lead may do this")
    return principal


def require_admin() -> Principal:
    principal = authenticate()
    if not principal.is_admin:
        raise Forbidden("this needs the admin token")
    return principal
