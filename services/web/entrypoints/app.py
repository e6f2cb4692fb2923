"""`create_app(container)`: the web app (gunicorn's entrypoint is `create_app()`)."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from functools import partial

from flask import Flask, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface

from services.web import config
from services.web.adapters.api_client import (
    Forbidden,
    FormErrors,
    NotFound,
    ServiceUnavailable,
    SignedOut,
)
from services.web.bootstrap import WebContainer, bootstrap
from services.web.domain.board import HEADINGS, ICONS, group_of
from services.web.domain.feed_text import lines_of
from services.web.domain.form_values import takes_figure
from services.web.domain.history_text import history_line
from services.web.domain.sentence import days_in_words, upper_first
from services.web.domain.smart_text import CRITERIA as SMART_CRITERIA
from services.web.domain.smart_text import hint_in_words
from services.web.domain.status_text import CHANNEL_TYPES, WORDS, in_words
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import (
    auth,
    board,
    goals,
    me,
    partners,
    slack,
    team,
    week,
)
from services.web.service_layer.edit_form_handlers import AS_READ as EDIT_AS_READ
from services.web.service_layer.preference_form_handlers import MUTABLE
from shared.moments import MOMENT_FORMAT
from shared.numbers import days_to_spare, figure
from shared.streak_text import streak_length

log = logging.getLogger(__name__)
DAY_FORMAT = "%a %d %b %Y"  # how the web app writes a day
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(web: WebContainer | None = None) -> Flask:
    web = web or bootstrap(config.load())
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=web.settings.session_secret,
        SESSION_COOKIE_NAME="goalkeeper_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=web.sessions.lifetime,  # the cookie slides on each answer
        TESTING=web.settings.testing,
    )
    app.extensions["web"] = web
    app.session_interface = _SessionInterface()
    from services.web.entrypoints import (  # noqa: F401  (the views register their routes)
        auth_views,
        board_views,
        feed_views,
        goal_views,
        lifecycle_views,
        partner_views,
        slack_views,
        team_views,
        week_views,
    )

    for blueprint in (auth, board, goals, partners, me, slack, team, week):
        app.register_blueprint(blueprint)
    _register_template_helpers(app)
    _register_errors(app)
    app.before_request(http.check_csrf)
    app.after_request(_security_headers)
    return app


class _SessionInterface(SecureCookieSessionInterface):
    """The signed cookie session, marked Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure


def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":  # a page's URL may answer htmx a fragment of it
        response.vary.add("HX-Request")
    return response


def _local(value, fmt: str = MOMENT_FORMAT) -> str:
    """A timestamp from an API, shown in the signed-in member's time zone; a day (a `date`, or
    an API's ISO date) as it is, "Thu 03 Dec 2026"."""
    if not value:
        return ""
    if isinstance(value, str) and "T" not in value:
        value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime(DAY_FORMAT)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(http.member_zone()).strftime(fmt)


def _feed_lines(text: str):
    """A feed item's mrkdwn text as lines of plain and bold parts, its moments in the signed-in
    member's time zone (`domain.feed_text`)."""
    return lines_of(text, http.member_zone())


def _number(value, signed: bool = False) -> str:
    """A number as every service writes it (`shared.numbers`): 12.0 -> "12", 1e6 ->
    "1,000,000"; `signed` for a change: "+2"."""
    return "" if value is None else figure(value, signed=signed)


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["local"] = _local
    app.jinja_env.filters["num"] = _number
    app.jinja_env.filters["spare"] = days_to_spare
    app.jinja_env.filters["feed_lines"] = _feed_lines
    app.jinja_env.filters["history_line"] = history_line
    app.jinja_env.filters["upper_first"] = upper_first
    app.jinja_env.filters["streak"] = streak_length
    app.jinja_env.filters["smart_hint"] = lambda hint: hint_in_words(hint, _local)
    app.jinja_env.filters["days"] = lambda reason: days_in_words(reason, _local)
    for kind, words in WORDS.items():
        app.jinja_env.filters[kind] = partial(in_words, words)
    app.jinja_env.globals.update(csrf_token=http.csrf_token, member=http.current_member,
                                 new_key=lambda: str(uuid.uuid4()),
                                 HEADINGS=HEADINGS, ICONS=ICONS, group_of=group_of,
                                 MUTABLE=MUTABLE, takes_figure=takes_figure,
                                 EDIT_AS_READ=EDIT_AS_READ, SMART_CRITERIA=SMART_CRITERIA,
                                 CHANNEL_TYPES=CHANNEL_TYPES)


def _page(template: str, status: int, **context):
    """An error page; to htmx, its content swapped in as the page's content (not dropped, nor
    picked through the element's own `hx-select`, which finds nothing in it), without the
    layout around it, which the page has already."""
    response = make_response(render_template(template, **context), status)
    if http.is_htmx():
        response.headers["HX-Retarget"] = "main"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Reselect"] = "main > *"
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(SignedOut)
    def _signed_out(error: SignedOut):
        http.sign_out()
        return http.to_sign_in(ended=True, member_left=error.member_left)

    @app.errorhandler(NotFound)
    @app.errorhandler(404)
    def _not_found(_error):
        return _page("errors/404.html", 404)

    @app.errorhandler(Forbidden)
    @app.errorhandler(403)
    def _forbidden(error):
        return _page("errors/403.html", 403, detail=getattr(error, "detail", ""))

    @app.errorhandler(405)
    def _not_a_page(_error):  # a form's address opened as a page (typed, reloaded, bookmarked)
        return _page("errors/405.html", 405, back=http.nearest_page(request.path))

    @app.errorhandler(400)
    def _bad_request(error):
        return _page("errors/400.html", 400, detail=error.description)

    @app.errorhandler(FormErrors)
    def _refused(error: FormErrors):  # a refusal no form of the page was there to show
        return _page("errors/400.html", error.status, detail=error.detail)

    @app.errorhandler(ServiceUnavailable)
    def _unavailable(error: ServiceUnavailable):
        return _page("errors/503.html", 503, service=error.service)
