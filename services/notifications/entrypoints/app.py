"""WSGI entry point: `gunicorn 'services.notifications.entrypoints.app:create_app()'`."""

from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints.api import channels
from services.notifications.entrypoints.me_api import me
from services.notifications.entrypoints.slack_api import slack
from shared.web import create_service_app


def create_app(container=None):
    return create_service_app(container or bootstrap(), [channels, me, slack],
                              title="Goalkeeper notifications")
