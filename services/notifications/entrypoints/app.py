"""WSGI entry point: `gunicorn 'services.notifications.entrypoints.app:create_app()'`."""

from services.notifications.bootstrap import bootstrap
from services.notifications.entrypoints import (
    channel_views,
    email_views,
    me_views,
    slack_app_views,
    slack_link_views,
    slack_views,
)
from services.notifications.entrypoints.blueprints import channels, email, me, slack
from shared.web import create_service_app

# imported to register routes
VIEWS = (channel_views, me_views, slack_views, slack_app_views, slack_link_views, email_views)


def create_app(container=None):
    return create_service_app(container or bootstrap(), [channels, me, slack, email],
                              title="Goalkeeper notifications")
