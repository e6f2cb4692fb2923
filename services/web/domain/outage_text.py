"""What a form sent while a service was down says: whether anything was saved, and what to do."""

from __future__ import annotations


def not_saved(service: str, unsent: bool, undone: str, resend: str) -> str:
    """Why a form sent while `service` was down was not saved (`unsent`: it never reached the
    service), or may not have been (it timed out), and what to do. `undone` says what did not
    happen ("the milestone was not added"); `resend`, after a timeout, what sending it again
    does."""
    if unsent:
        return (f"The {service} service is unavailable, so nothing was saved: {undone}. "
                "Send the form again in a minute.")
    maybe = undone.replace(" was not ", " may not have been ", 1)
    return f"The {service} service did not answer in time; {maybe}. {resend}"
