"""HTTP views of partnerships, the pairing opt-out, pairing rounds and their schedule."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.checkins.entrypoints import partner_schemas as schemas
from services.checkins.service_layer import partners, rounds
from shared.pagination import PageArgs
from shared.web import container, require_lead, require_team

teams = Blueprint("partners", __name__, url_prefix="/v1/teams",
                  description="Accountability partners and pairing rounds")


@teams.route("/<team_id>/partnerships")
class Partnerships(MethodView):
    @teams.arguments(schemas.InviteIn)
    @teams.response(201, schemas.PartnershipOut)
    def post(self, body, team_id):
        """Invite a teammate to be your accountability partner."""
        principal = require_team(team_id)
        c = container()
        return partners.invite(team_id, body["member_id"], principal, c.uow(), c.clock)

    @teams.arguments(PageArgs, location="query")
    @teams.response(200, schemas.PartnershipPage)
    def get(self, args, team_id):
        """The team's partnerships, newest first."""
        require_team(team_id)
        items, cursor = partners.list_partnerships(team_id, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}


@teams.route("/<team_id>/partnerships/<partnership_id>/accept")
class AcceptPartnership(MethodView):
    @teams.response(200, schemas.PartnershipOut)
    def post(self, team_id, partnership_id):
        """The invited member accepts; the partnership starts."""
        c = container()
        return partners.accept(team_id, partnership_id, require_team(team_id), c.uow(), c.clock)


@teams.route("/<team_id>/partnerships/<partnership_id>/end")
class EndPartnership(MethodView):
    @teams.response(200, schemas.PartnershipOut)
    def post(self, team_id, partnership_id):
        """Either partner ends the partnership (or declines or withdraws an invitation)."""
        c = container()
        return partners.end(team_id, partnership_id, require_team(team_id), c.uow(), c.clock)


@teams.route("/<team_id>/members/<member_id>/pairing")
class PairingPreference(MethodView):
    @teams.arguments(schemas.OptOutIn)
    @teams.response(200, schemas.OptOutOut)
    def put(self, body, team_id, member_id):
        """Opt out of (or back into) pairing rounds; the member themself or a lead."""
        c = container()
        return partners.set_opt_out(team_id, member_id, body["opted_out"],
                                    require_team(team_id), c.uow(), c.clock)

    @teams.response(200, schemas.OptOutOut)
    def get(self, team_id, member_id):
        return partners.get_opt_out(team_id, member_id, require_team(team_id), container().uow())


@teams.route("/<team_id>/pairing-rounds")
class PairingRounds(MethodView):
    @teams.arguments(schemas.RoundIn)
    @teams.response(201, schemas.RoundOut)
    def post(self, body, team_id):
        """Run a pairing round now (lead). The same seed and history give the same round."""
        principal = require_lead(team_id)
        c = container()
        return rounds.run_round(rounds.RunRound(team_id, **body), principal, c.uow(), c.clock)

    @teams.arguments(PageArgs, location="query")
    @teams.response(200, schemas.RoundPage)
    def get(self, args, team_id):
        """The team's rounds, newest first."""
        require_team(team_id)
        items, cursor = rounds.list_rounds(team_id, container().uow(), **args)
        return {"items": items, "next_cursor": cursor}


@teams.route("/<team_id>/pairing-rounds/<round_id>")
class PairingRound(MethodView):
    @teams.response(200, schemas.RoundOut)
    def get(self, team_id, round_id):
        require_team(team_id)
        return rounds.get_round(team_id, round_id, container().uow())


@teams.route("/<team_id>/pairing-schedule")
class PairingSchedule(MethodView):
    @teams.arguments(schemas.ScheduleIn)
    @teams.response(200, schemas.ScheduleOut)
    def put(self, body, team_id):
        """Run rounds every N days (lead)."""
        require_lead(team_id)
        c = container()
        return rounds.set_schedule(team_id, body["every_days"], body["cooldown"],
                                   body["first_run_at"], c.uow(), c.clock)

    @teams.response(200, schemas.ScheduleOut)
    def get(self, team_id):
        require_team(team_id)
        return rounds.get_schedule(team_id, container().uow())

    @teams.response(204)
    def delete(self, team_id):
        require_lead(team_id)
        rounds.delete_schedule(team_id, container().uow())
