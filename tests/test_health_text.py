"""A goal's health in the same words wherever people read it (`shared.health_text`): the web
app's board and badges with a text icon, Slack, Teams, mail and the feed with an emoji."""

from __future__ import annotations

import pytest

from services.notifications.domain.messages import health_label
from services.web.domain.board import HEADINGS, ICONS
from shared.events.catalog.goals import HEALTH
from shared.health_text import HEALTH_WORDS

ON_THE_BOARD = [h for h in HEALTH if h != "done"]  # an achieved goal is in a group of its own


@pytest.mark.parametrize("health", HEALTH)
def test_every_health_the_goals_service_gives_is_said_in_its_words_beside_an_emoji(health):
    emoji, words = health_label(health).split(" ", 1)

    assert words == HEALTH_WORDS[health]
    assert emoji and not emoji.isalnum()


@pytest.mark.parametrize("health", ON_THE_BOARD)
def test_the_board_heads_a_health_with_the_words_messages_say_it_in(health):
    assert HEADINGS[health] == health_label(health).split(" ", 1)[1]
    assert ICONS[health] not in health_label(health)  # the web's own mark, not the emoji
