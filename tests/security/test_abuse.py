"""Abuse inputs get a 4xx problem and leave no side effect."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

import pytest
from marshmallow import fields
from sqlalchemy import text

from shared.schema_fields import JsonBoolean, JsonFloat
from tests.support.stack import ADMIN_TOKEN, auth

NESTED = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def goals(make_service):
    return make_service("goals", start_worker=False)


@pytest.fixture
def lead(goals):
    created = goals.client.post(
        "/v1/teams",
        headers=auth(ADMIN_TOKEN),
        json={
            "name": "Abuse",
            "timezone": "UTC",
            "lead": {"name": "Al", "email": "al@example.com", "timezone": "UTC"},
        },
    ).get_json()
    return created["lead"]


def goal_count(harness) -> int:
    with harness.container.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM goals")).scalar()


def post_raw(harness, token: str, body: bytes):
    return harness.client.post(
        "/v1/goals", data=body, content_type="application/json", headers=auth(token)
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (json.dumps({"title": "x" * 300_000, "due_date": "2030-01-01"}).encode(), 413),
        (NESTED.encode(), 400),
        (b'{"title": "unterminated', 400),
        (b"\xff\xfe not utf-8", 400),
    ],
)
def test_oversized_nested_or_broken_bodies_are_refused_without_effect(goals, lead, body, status):
    response = post_raw(goals, lead["token"], body)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"
    assert goal_count(goals) == 0


@pytest.mark.parametrize(
    "title",
    [
        "Ship \u0000 the thing",  # NUL: PostgreSQL cannot store it
        "\ud800 lone surrogate",
        "x" * 201,
        "",
    ],
)
def test_unicode_edge_cases_that_cannot_be_stored_get_422(goals, lead, title):
    body = json.dumps({"title": title, "why": "w", "due_date": "2030-01-01"}).encode()
    response = post_raw(goals, lead["token"], body)
    assert response.status_code == 422, response.get_json()
    assert "title" in response.get_json()["errors"]
    assert goal_count(goals) == 0


@pytest.mark.parametrize("title", ["Ship \x1b[2J the thing", "Ship \x9b2J the thing",
                                   "Ship \x07 the thing"])
def test_a_terminal_escape_7_bit_or_8_bit_in_a_text_is_refused(goals, lead, title):
    """The 8-bit controls (C1: \x9b is a terminal's CSI, as ESC [ is) went through where the
    7-bit ones were refused, to be shown in Slack, mail and the page as sent."""
    body = json.dumps({"title": title, "why": "w", "due_date": "2030-01-01"}).encode()
    response = post_raw(goals, lead["token"], body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"]["title"] == ["Must not contain control characters."]
    assert goal_count(goals) == 0


@pytest.mark.parametrize(
    "title",
    [
        "Publish 3 posts 🚀🚀🚀",
        "Écrire 3 articles",
        "\u202eRTL override 3 posts",
        "三篇文章 3",
    ],
)
def test_unicode_that_can_be_stored_round_trips(goals, lead, title):
    body = json.dumps({"title": title, "why": "w", "due_date": "2030-01-01"}).encode()
    response = post_raw(goals, lead["token"], body)
    assert response.status_code == 201, response.get_json()
    fetched = goals.client.get(
        f"/v1/goals/{response.get_json()['id']}", headers=auth(lead["token"])
    )
    assert fetched.get_json()["title"] == title


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.2/services/x",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.1/hook",
        "https://192.168.1.1/hook",
        "https://[::1]/hook",
        "https://2130706433/hook",
        "http://hooks.slack.com/services/T/B/X",
        "https://hooks.slack.com.evil.example/services/T/B/X",
        "https://user:pw@hooks.slack.com/x",
        "ftp://hooks.slack.com/x",
        "javascript:alert(1)",
    ],
)
def test_webhook_urls_off_the_allow_list_are_refused(make_service, url):
    notifications = make_service(
        "notifications", start_worker=False, GOALKEEPER_WEBHOOK_ALLOWLIST=""
    )
    token = notifications.container.tokens.issue("team-1", "lead-1", "lead")
    response = notifications.client.post(
        "/v1/teams/team-1/channels", headers=auth(token), json={"type": "slack", "webhook_url": url}
    )
    assert response.status_code == 422, response.get_json()
    assert "webhook_url" in response.get_json()["errors"]
    listed = notifications.client.get("/v1/teams/team-1/channels", headers=auth(token))
    assert listed.get_json()["items"] == []


def test_a_slack_request_replayed_after_the_window_is_refused(make_service):
    notifications = make_service("notifications", start_worker=False)
    body = urlencode(
        {"command": "/goals", "text": "help", "user_id": "U1", "team_id": "T1", "response_url": ""}
    )
    stale = str(int(time.time()) - 301)
    secret = notifications.settings.slack_signing_secret.encode()
    digest = hmac.new(secret, f"v0:{stale}:{body}".encode(), hashlib.sha256).hexdigest()
    response = notifications.client.post(
        "/slack/commands",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Slack-Request-Timestamp": stale, "X-Slack-Signature": f"v0={digest}"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("query", "named", "says"),
    [
        ("?health=at_risk&health=off_track", "health", "Given more than once"),
        ("?limit=5&limit=50", "limit", "Given more than once"),
        ("?ownerid=x", "ownerid", "Unknown field"),
    ],
)
def test_a_query_parameter_repeated_or_unknown_is_refused_by_name(goals, lead, query, named,
                                                                   says):
    response = goals.client.get(f"/v1/goals{query}", headers=auth(lead["token"]))
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    messages = response.get_json()["errors"][named]
    assert any(says in m for m in messages), messages


def test_a_query_parameter_given_once_is_read(goals, lead):
    body = json.dumps({"title": "Close 20 support tickets", "why": "w", "due_date": "2030-01-01"})
    created = post_raw(goals, lead["token"], body.encode()).get_json()
    response = goals.client.get("/v1/goals?status=active&limit=5", headers=auth(lead["token"]))
    assert response.status_code == 200, response.get_json()
    assert [g["id"] for g in response.get_json()["items"]] == [created["id"]]
    other = goals.client.get("/v1/goals?status=achieved&limit=5", headers=auth(lead["token"]))
    assert other.status_code == 200, other.get_json()
    assert other.get_json()["items"] == []


@pytest.mark.parametrize("given", [0, 1, 0.0, "true", "no", None, [True]])
def test_a_boolean_in_a_body_is_true_or_false_only(goals, lead, given):
    """`"require_smart": 0` or `"yes"` is refused by name, not read as a guess: the spec says
    boolean (every request schema's body booleans are `shared.schema_fields.JsonBoolean`)."""
    path = f"/v1/teams/{lead['team_id']}"
    response = goals.client.patch(path, headers=auth(lead["token"]),
                                  json={"require_smart": given})
    assert response.status_code == 422, response.get_json()
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "require_smart" in response.get_json()["errors"], response.get_json()
    team = goals.client.get(path, headers=auth(lead["token"])).get_json()
    assert team["require_smart"] is False


def test_a_boolean_in_a_body_given_as_json_true_is_read(goals, lead):
    path = f"/v1/teams/{lead['team_id']}"
    response = goals.client.patch(path, headers=auth(lead["token"]), json={"require_smart": True})
    assert response.status_code == 200, response.get_json()
    assert goals.client.get(path, headers=auth(lead["token"])).get_json()["require_smart"] is True


@pytest.mark.parametrize(("extra", "named"), [
    ({"cadence": {"frequency": "weekly", "weekday": 2.5}}, "cadence.weekday"),
    ({"cadence": {"frequency": "weekly", "weekday": "2"}}, "cadence.weekday"),
    ({"metric": {"unit": "tickets", "start": "0", "target": 20}}, "metric.start"),
    ({"parent_weight": "1"}, "parent_weight"),
])
def test_a_number_in_a_body_is_a_json_number_and_an_integer_a_whole_one(goals, lead, extra,
                                                                          named):
    """`"weekday": 2.5` is not read as 2, nor `"start": "0"` as 0: 422 naming the field, and
    no goal is made."""
    body = {"title": "Close 20 support tickets", "why": "w", "due_date": "2030-01-01", **extra}
    response = post_raw(goals, lead["token"], json.dumps(body).encode())
    assert response.status_code == 422, response.get_json()
    assert list(response.get_json()["errors"]) == [named], response.get_json()
    assert goal_count(goals) == 0


@pytest.mark.parametrize(("body", "errors", "detail"), [
    ([1, 2], {"_schema": ["The body must be a JSON object."]}, "The body must be a JSON object."),
    ("Close 20 tickets", {"_schema": ["The body must be a JSON object."]},
     "The body must be a JSON object."),
    ({"title": "Close 20 support tickets", "why": "w", "due_date": "2030-01-01",
      "metric": "20 tickets"}, {"metric": ["Must be a JSON object."]}, "Invalid fields: metric"),
])
def test_a_body_or_a_nested_value_that_is_not_an_object_is_told_so(goals, lead, body, errors,
                                                                    detail):
    """marshmallow says "Invalid input type." of a body that is an array, or of `metric` given
    as a string; the client is told an object was expected, and no goal is made."""
    response = post_raw(goals, lead["token"], json.dumps(body).encode())

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["errors"] == errors
    assert response.get_json()["detail"] == detail
    assert goal_count(goals) == 0


def test_every_boolean_and_number_a_request_body_takes_is_read_strictly(make_service):
    """Every body field of the three services' operations (nested ones too) that is a boolean
    is a JsonBoolean, every number a JsonFloat and every integer strict: marshmallow's lenient
    Integer reads `"hour": 9.5` as 9 and `"weekday": "3"` as 3."""
    lenient, walked = [], set()
    for service in ("goals", "checkins", "notifications"):
        app = make_service(service, start_worker=False).app
        for label, schema in _body_schemas(app):
            walked |= {path for path, _ in _fields_of(schema)}
            lenient += [f"{label}: {path}" for path, field in _fields_of(schema)
                        if isinstance(field, fields.Boolean) and not isinstance(field, JsonBoolean)
                        or isinstance(field, fields.Integer) and not field.strict
                        or isinstance(field, fields.Float) and not isinstance(field, JsonFloat)]
    assert sorted(set(lenient)) == [], "\n".join(sorted(set(lenient)))
    # the walk reaches the bodies it checks, nested fields included (an empty walk finds none)
    assert {"opted_out", "require_smart", "hour", "confidence", "value",
            "cadence.weekday", "metric.start", "lead.default_cadence.weekday"} <= walked, walked


def _body_schemas(app):
    for endpoint, view in app.view_functions.items():
        for method in ("post", "put", "patch", "delete"):
            doc = getattr(getattr(getattr(view, "view_class", None), method, None), "_apidoc", {})
            for parameter in doc.get("arguments", {}).get("parameters", []):
                if parameter["in"] == "json":
                    yield f"{method.upper()} {endpoint}", parameter["schema"]


def _fields_of(schema, prefix=""):
    schema = schema() if isinstance(schema, type) else schema
    for name, field in schema.fields.items():
        while isinstance(field, fields.List):
            field = field.inner
        yield prefix + name, field
        if isinstance(field, fields.Nested):
            yield from _fields_of(field.schema, f"{prefix}{name}.")
