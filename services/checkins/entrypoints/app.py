"""WSGI entry point: `gunicorn 'services.checkins.entrypoints.app:create_app()'`."""

from services.checkins.bootstrap import bootstrap
from services.checkins.entrypoints.api import checkin_items, goal_checkins
from services.checkins.entrypoints.partners_api import teams
from shared.web import create_service_app


def create_app(container=None):
    return create_service_app(container or bootstrap(), [goal_checkins, checkin_items, teams],
                              title="Goalkeeper checkins")
