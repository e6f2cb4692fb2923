"""A goal's status as the APIs' messages say it to people (the web app and Slack show them
verbatim): "this one is closed as partly reached", never the API's name `partial`; and
the statuses as every service reads them: all of them (`STATUSES`), the one a goal takes
check-ins in (`TAKES_CHECKINS`), those of a goal not reached yet nor given up (`CURRENT`),
those that close a goal (`CLOSED`) or make its figures final (`FINAL`)."""

from __future__ import annotations

TAKES_CHECKINS = "active"  # the one status a goal is checked in on (not a draft, not done)
# neither reached nor given up: may be closed, replace, be aligned to
CURRENT = ("draft", TAKES_CHECKINS)
CLOSED = ("partial", "missed", "dropped")  # the outcomes a goal is closed with
FINAL = (*CLOSED, "achieved")  # its figures are final (until it is reopened)
STATUSES = (*CURRENT, "achieved", *CLOSED)  # every status, in lifecycle order

STATUS_WORDS = {"draft": "a draft", "active": "active", "achieved": "achieved",
                "partial": "closed as partly reached", "missed": "closed as missed",
                "dropped": "closed as dropped"}


def status_in_words(status: str) -> str:
    """`status` as it reads after "is": "a draft", "closed as missed"; a status this module
    does not know yet in plain words all the same ("on_hold" -> "on hold")."""
    return STATUS_WORDS.get(status) or status.replace("_", " ")
