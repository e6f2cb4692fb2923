"""The goals service's own kinds of domain error (their HTTP status follows from the kind)."""

from shared.domain import Conflict


class InviteUsed(Conflict):
    """An invite link is good for one sign-in only."""


class InviteExpired(Conflict):
    """An invite link lasts seven days."""


class InviteCancelled(Conflict):
    """An invite link stops when its member's or its sender's access is revoked."""
