"""What a form sent while a service was down says: whether anything was saved, and what to do."""

from __future__ import annotations

import re


def not_saved(service: str, unsent: bool, undone: str, resend: str) -> str:
    """Why a form sent while `service` was down was not saved (`unsent`: it never reached the
    service), or may not have been (it timed out), and what to do. `undone` says what did not
    happen ("the milestone was not added", "the settings were not saved"); `resend`, after a
    timeout, what sending it again does."""
    if unsent:
        return (f"The {service} service is unavailable, so nothing was saved: {undone}. "
                "Send the form again in a minute.")
    maybe = re.sub(r" (?:was|were) not ", " may not have been ", undone, count=1)
    return f"The {service} service did not answer in time; {maybe}. {resend}"
