"""Email as a channel, against local aiosmtpd servers the tests start: escalations and personal
digests by mail (multipart, one-click unsubscribe), sign-in links from the real broker, refused
addresses recorded and spared, temporary refusals retried with backoff."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from services.notifications.config import ENV_VARS, load
from services.notifications.domain.notification import Notification
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    SLACK_SECRET,
    Team,
    checkin,
    delivering,
    event,
    handle,
    make_digests_at_eight,
    produce,
)
from tests.support.batches import statements
from tests.support.smtp_server import LocalSmtpServer
from tests.support.waiting import eventually

PUBLIC = "https://notifications.example.com"


@pytest.fixture
def smtp() -> Iterator[LocalSmtpServer]:
    server = LocalSmtpServer().start()
    yield server
    server.stop()


def mail_env(smtp: LocalSmtpServer) -> dict:
    """SMTP set, and a public address (so the secrets too: a public deployment needs them)."""
    return {"SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port), "SMTP_STARTTLS": "false",
            "SMTP_FROM": "goalkeeper@example.com", "NOTIFICATIONS_PUBLIC_URL": PUBLIC,
            "SLACK_SIGNING_SECRET": SLACK_SECRET}


@pytest.fixture
def mailing(make_service, smtp):
    """Notifications with SMTP set (no worker: tests drive handlers and delivery)."""
    return make_service("notifications", start_worker=False, **mail_env(smtp))


@pytest.fixture
def crew(mailing) -> Team:
    """The seeded team of `conftest.team`, in the replicas of the mailing service."""
    return Team(mailing)


def missed(team: Team, recipients: list[str], level: int = 1):
    return event("checkin.missed", team.id, goal_id=team.goal, owner_id=team.ana,
                 due_at=AT, level=level, recipients=recipients, at=AT)


def parts(message) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def email_log(team: Team) -> list[dict]:
    return [e for e in team.log() if e["notification"]["channel_id"] is None]


# -- settings --------------------------------------------------------------------------------
def test_smtp_settings_are_read_from_the_environment_and_listed():
    settings = load({"SMTP_HOST": "mail.example.com", "SMTP_PORT": "2525", "SMTP_USER": "gk",
                     "SMTP_PASSWORD": "pw", "SMTP_FROM": "gk@example.com",
                     "SMTP_STARTTLS": "false"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_user, settings.smtp_password,
            settings.smtp_from, settings.smtp_starttls) == (
        "mail.example.com", 2525, "gk", "pw", "gk@example.com", False)
    assert settings.email_enabled and not load({}).email_enabled
    assert load({}).smtp_starttls is True
    assert {"SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_FROM",
            "SMTP_STARTTLS"} <= set(ENV_VARS)


@pytest.mark.parametrize("sender", ["Goalkeeper", "Goalkeeper <>", "goalkeeper@example.com>",
                                    '"Goalkeeper <goalkeeper@example.com', "a b@example.com"])
def test_a_sender_that_is_no_address_stops_the_service_at_start_up_saying_why(sender):
    """Such an SMTP_FROM was taken, and each mail then failed as it was written (or left from
    an envelope sender a real server refuses): nothing was mailed, and the delivery log said
    nothing. With SMTP set, the settings now refuse it, naming the variable and what it takes;
    without SMTP nothing is sent from it, and it is left alone."""
    with pytest.raises(ValueError) as refused:
        load({"SMTP_HOST": "mail.example.com", "SMTP_FROM": sender})
    assert str(refused.value) == (
        "SMTP_FROM must be an address (goalkeeper@example.com) or a name and address "
        f"(Goalkeeper <goalkeeper@example.com>), got {sender!r}")
    assert load({"SMTP_FROM": sender}).smtp_from == sender


# -- escalations -----------------------------------------------------------------------------
def test_a_missed_checkin_mails_each_recipient_multipart_with_a_one_click_unsubscribe(
        mailing, crew, smtp):
    team = crew
    with delivering(mailing):
        handle(mailing, missed(team, [team.ana, team.lead], level=3))
        eventually(lambda: len(smtp.messages) == 2)
    [to_ana] = smtp.to("ana@example.com")
    assert smtp.to("lena@example.com")
    assert to_ana["From"] == "Goalkeeper <goalkeeper@example.com>"
    assert "Run 100 km" in to_ana["Subject"]
    assert to_ana.get_content_type() == "multipart/alternative"
    body = parts(to_ana)
    assert "Run 100 km" in body["text/plain"] and "Run 100 km" in body["text/html"]
    assert body["text/html"].lstrip().startswith("<!doctype html>")
    assert to_ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = to_ana["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{PUBLIC}/email/unsubscribe/")
    assert link in body["text/plain"]
    assert [a["status_code"] for e in email_log(team) for a in e["attempts"]] == [250, 250]


def test_a_pass_of_the_deliverer_reads_its_mails_members_in_one_statement(mailing, crew, smtp):
    """Whether a mail's member left the team was read member by member, one statement per mail
    claimed; the pass reads the members of all its mails at once."""
    team = crew
    handle(mailing, missed(team, [team.ana, team.ben, team.lead], level=3))
    with statements(mailing.container.engine) as seen:
        mailing.container.deliverer.deliver_due()
    assert len(smtp.messages) == 3
    member_reads = [s for s in seen if "FROM member_views" in s]
    assert len(member_reads) == 1, "\n".join(member_reads)


@pytest.mark.parametrize(("sender", "name"), [
    ('"Équipe, Objectifs" <goals@example.com>', "Équipe, Objectifs"),
    ("Équipe, Objectifs <goals@example.com>", "Équipe, Objectifs"),
    ("Goals Bot <goals@example.com>", "Goals Bot"),
    ("goals@example.com", "Goalkeeper")])
def test_a_sender_named_with_a_comma_and_accents_sends_from_its_address_under_that_name(
        make_service, smtp, sender, name):
    """SMTP_FROM with a display name: an accented one could not be written into the mail
    (nothing left, the deliverer's pass failed on it), and `Goals Bot <goals@example.com>`
    left as `Goalkeeper <"Goals Bot">`, from an envelope sender that is no address, which a
    real server refuses."""
    mailing = make_service("notifications", start_worker=False,
                           **{**mail_env(smtp), "SMTP_FROM": sender})
    team = Team(mailing)
    with delivering(mailing):
        handle(mailing, missed(team, [team.ana]))
        eventually(lambda: len(smtp.messages) == 1)
    [to_ana] = smtp.to("ana@example.com")
    [sent_by] = to_ana["From"].addresses
    assert (sent_by.display_name, sent_by.addr_spec) == (name, "goals@example.com")
    assert smtp.envelopes == [("goals@example.com", ["ana@example.com"])]
    assert to_ana["Message-ID"].endswith("@example.com>")
    assert [a["status_code"] for e in email_log(team) for a in e["attempts"]] == [250]


def test_an_escalation_mail_gives_the_due_moment_in_the_readers_own_zone(mailing, smtp):
    """The mail said 'was due 2030-01-07T10:00:00+00:00' to a team in Tokyo: a moment in UTC
    and ISO 8601. It now says the reader's own time, and names the zone."""
    team = Team(mailing, timezone="Asia/Tokyo")
    with delivering(mailing):
        handle(mailing, missed(team, [team.lead]))
        eventually(lambda: len(smtp.messages) == 1)
    [mail] = smtp.to("lena@example.com")
    for body in parts(mail).values():
        assert "was due Mon 07 Jan 2030, 19:00 JST" in body
        assert AT not in body
    feed = [i["text"] for i in team.feed(team.lead) if i["event_type"] == "checkin.missed"]
    assert len(feed) == 1 and AT in feed[0]  # the feed's text stays ISO: the page writes it


def test_one_click_unsubscribe_stops_escalation_mail_but_not_sign_in_links(mailing, crew,
                                                                           smtp):
    team = crew
    with delivering(mailing):
        handle(mailing, missed(team, [team.ana]))
        [first] = eventually(lambda: smtp.to("ana@example.com"))
        path = urlsplit(first["List-Unsubscribe"].strip("<>")).path

        forged = mailing.client.post(path[:-4] + "AAAA", data="List-Unsubscribe=One-Click")
        assert forged.status_code == 404
        page = mailing.client.get(path)
        assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
        clicked = mailing.client.post(path, data="List-Unsubscribe=One-Click",
                                      content_type="application/x-www-form-urlencoded")
        assert clicked.status_code == 200 and clicked.json == {"unsubscribed": True}
        assert mailing.client.post(path).status_code == 200  # twice is once

        handle(mailing, missed(team, [team.ana, team.lead], level=3))
        eventually(lambda: smtp.to("lena@example.com"))
        handle(mailing, sign_in(team, team.ana, "ana@example.com"))
        eventually(lambda: len(smtp.to("ana@example.com")) == 2)
    assert [m["Subject"] for m in smtp.to("ana@example.com")][1] == "Your Goalkeeper sign-in link"
    assert len([i for i in team.feed(team.ana) if i["event_type"] == "checkin.missed"]) == 2


def test_a_member_on_digests_gets_escalations_in_the_digest_mail(make_service, smtp):
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False, **mail_env(smtp))
    team = Team(n)
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"delivery": "digest", "digest": "daily"})
    handle(n, missed(team, [team.ben], level=2), checkin(team.id, team.goal, team.ana, 20))
    with delivering(n):
        make_digests_at_eight(clock, n)
        [digest] = eventually(lambda: smtp.to("ben@example.com"))
    assert digest["Subject"] == "Your daily digest: 2 updates"
    assert "20 km" in parts(digest)["text/plain"]
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(smtp.to("ben@example.com")) == 1  # the escalation itself waited for the digest


def _escalation_held_by_quiet_hours(make_service, smtp):
    """Ben's quiet hours (22:00 to 07:00 in Berlin) holding an escalation mailed to him at
    23:30, after a delivery pass: the clock, service and team."""
    clock = ControlledClock(datetime(2030, 1, 7, 22, 30, tzinfo=UTC))  # 23:30 in Berlin
    n = make_service("notifications", clock=clock, start_worker=False, **mail_env(smtp))
    team = Team(n, timezone="Europe/Berlin")
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"quiet_hours": {"start": "22:00", "end": "07:00"}})
    handle(n, missed(team, [team.ben], level=2))
    n.container.deliverer.deliver_due()
    return clock, n, team


def test_an_escalation_mail_held_by_quiet_hours_leaves_once_they_are_turned_off(make_service,
                                                                                 smtp):
    """Ben turned his quiet hours off at 23:40; the escalation they held still waited for
    07:00. It now leaves on the deliverer's next pass, once."""
    clock, n, team = _escalation_held_by_quiet_hours(make_service, smtp)
    assert smtp.to("ben@example.com") == []
    clock.set(datetime(2030, 1, 7, 22, 40, tzinfo=UTC))
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben), json={"quiet_hours": None})
    n.container.deliverer.deliver_due()
    [mail] = smtp.to("ben@example.com")
    assert mail["Subject"] == "Missed check-in: Run 100 km"
    [entry] = email_log(team)
    assert [(a["status_code"], a["at"]) for a in entry["attempts"]] == [
        (250, "2030-01-07T22:40:00+00:00")]


def left(team: Team, member_id: str, name: str, timezone: str = "Europe/Berlin"):
    """`member.updated`: the member has left the team."""
    return event("member.updated", team.id, member_id=member_id, name=name,
                 email=f"{name.lower()}@example.com", role="member", timezone=timezone,
                 state="left", snoozed_until=None)


def test_a_member_who_left_gets_nothing_quiet_hours_held_for_them(make_service, smtp):
    """Ben's quiet hours held an escalation (mail and feed item) at 23:30; he left the team at
    23:45: at 07:00 the mail went to him all the same, as what quiet hours held was placed
    again without looking at whether he was still in the team. It is failed as he leaves,
    the delivery log saying why, and nothing reaches him."""
    clock, n, team = _escalation_held_by_quiet_hours(make_service, smtp)
    clock.set(datetime(2030, 1, 7, 22, 45, tzinfo=UTC))
    handle(n, left(team, team.ben, "Ben"))
    clock.set(datetime(2030, 1, 8, 6, 1, tzinfo=UTC))
    n.container.deliverer.deliver_due()

    assert smtp.to("ben@example.com") == []
    [entry] = email_log(team)
    assert (entry["notification"]["status"], entry["notification"]["last_error"]) == (
        "failed", "the member left the team")
    with n.container.uow() as uow:
        feed = uow.session.scalars(select(Notification.status).where(
            Notification.recipient_id == team.ben, Notification.event_type == "checkin.missed"))
        assert list(feed) == ["failed"]  # never shown


def test_a_mail_retried_after_its_member_left_is_not_sent_again(make_service, smtp,
                                                                 monkeypatch):
    """Ben left the team while his escalation mail was being sent, and the server answered
    451: the retry mailed him a minute later. The claim now fails it, "the member left the
    team"."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False, **mail_env(smtp))
    team = Team(n, timezone="Europe/Berlin")
    smtp.defer("ben@example.com", times=1)
    mailer = n.container.deliverer.mailer
    send = mailer.send

    def sent_as_ben_leaves(mail):
        handle(n, left(team, team.ben, "Ben"))
        return send(mail)

    monkeypatch.setattr(mailer, "send", sent_as_ben_leaves)
    handle(n, missed(team, [team.ben], level=2))
    n.container.deliverer.deliver_due()
    monkeypatch.setattr(mailer, "send", send)
    clock.advance(seconds=600)
    n.container.deliverer.deliver_due()

    assert smtp.to("ben@example.com") == []
    [entry] = email_log(team)
    assert (entry["notification"]["status"], entry["notification"]["last_error"]) == (
        "failed", "the member left the team")
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [(451, "retry")]


# -- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize("refusal", ["rcpt", "data"])
def test_a_refused_address_is_recorded_and_gets_no_more_mail(mailing, crew, smtp, refusal):
    team = crew
    if refusal == "rcpt":
        smtp.refuse("ben@example.com", 550)
    else:
        smtp.refuse_data(554)
    with delivering(mailing):
        handle(mailing, missed(team, [team.ben], level=2))
        [failed] = eventually(lambda: [e for e in email_log(team)
                                       if e["notification"]["status"] == "failed"])
        assert failed["notification"]["last_error"].startswith("55")
        assert [a["outcome"] for a in failed["attempts"]] == ["failed"]
        with mailing.container.uow() as uow:
            recorded = uow.suppressions.get("Ben@Example.com")
            assert (recorded.reason, recorded.member_id) == ("refused", team.ben)
        handle(mailing, missed(team, [team.ben, team.ana], level=2),
               sign_in(team, team.ben, "ben@example.com"))
        eventually(lambda: smtp.to("ana@example.com"))
    assert smtp.rcpt_attempts["ben@example.com"] == 1
    assert smtp.to("ben@example.com") == []
    assert len([i for i in team.feed(team.ben) if i["event_type"] == "checkin.missed"]) == 2


def test_a_bounced_sign_in_link_pauses_links_to_that_address_for_an_hour_only(make_service,
                                                                            smtp):
    """Ben's sign-in link bounced (mailbox full); he fixed his mailbox. No link ever reached him
    again: the bounce blocked sign-in links to the address for good. It now pauses them for an
    hour from the last bounce; escalations and digests stay stopped until a mail is accepted."""
    clock = ControlledClock(datetime(2030, 1, 7, 9, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False, **mail_env(smtp))
    team = Team(n)
    smtp.refuse("ben@example.com", 552)

    def ask(minute: int) -> None:
        clock.set(datetime(2030, 1, 7, 9, 0, tzinfo=UTC) + timedelta(minutes=minute))
        handle(n, sign_in(team, team.ben, "ben@example.com",
                          f"https://goalkeeper.example/sign-in/{minute}"))
        n.container.deliverer.deliver_due()

    ask(0)
    smtp.refused.clear()  # Ben makes room in his mailbox
    ask(59)
    handle(n, missed(team, [team.ben], level=2))
    n.container.deliverer.deliver_due()
    assert smtp.to("ben@example.com") == []
    assert [e["notification"]["status"] for e in email_log(team)] == ["failed"]
    ask(60)
    mailed = Counter(link for m in smtp.to("ben@example.com")
                     for link in re.findall(r"/sign-in/\d+", parts(m)["text/plain"]))
    assert mailed == {"/sign-in/60": 1}
    assert smtp.rcpt_attempts["ben@example.com"] == 2


def test_a_mail_accepted_after_a_bounce_ends_the_stop_of_escalations_and_digests(make_service,
                                                                                smtp):
    """Ben's escalation bounced (mailbox full); he made room and his next sign-in link was
    accepted. Escalations and digests to him stayed stopped for good. The accepted link now
    ends the stop: the next escalation and the next digest are mailed."""
    clock = ControlledClock(datetime(2030, 1, 7, 9, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False, **mail_env(smtp))
    team = Team(n)
    smtp.refuse("ben@example.com", 552)
    handle(n, missed(team, [team.ben], level=1))
    n.container.deliverer.deliver_due()
    assert [e["notification"]["status"] for e in email_log(team)] == ["failed"]
    smtp.refused.clear()  # Ben makes room in his mailbox
    clock.set(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    handle(n, sign_in(team, team.ben, "ben@example.com"))
    n.container.deliverer.deliver_due()
    handle(n, missed(team, [team.ben], level=2))
    n.container.deliverer.deliver_due()
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"delivery": "digest", "digest": "daily"})
    handle(n, checkin(team.id, team.goal, team.ana, 20))
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    subjects = Counter(m["Subject"] for m in smtp.to("ben@example.com"))
    assert subjects == {"Your Goalkeeper sign-in link": 1, "Missed check-in: Run 100 km": 1,
                        "Your daily digest: 1 update": 1}


def test_a_temporary_refusal_is_retried_with_backoff_then_delivered(mailing, crew, smtp):
    team = crew
    smtp.defer("ana@example.com", times=2)
    with delivering(mailing):
        handle(mailing, missed(team, [team.ana]))
        eventually(lambda: smtp.to("ana@example.com"), timeout=30)
    [entry] = email_log(team)
    attempts = entry["attempts"]
    assert [(a["status_code"], a["outcome"]) for a in attempts] == [
        (451, "retry"), (451, "retry"), (250, "sent")]
    at = [datetime.fromisoformat(a["at"]) for a in attempts]
    assert (at[1] - at[0]).total_seconds() >= 0.5  # 1 s step, jittered to at least half
    assert (at[2] - at[1]).total_seconds() >= 1.0  # 2 s step
    assert smtp.rcpt_attempts["ana@example.com"] == 3


def test_without_smtp_settings_nothing_is_mailed(notifications, team, smtp):
    with delivering(notifications):
        handle(notifications, missed(team, [team.ana]))
        eventually(lambda: [i for i in team.feed(team.ana) if i["event_type"] == "checkin.missed"])
    assert email_log(team) == [] and smtp.messages == []


# -- sign-in links over the real broker -------------------------------------------------------
def sign_in(team: Team, member_id: str, address: str, link: str = "https://goalkeeper.example"
            "/sign-in/abc123"):
    return event("member.sign_in_requested", team.id, member_id=member_id, email=address,
                 link=link, expires_at="2030-01-07T10:15:00+00:00")


def test_a_sign_in_link_published_by_goals_is_mailed_through_the_one_sender(make_service,
                                                                           smtp):
    n = make_service("notifications", **mail_env(smtp))
    team = Team(n)
    link = "https://goalkeeper.example/sign-in/0123456789abcdef?next=%2Fgoals"

    produce(n, sign_in(team, team.ana, "ana@example.com", link))

    [mail] = eventually(lambda: smtp.to("ana@example.com"), timeout=60)
    assert mail["Subject"] == "Your Goalkeeper sign-in link"
    body = parts(mail)
    assert link in body["text/plain"]
    assert f'href="{link.replace("&", "&amp;")}"' in body["text/html"]
    assert "2030-01-07 10:15" in body["text/plain"]
    assert mail["List-Unsubscribe"] is None  # transactional
    assert smtp.envelopes[0] == ("goalkeeper@example.com", ["ana@example.com"])
