"""HTTP views for goal templates."""

from __future__ import annotations

from flask.views import MethodView

from services.goals.entrypoints.blueprints import templates
from services.goals.entrypoints.goal_schemas import GoalOut
from services.goals.entrypoints.http import answered_goal
from services.goals.entrypoints.template_schemas import (
    InstantiateIn,
    TemplateList,
    load_parameters,
)
from services.goals.service_layer.commands import GetTemplate, InstantiateTemplate, ListTemplates
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request
from shared.web import bus, require_member


@templates.route("")
class TemplateCollection(MethodView):
    @templates.response(200, TemplateList)
    def get(self):
        """The catalogue of goal templates and the parameters each takes."""
        return {"items": bus().handle(ListTemplates(require_member()))}


@templates.route("/<key>/instantiate")
class TemplateInstance(MethodView):
    @templates.arguments(InstantiateIn)
    @templates.response(201, GoalOut)
    @templates.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, key):
        """Fill a template with parameters: saved as a SMART draft goal owned by the caller. A
        retry with the same Idempotency-Key creates nothing new and gets the first answer."""
        principal = require_member()
        template = bus().handle(GetTemplate(principal, key))
        parameters = load_parameters(template, body.pop("parameters"))
        created = bus().handle(InstantiateTemplate(
            principal, key, parameters, **body,
            idempotency=idempotent_request(principal.member_id)))
        return answered_goal(created, 201)
