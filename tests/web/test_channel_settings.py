"""A channel's settings on the Channels page: a signed webhook's secret rotated, a webhook URL
changed (the API's `POST .../secret` and `PATCH webhook_url`, from the lead's browser)."""

from __future__ import annotations

import html
import re

from services.web.adapters.api_client import ServiceUnavailable
from tests.support.slack_server import archived
from tests.support.waiting import eventually
from tests.web.over_http import page_client, signed_in


def row_of(page: str, channel_id: str) -> str:
    row = page[page.index(f'<tr id="channel-{channel_id}">'):]
    return row[:row.index("</tr>")]


def test_a_lead_rotates_a_webhooks_secret_from_its_row_once_per_button(stack, slack):
    """The Channels page showed a signed webhook's secret once, when added, and offered no way
    to replace it but deleting the channel. Its row has a Rotate secret button: the new
    secret is shown once, and the button sent again shows the same one."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    added = session.post(stack.web_url + "/team/channels", data={
        "csrf_token": csrf, "type": "webhook", "name": "Audit hook",
        "webhook_url": slack.webhook("hook")})
    assert added.status_code == 201, added.status_code
    channel_id = re.search(r'<tr id="channel-([^"]+)">', added.text).group(1)
    first_secret = re.search(r"Its signing secret \(shown once\): <code>([^<]+)</code>",
                             added.text).group(1)
    assert f'action="/team/channels/{channel_id}/secret"' in row_of(added.text, channel_id)

    sent = {"csrf_token": csrf, "idempotency_key": "rotate-audit-1"}
    rotated, again = (session.post(stack.web_url + f"/team/channels/{channel_id}/secret",
                                   data=sent) for _ in range(2))

    assert (rotated.status_code, again.status_code) == (200, 200)
    shown = re.search(r'<p class="notice" role="status">New signing secret \(shown once\): '
                      r"<code>([^<]+)</code> The old one still signs every delivery beside it "
                      r"until \w{3} \d\d \w{3} \d{4}, \d\d:\d\d: switch your receiver to the "
                      r"new one before then.</p>", rotated.text)
    assert shown is not None, rotated.text
    assert shown.group(1) != first_secret
    assert f"<code>{shown.group(1)}</code>" in again.text


def test_a_rotation_that_timed_out_is_sent_again_under_its_key_and_rotates_once(
        stack, slack, monkeypatch):
    """Rotate secret pressed as notifications took too long to answer (it rotated, the answer
    was lost): the page said to send it again, but the row's button came back under a new key,
    so the resend rotated a second time, dropping the secret the receiver held. The row keeps
    the key it was sent under, and the resend shows the one rotation's secret."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    added = session.post(stack.web_url + "/team/channels", data={
        "csrf_token": csrf, "type": "webhook", "name": "Audit hook",
        "webhook_url": slack.webhook("hook")})
    channel_id = re.search(r'<tr id="channel-([^"]+)">', added.text).group(1)
    client = page_client(stack)
    original = client.request

    def answer_lost(service, method, path, token, **kwargs):
        answer = original(service, method, path, token, **kwargs)
        if method == "POST" and path.endswith("/secret"):
            raise ServiceUnavailable(service)
        return answer

    monkeypatch.setattr(client, "request", answer_lost)
    lost = session.post(stack.web_url + f"/team/channels/{channel_id}/secret",
                        data={"csrf_token": csrf, "idempotency_key": "rotate-lost"})
    monkeypatch.setattr(client, "request", original)

    assert lost.status_code == 503, lost.status_code
    assert "Send it again in a minute: the same button rotates it once." in html.unescape(
        lost.text)
    row = row_of(lost.text, channel_id)
    secret_form = row[row.index(f'action="/team/channels/{channel_id}/secret"'):]
    kept = re.search(r'name="idempotency_key" value="([^"]*)"', secret_form).group(1)
    assert kept == "rotate-lost"
    resent = session.post(stack.web_url + f"/team/channels/{channel_id}/secret",
                          data={"csrf_token": csrf, "idempotency_key": kept})
    assert resent.status_code == 200, html.unescape(resent.text)[-2000:]
    assert re.search(r"New signing secret \(shown once\): <code>[^<]+</code>", resent.text)


def slack_channel(stack, slack):
    """A new team, its lead's session and CSRF token, and the id of the Slack channel
    "#team-goals" the lead added from the Channels page."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    added = session.post(stack.web_url + "/team/channels", data={
        "csrf_token": csrf, "type": "slack", "name": "#team-goals",
        "webhook_url": slack.webhook("T/B/old")})
    return team, session, csrf, re.search(r'<tr id="channel-([^"]+)">', added.text).group(1)


def test_a_lead_gives_a_gone_channel_a_new_url_from_its_row_and_it_is_enabled(stack, slack):
    """A channel whose webhook was archived (410) could only be deleted and added again. Its
    row's Change URL form moves it, refused on the row for a URL the add would refuse, and
    enables it again."""
    team, session, csrf, channel_id = slack_channel(stack, slack)
    in_api = f"/v1/teams/{team.id}/channels/{channel_id}"
    slack.reply_with(archived())
    session.post(stack.web_url + f"/team/channels/{channel_id}/test", data={"csrf_token": csrf})
    eventually(lambda: stack.notifications.call("GET", in_api, team.lead).get_json()["state"]
               == "disabled", timeout=30)
    url_path = f"/team/channels/{channel_id}/url"

    internal = session.post(stack.web_url + url_path,
                            data={"csrf_token": csrf, "webhook_url": "https://10.0.0.1/x"})
    moved = session.post(stack.web_url + url_path,
                         data={"csrf_token": csrf, "webhook_url": slack.webhook("T/B/new")})

    assert internal.status_code == 422, internal.status_code
    assert ('<p class="error" role="alert">The URL was not changed: Address &#39;10.0.0.1&#39; '
            "is internal") in row_of(internal.text, channel_id), row_of(internal.text, channel_id)
    assert moved.status_code == 200, moved.status_code
    assert ('<p class="notice" role="status">Webhook URL changed: messages go to the new '
            "one.</p>") in moved.text
    assert "<td>Active</td>" in row_of(moved.text, channel_id)
    assert stack.notifications.call("GET", in_api, team.lead).get_json()["state"] == "active"


def test_a_refused_url_keeps_its_change_url_form_open_with_the_url_typed_and_tied_to_why(stack,
                                                                                          slack):
    """A refused Change URL came back with its form folded shut and empty: the URL typed was
    gone, and the reason, on the row, was tied to no field, so a screen reader on the field
    heard nothing of it. The form is open with the URL as typed, marked invalid and
    described by the reason."""
    _, session, csrf, channel_id = slack_channel(stack, slack)

    refused = session.post(stack.web_url + f"/team/channels/{channel_id}/url",
                           data={"csrf_token": csrf, "webhook_url": "https://10.0.0.1/x"})

    assert refused.status_code == 422, refused.status_code
    row = row_of(refused.text, channel_id)
    assert "<details open><summary>Change URL</summary>" in row, row
    field = re.search(rf'<input id="f-url-{channel_id}"[^>]*>', row).group(0)
    assert 'value="https://10.0.0.1/x"' in field and 'aria-invalid="true"' in field, field
    described = re.search(r'aria-describedby="([^"]+)"', field).group(1)
    why = re.search(rf'id="{described}">(.*?)</div>', row, re.S)
    assert why and "The URL was not changed: Address &#39;10.0.0.1&#39; is internal" in \
        why.group(1), row
