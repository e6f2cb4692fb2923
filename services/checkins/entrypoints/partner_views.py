"""HTTP views of partnerships, the pairing opt-out, pairing rounds and their schedule."""

from __future__ import annotations

from flask.views import MethodView

from services.checkins.entrypoints.blueprints import teams
from services.checkins.entrypoints.partner_schemas import (
    InviteIn,
    OptOutIn,
    OptOutOut,
    PartnershipListArgs,
    PartnershipOut,
    PartnershipPage,
    RoundIn,
    RoundOut,
    RoundPage,
    ScheduleIn,
    ScheduleOut,
)
from services.checkins.service_layer.commands import (
    AcceptPartnership,
    DeletePairingSchedule,
    EndPartnership,
    GetPairingOptOut,
    GetPairingSchedule,
    GetRound,
    InvitePartner,
    ListPartnerships,
    ListRounds,
    RunRound,
    SetPairingOptOut,
    SetPairingSchedule,
)
from shared.idempotency import IDEMPOTENCY_KEY_DOC, idempotent_request, replayed
from shared.pagination import PageArgs
from shared.web import bus, require_lead, require_team


@teams.route("/<team_id>/partnerships")
class Partnerships(MethodView):
    @teams.arguments(InviteIn)
    @teams.response(201, PartnershipOut)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, team_id):
        """Invite a teammate to be your accountability partner. A retry with the same
        Idempotency-Key invites no one again and gets the first answer."""
        actor = require_team(team_id)
        invited = bus().handle(InvitePartner(actor, team_id, body["member_id"],
                                             idempotency=idempotent_request(actor.member_id)))
        return replayed(invited.replayed) if invited.replayed else invited.made

    @teams.arguments(PartnershipListArgs, location="query")
    @teams.response(200, PartnershipPage)
    def get(self, args, team_id):
        """The team's partnerships, newest first; with `status`, only those in any of them
        (the open ones: invited and active)."""
        status = tuple(args.pop("status", ()))
        items, cursor = bus().handle(ListPartnerships(require_team(team_id), team_id, **args,
                                                      status=status))
        return {"items": items, "next_cursor": cursor}


@teams.route("/<team_id>/partnerships/<partnership_id>/accept")
class AcceptPartnershipView(MethodView):
    @teams.response(200, PartnershipOut)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, team_id, partnership_id):
        """The invited member accepts; the partnership starts. A retry with the same
        Idempotency-Key gets the first answer."""
        return _answered(AcceptPartnership, team_id, partnership_id)


@teams.route("/<team_id>/partnerships/<partnership_id>/end")
class EndPartnershipView(MethodView):
    @teams.response(200, PartnershipOut)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, team_id, partnership_id):
        """A partner ends the partnership (or declines or withdraws an invitation); the
        other two of a group of three stay partners. A retry with the same Idempotency-Key
        gets the first answer."""
        return _answered(EndPartnership, team_id, partnership_id)


def _answered(command: type[AcceptPartnership] | type[EndPartnership], team_id: str,
              partnership_id: str):
    """The partnership as the member's answer left it, or the first answer replayed."""
    actor = require_team(team_id)
    answered = bus().handle(command(actor, team_id, partnership_id,
                                    idempotency=idempotent_request(actor.member_id)))
    return replayed(answered.replayed) if answered.replayed else answered.made


@teams.route("/<team_id>/members/<member_id>/pairing")
class PairingPreference(MethodView):
    @teams.arguments(OptOutIn)
    @teams.response(200, OptOutOut)
    def put(self, body, team_id, member_id):
        """Opt out of (or back into) pairing rounds; the member themself or a lead."""
        return bus().handle(SetPairingOptOut(require_team(team_id), team_id, member_id,
                                             body["opted_out"]))

    @teams.response(200, OptOutOut)
    def get(self, team_id, member_id):
        """Whether the member is opted out of pairing rounds."""
        return bus().handle(GetPairingOptOut(require_team(team_id), team_id, member_id))


@teams.route("/<team_id>/pairing-rounds")
class PairingRounds(MethodView):
    @teams.arguments(RoundIn)
    @teams.response(201, RoundOut)
    @teams.doc(**IDEMPOTENCY_KEY_DOC)
    def post(self, body, team_id):
        """Run a pairing round now (lead). The same seed and history give the same round. A
        retry with the same Idempotency-Key runs no new round and gets the first answer."""
        actor = require_lead(team_id)
        ran = bus().handle(RunRound(actor, team_id, **body,
                                    idempotency=idempotent_request(actor.member_id)))
        return replayed(ran.replayed) if ran.replayed else ran.made

    @teams.arguments(PageArgs, location="query")
    @teams.response(200, RoundPage)
    def get(self, args, team_id):
        """The team's rounds, newest first."""
        items, cursor = bus().handle(ListRounds(require_team(team_id), team_id, **args))
        return {"items": items, "next_cursor": cursor}


@teams.route("/<team_id>/pairing-rounds/<round_id>")
class PairingRound(MethodView):
    @teams.response(200, RoundOut)
    def get(self, team_id, round_id):
        """One round: its groups, the pairs it repeated and who it left out."""
        return bus().handle(GetRound(require_team(team_id), team_id, round_id))


@teams.route("/<team_id>/pairing-schedule")
class PairingSchedule(MethodView):
    @teams.arguments(ScheduleIn)
    @teams.response(200, ScheduleOut)
    def put(self, body, team_id):
        """Run rounds every N days (lead)."""
        return bus().handle(SetPairingSchedule(require_lead(team_id), team_id, **body))

    @teams.response(200, ScheduleOut)
    def get(self, team_id):
        """How often rounds run and when the next one does; 404 while the team has none."""
        return bus().handle(GetPairingSchedule(require_team(team_id), team_id))

    @teams.response(204)
    def delete(self, team_id):
        """Stop running rounds on a schedule (lead); 404 while the team has none."""
        bus().handle(DeletePairingSchedule(require_lead(team_id), team_id))
