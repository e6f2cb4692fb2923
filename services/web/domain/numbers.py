"""How every number reads on a page: 1,000,000 and 12.35, never 1e+06."""

from __future__ import annotations


def number(value: float, *, signed: bool = False) -> str:
    """Up to 2 decimals without trailing zeros, thousands separated, never in scientific
    notation; `signed` gives a change its sign (+2, -0.5). 1250000.5 -> "1,250,000.5"."""
    rounded = round(float(value), 2) + 0.0  # + 0.0: -0.0 reads as 0
    text = f"{rounded:{'+' if signed else ''},.2f}"
    return text.rstrip("0").rstrip(".")
