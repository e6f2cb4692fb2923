"""The per-event accounting itself: a loss and a duplicate never cancel out, ids inside a
coalesced Slack message each count, a notification left failed or pending counts as lost."""

from __future__ import annotations

from collections import Counter

from tests.faults.ledger import Accounts, Ledger, Tally
from tests.faults.topic_tail import Published
from tests.support.slack_server import Received


def logged(event_id: str, checkin_id: str) -> Published:
    value = f'{{"checkin_id": "{checkin_id}"}}'.encode()
    return Published("t", 0, 0, None, value, {"ce_id": event_id, "ce_type": "checkin.logged"})


def row(id_: str, event_id: str, status: str, body: str = "", merged_into: str | None = None):
    return {"id": id_, "event_id": event_id, "event_type": "checkin.logged", "channel_id": "c",
            "status": status, "merged_into": merged_into, "body": body, "last_error": None}


def posted(body: str) -> Received:
    return Received("/services/x", body.encode(), {}, 0.0, 200)


def test_one_id_lost_and_another_doubled_is_reported_as_both():
    tally = Tally("goal effects", Counter({"a": 2, "c": 1}))
    accounts = Accounts(["a", "b", "c"], {"goal effects": tally})
    assert sum(tally.seen.values()) == 3  # the total alone would look perfect
    assert accounts.lost() == {"goal effects": ["b"]}
    assert accounts.duplicated() == {"goal effects": ["a"]}


def test_a_republished_event_counts_once_but_a_second_event_for_one_checkin_counts_twice():
    by_event: dict[str, str] = {}
    records = [logged("e1", "a"), logged("e1", "a"), logged("e2", "b"), logged("e3", "b")]
    tally = Ledger._published("checkin events", records, "checkin.logged", by_event)
    assert tally.seen == Counter({"a": 1, "b": 2})


def test_every_id_inside_a_coalesced_message_counts_and_a_message_posted_twice_doubles_them():
    by_event = {"e1": "a", "e2": "b", "e3": "c"}
    rows = [row("n1", "e1", "sent", body="three check-ins"),
            row("n2", "e2", "coalesced", merged_into="n1"),
            row("n3", "e3", "coalesced", merged_into="n1")]
    once = Ledger._slack(rows, by_event, {"a", "b", "c"}, [posted("three check-ins")])
    twice = Ledger._slack(rows, by_event, {"a", "b", "c"}, [posted("three check-ins")] * 2)
    assert once.seen == Counter({"a": 1, "b": 1, "c": 1})
    assert twice.seen == Counter({"a": 2, "b": 2, "c": 2})


def test_a_message_naming_its_checkins_is_counted_by_the_ids_it_names():
    named = "00000000-0000-4000-8000-000000000001"
    message = f'{{"blocks": [{{"block_id": "checkin:{named}"}}]}}'
    tally = Ledger._slack([], {}, {named}, [posted(message)])
    assert tally.seen == Counter({named: 1})


def test_a_notification_left_failed_or_pending_is_not_routed():
    by_event = {"e1": "a", "e2": "b", "e3": "c"}
    rows = [row("n1", "e1", "sent"), row("n2", "e2", "failed"), row("n3", "e3", "pending")]
    tally = Ledger._routed(rows, by_event)
    assert tally.seen == Counter({"a": 1})
    assert len(tally.notes) == 2
