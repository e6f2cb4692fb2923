"""The Slack Web API client against the local stand-in, and the check-in modal's validation."""

from __future__ import annotations

import pytest
from sqlalchemy import MetaData, create_engine

from services.notifications.adapters.slack_client import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    OAUTH_STATES_TABLE,
    SlackClient,
    SlackRevoked,
    SlackUnavailable,
    SlackUndeliverable,
)
from services.notifications.domain.checkin_form import InvalidForm, read_form
from tests.support.slack_api_server import BOT_TOKEN, Scripted, slack_error


@pytest.fixture
def client(slack_api, tmp_path):
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    engine = create_engine(f"sqlite:///{tmp_path / 'slack.db'}")
    metadata = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
    SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
    SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)
    metadata.create_all(engine)
    return SlackClient(engine, api_url=slack_api.url, client_id="111.222", client_secret="shh",
                       scopes=["chat:write", "im:write"],
                       authorize_url="https://slack.com/oauth/v2/authorize")


@pytest.mark.parametrize(("retry_after", "asked"), [("1", 1), ("3600", 3600), ("soon", None)])
def test_a_429_is_raised_at_once_with_the_wait_slack_asked_for(client, slack_api, retry_after,
                                                                asked):
    """A call does not sit out a 429 (its thread, and the unit of work it calls from, held
    for up to an hour): it says so at once, with the wait Slack asked for, if readable, for
    its caller to try again then."""
    slack_api.script("chat.postMessage", Scripted(429, {"ok": False, "error": "ratelimited"},
                                                  {"Retry-After": retry_after}))
    with pytest.raises(SlackUnavailable) as raised:
        client.post(BOT_TOKEN, "D1", {"text": "hello", "blocks": []})
    assert (raised.value.status, raised.value.retry_after) == (429, asked)
    assert [c.status for c in slack_api.calls_of("chat.postMessage", answered=False)] == [429]


def test_an_oauth_code_becomes_a_stored_installation_and_forget_deletes_it(client, slack_api):
    state = client.issue_state()
    assert f"state={state}" in client.authorize_url(state)
    assert client.consume_state(state) and not client.consume_state(state)
    installation = client.install("good-code")
    assert installation.team_id == slack_api.team_id
    assert client.bot_token(slack_api.team_id, None) == BOT_TOKEN
    client.forget(slack_api.team_id, None)
    assert client.bot_token(slack_api.team_id, None) is None


def test_slack_errors_are_sorted_into_revoked_and_undeliverable(client, slack_api):
    slack_api.script("views.publish", slack_error("token_revoked"))
    slack_api.script("conversations.open", slack_error("user_not_found"))
    with pytest.raises(SlackRevoked):
        client.publish_home(BOT_TOKEN, "UANA", {"type": "home", "blocks": []})
    with pytest.raises(SlackUndeliverable):
        client.open_dm(BOT_TOKEN, "UNOBODY")


def values(value: str | None = "4", confidence: str | None = None, note: str = "") -> dict:
    state = {"value": {"value": {"type": "plain_text_input", "value": value}},
             "note": {"note": {"type": "plain_text_input", "value": note}}}
    if confidence is not None:
        state["confidence"] = {"confidence": {"type": "static_select",
                                              "selected_option": {"value": confidence}}}
    return state


def test_a_valid_form_reads_value_confidence_and_note():
    form = read_form(values("4,5", "3", " halfway "))
    assert (form.value, form.confidence, form.note) == (4.5, 3, "halfway")


@pytest.mark.parametrize(("state", "field"), [
    (values(None), "value"), (values("abc"), "value"), (values("inf"), "value"),
    (values("4", "9"), "confidence"), (values("4", note="x" * 2001), "note"),
])
def test_each_invalid_field_gets_its_own_inline_error(state, field):
    with pytest.raises(InvalidForm) as caught:
        read_form(state)
    assert list(caught.value.errors) == [field]



def test_a_form_without_a_value_field_reads_no_value_and_wants_a_note():
    """The modal of a goal without a metric asks for no value; its note is the check-in."""
    state = values(note=" read two chapters ")
    del state["value"]
    form = read_form(state)
    assert (form.value, form.note) == (None, "read two chapters")
    state["note"]["note"]["value"] = " "
    with pytest.raises(InvalidForm) as caught:
        read_form(state)
    assert caught.value.errors == {
        "note": "Say what you did: this goal has no metric, so the note is the check-in."}
