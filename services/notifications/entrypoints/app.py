"""WSGI entry point: `gunicorn 'services.notifications.entrypoints.app:create_app()'`."""

from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints import channel_views, me_views, slack_views
from services.notifications.entrypoints.blueprints import channels, me, slack
from shared.web import create_service_app

VIEWS = (channel_views, me_views, slack_views)  # imported to register routes


def create_app(container=None):
    return create_service_app(container or bootstrap(), [channels, me, slack],
                              title="Goalkeeper notifications")
