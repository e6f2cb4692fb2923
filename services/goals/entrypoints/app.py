"""WSGI entry point: `gunicorn 'services.goals.entrypoints.app:create_app()'`."""

from services.goals.bootstrap import bootstrap
from services.goals.entrypoints import (
    goal_views,
    invite_views,
    lifecycle_views,
    plan_views,
    team_views,
    template_views,
)
from services.goals.entrypoints.blueprints import goals, invites, sign_in, teams, templates
from shared.web import create_service_app

# imported to register their routes on the blueprints
VIEWS = (team_views, goal_views, plan_views, lifecycle_views, template_views, invite_views)


def create_app(container=None):
    return create_service_app(container or bootstrap(), [teams, goals, templates, invites, sign_in],
                              title="Goalkeeper goals")
