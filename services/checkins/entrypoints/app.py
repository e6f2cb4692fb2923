"""WSGI entry point: `gunicorn 'services.checkins.entrypoints.app:create_app()'`."""

from services.checkins.bootstrap import bootstrap
from services.checkins.entrypoints.api import checkins
from shared.web import create_service_app


def create_app(container=None):
    return create_service_app(container or bootstrap(), [checkins], title="Goalkeeper checkins")
