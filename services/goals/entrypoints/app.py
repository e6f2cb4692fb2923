"""WSGI entry point: `gunicorn 'services.goals.entrypoints.app:create_app()'`."""

from services.goals.bootstrap import bootstrap
from services.goals.entrypoints.api import goals, teams
from shared.web import create_service_app


def create_app(container=None):
    return create_service_app(container or bootstrap(), [teams, goals], title="Goalkeeper goals")
