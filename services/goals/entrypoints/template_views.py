"""HTTP views for goal templates."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints import goal_schemas as gs
from services.goals.entrypoints import plan_schemas as s
from services.goals.entrypoints.blueprints import templates
from services.goals.entrypoints.presenters import etag, present_goal
from services.goals.entrypoints.template_params import load_parameters
from services.goals.service_layer import templates as handlers
from shared.web import container, require_member


@templates.route("")
class TemplateCollection(MethodView):
    @templates.response(200, s.TemplateList)
    def get(self):
        """The catalogue of goal templates and the parameters each takes."""
        require_member()
        return {"items": handlers.catalogue()}


@templates.route("/<key>/instantiate")
class TemplateInstance(MethodView):
    @templates.arguments(s.InstantiateIn)
    @templates.response(201, gs.GoalOut)
    def post(self, body, key):
        """Fill a template with parameters: saved as a SMART draft goal owned by the caller."""
        principal = require_member()
        c = container()
        parameters = load_parameters(handlers.template(key), body.pop("parameters"))
        read = handlers.instantiate(key, parameters, body, principal, c.uow(), c.clock)
        return present_goal(read), 201, etag(read)
