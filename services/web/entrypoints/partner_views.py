"""Partners: my accountability partners and the goals they let me see; pairing rounds."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from services.web.adapters.api_client import Forbidden, FormErrors, Listing, Unavailable
from services.web.domain.board import goals_of_each, partner_ids_of
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import partners


@partners.get("")
@http.member_required
def show():
    return render_template("partners/show.html", **_partners_context())


def _partners_context() -> dict:
    """The partners page's: my partners, each with the goals of theirs I may see."""
    me = http.current_member()
    api = http.api()
    partnerships = api.partnerships(me.team_id)
    mine = set() if isinstance(partnerships, Unavailable) else partner_ids_of(partnerships, me.id)
    names, goals = api.together(lambda: api.names(me.team_id, mine),
                                lambda: api.goals(owner_id=sorted(mine)) if mine else Listing())
    each = goals_of_each(goals or [], mine)
    return dict(
        partners_down=isinstance(partnerships, Unavailable),
        goals_down=isinstance(goals, Unavailable), cut=getattr(goals, "cut", False), names=names,
        partners=[{"id": pid, "name": names.get(pid, "a teammate"), "goals": each[pid]}
                  for pid in sorted(mine, key=lambda pid: names.get(pid, ""))])


@partners.get("/rounds")
@http.member_required
def rounds():
    me = http.current_member()
    items = http.api().pairing_rounds(me.team_id)
    names = http.api().names(me.team_id, {i for r in items or [] for g in r["groups"] for i in g})
    template = "partners/_rounds.html" if http.is_htmx() else "partners/rounds.html"
    return render_template(template, rounds=items, names=names,
                           rounds_down=isinstance(items, Unavailable))


@partners.post("/rounds")
@http.member_required
def run_round():
    """Run a pairing round (the checkins service says who may: a lead). A refusal shows its
    reason on the partners page, above its rounds."""
    try:
        http.api().run_round(http.current_member().team_id)
    except (FormErrors, Forbidden) as refused:
        why = f"No round was run: {refused.detail.rstrip('.')}."
        return render_template("partners/show.html", round_error=why,
                               **_partners_context()), refused.status
    return redirect(url_for("partners.rounds"))
