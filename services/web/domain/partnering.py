"""Who a member may invite to be their accountability partner, and their open invitations, by
the checkins service's rules (one open partnership or invitation per pair)."""

from __future__ import annotations

from services.web.domain.sentence import full_stop

ACTIVE = ("active",)
OPEN = ("invited", *ACTIVE)  # the partnerships a page needs: ended ones are history


def invitable(members: list[dict], partnerships: list[dict], me: str) -> list[dict]:
    """The teammates `me` may invite: in the team still, and neither partnered with `me` nor
    invited either way (the checkins service refuses those, 409)."""
    taken = {m for p in partnerships if p.get("status") in OPEN and me in p["member_ids"]
             for m in p["member_ids"]} | {me}
    return [m for m in members if m["id"] not in taken and m.get("state") != "left"]


def invitations(partnerships: list[dict], me: str) -> list[dict]:
    """`me`'s open invitations: each with the other member and whether it came to `me` (to
    accept or decline) or from `me` (to withdraw)."""
    return [{"id": p["id"], "other": next(m for m in p["member_ids"] if m != me),
             "incoming": p.get("invited_by") != me}
            for p in partnerships if p.get("status") == "invited" and me in p["member_ids"]]


INVITED_BEFORE = ("This form was already sent with another teammate chosen, and that "
                  "invitation was sent: it is listed above. Send the form again to invite this "
                  "one as well.")


def not_invited(detail: str) -> str:
    """Why the checkins service refused an invitation, in the picker's words."""
    return full_stop(f"No invitation was sent: {detail}")

