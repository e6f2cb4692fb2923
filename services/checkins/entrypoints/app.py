"""WSGI entry point: `gunicorn 'services.checkins.entrypoints.app:create_app()'`."""

from services.checkins.bootstrap import bootstrap
from services.checkins.entrypoints import (
    calendar_views,
    checkin_views,
    due_views,
    partner_views,
)
from services.checkins.entrypoints.blueprints import checkin_items, goal_checkins, teams
from shared.web import create_service_app

VIEWS = (checkin_views, partner_views, calendar_views, due_views)  # they register routes


def create_app(container=None):
    return create_service_app(container or bootstrap(), [goal_checkins, checkin_items, teams,
                                                     calendar_views.calendar],
                              title="Goalkeeper checkins")
