"""The validator of an event type a request names (a channel's filter, a member's mute), shared
by the schemas that take one. What each caller allows, and which types it knows, is its own."""

from collections.abc import Callable

from marshmallow import ValidationError


def event_type_among(allowed: tuple[str, ...], refused: str, may: str, *,
                     known: Callable[[str], bool] | None = None,
                     unknown: str | None = None) -> Callable[[str], None]:
    """A validator of an event type: one of `allowed`, or refused with `refused`, then `may`
    and the list (`may: a, b.`). `known` and `unknown`, given together, tell a type the caller
    knows from one it does not, refused with `unknown` instead. `{value}` in either sentence is
    the value refused, quoted."""
    if (known is None) != (unknown is None):
        raise TypeError("give `known` and `unknown` together, or neither")

    def check(value: str) -> None:
        if value in allowed:
            return
        said = refused if known is None or known(value) else unknown
        raise ValidationError(f"{said.format(value=repr(value))} {may}: {', '.join(allowed)}.")

    return check
