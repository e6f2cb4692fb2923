"""How every service writes a number for people: the web app's pages, Slack, Teams and mail.

One rule, so that a check-in of 1234567.5 steps reads the same everywhere: thousands grouped
(`1,234,567.5`), never in scientific notation (`1.23457e+06`, Python's `:g`), and in all the
digits members typed, to 12 significant digits (so `0.1 + 0.2`, a sum of deltas, is `0.3`).
"""

from __future__ import annotations

import math
from decimal import Decimal

SIGNIFICANT = 12  # a float's typed value survives; its binary noise does not
FIGURE_BOUND = 1e12
"""The largest a metric's figure (start, target, current) or a check-in's value or delta may be,
either way: what goals holds, however the figure comes (the APIs, Slack)."""
# The minus sign (U+2212, what macOS and many phones type) and the dashes typed for one (hyphen,
# non-breaking hyphen, figure dash, en dash, small and fullwidth hyphen-minus): the
# hyphen-minus a number is read with, in Slack and in the web app's forms alike.
MINUS_SIGNS = "\u2212\u2010\u2011\u2012\u2013\ufe63\uff0d"
_TO_HYPHEN_MINUS = str.maketrans(dict.fromkeys(MINUS_SIGNS, "-"))


def with_hyphen_minus(typed: str) -> str:
    """`typed` with each of `MINUS_SIGNS` as the hyphen-minus: `−3` is `-3`."""
    return typed.translate(_TO_HYPHEN_MINUS)


def figure(value: float, *, signed: bool = False) -> str:
    """`value` for people: `1,000,000`, `12.345`, `0.005`, `0`; `signed` gives a change its
    sign (`+2`, `-0.5`)."""
    exact = Decimal(f"{float(value) + 0.0:.{SIGNIFICANT}g}")  # + 0.0: -0.0 reads as 0
    text = f"{exact:{'+' if signed else ''},f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def days_to_spare(days: float) -> str:
    """A goal's days of safety in words, in whole days on the cautious side: 3.6 days is
    "3 days to spare", -0.5 is "1 day short", under one day to spare is "no day to spare"."""
    if days < 0:
        return f"{_days(math.ceil(-days))} short"
    spare = math.floor(days)
    return "no day to spare" if spare == 0 else f"{_days(spare)} to spare"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def figure_range() -> tuple[str, str]:
    """The lowest and highest figure (`FIGURE_BOUND`) as people read them, for the messages
    that refuse one beyond: ("-1,000,000,000,000", "1,000,000,000,000")."""
    return figure(-FIGURE_BOUND), figure(FIGURE_BOUND)
