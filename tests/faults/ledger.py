"""Per-event accounting: where each accepted check-in id was seen, and how many times.

Places (each id must be seen exactly once in each):
- `checkin events`: `checkin.logged` published by checkins (distinct event ids per check-in);
- `goal effects`: `goal.progressed` (source `checkin`) published by goals for that check-in;
- `routed`: the notification of the team's Slack channel, in a final delivered state (sent, or
  coalesced into a sent message); one left `failed` or `pending` is not counted (lost);
- `slack`: the messages the Slack-like server processed, counting every id inside a coalesced
  message, and each copy of a message processed twice;
- `feed`: the partner's in-app feed, read over the public API.

A loss and a duplicate never cancel: each id is judged on its own.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from tests.faults.topic_tail import TopicTail

PLACES = ("checkin events", "goal effects", "routed", "slack", "feed")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class Tally:
    """How often each check-in id was seen in one place, and what could not be attributed."""

    place: str
    seen: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def lost(self, ids: list[str]) -> list[str]:
        return [i for i in ids if self.seen[i] == 0]

    def duplicated(self, ids: list[str]) -> list[str]:
        return [i for i in ids if self.seen[i] > 1]

    def strangers(self, ids: list[str]) -> list[str]:
        """Ids seen here that were never accepted from the client (phantoms)."""
        accepted = set(ids)
        return [i for i in self.seen if i not in accepted]


@dataclass
class Accounts:
    sent: list[str]
    tallies: dict[str, Tally]

    def lost(self) -> dict[str, list[str]]:
        return {p: t.lost(self.sent) for p, t in self.tallies.items() if t.lost(self.sent)}

    def duplicated(self) -> dict[str, list[str]]:
        return {p: t.duplicated(self.sent) for p, t in self.tallies.items()
                if t.duplicated(self.sent)}

    def phantoms(self) -> dict[str, list[str]]:
        return {p: t.strangers(self.sent) for p, t in self.tallies.items()
                if t.strangers(self.sent)}

    def lost_ids(self) -> set[str]:
        return {i for ids in self.lost().values() for i in ids}

    def duplicated_ids(self) -> set[str]:
        return {i for ids in self.duplicated().values() for i in ids}

    def complete(self) -> bool:
        """Every id seen at least once everywhere (the settle condition)."""
        return all(not t.lost(self.sent) for t in self.tallies.values())

    def signature(self) -> tuple:
        """Changes whenever anything more is seen anywhere (for the quiet window)."""
        return tuple(sum(t.seen.values()) + len(t.notes) for t in self.tallies.values())

    def explain(self) -> str:
        lines = []
        for place, tally in self.tallies.items():
            lost, dup = tally.lost(self.sent), tally.duplicated(self.sent)
            lines.append(f"{place}: {len(lost)} lost {lost[:5]}, {len(dup)} duplicated "
                         f"{[(i, tally.seen[i]) for i in dup[:5]]}; {tally.notes[:5]}")
        return "\n".join(lines)


class Ledger:
    """Reads every place of one fault stack; `accounts(sent)` tallies the ids sent so far."""

    def __init__(self, stack, slack, ctx: dict):
        self.stack = stack
        self.slack = slack
        self.ctx = ctx
        prefix, bootstrap = stack.prefix, stack.broker.bootstrap
        self.checkins_topic = TopicTail(bootstrap, f"{prefix}checkins.events")
        self.goals_topic = TopicTail(bootstrap, f"{prefix}goals.events")
        self.in_dropped: Counter = Counter()  # ids inside messages whose answer was dropped

    def close(self) -> None:
        self.checkins_topic.close()
        self.goals_topic.close()

    def accounts(self, sent: list[str], *, to_end: bool = False) -> Accounts:
        read = TopicTail.read_to_end if to_end else TopicTail.read
        by_event: dict[str, str] = {}  # event id (checkin.logged or goal.progressed) -> check-in
        tallies = {
            "checkin events": self._published("checkin events", read(self.checkins_topic),
                                              "checkin.logged", by_event),
            "goal effects": self._published("goal effects", read(self.goals_topic),
                                            "goal.progressed", by_event, source="checkin"),
        }
        rows = self.stack.notification_rows()
        tallies["routed"] = self._routed(rows, by_event)
        tallies["slack"] = self._slack(rows, by_event, set(sent), self.slack.delivered())
        tallies["feed"] = self._feed(rows, by_event)
        self.in_dropped = self._slack(rows, by_event, set(sent), self.slack.dropped()).seen
        return Accounts(list(sent), tallies)

    # -- places ---------------------------------------------------------------------------
    @staticmethod
    def _published(place: str, records, event_type: str, by_event: dict[str, str],
                   source: str | None = None) -> Tally:
        tally = Tally(place)
        counted: set[str] = set()
        for record in records:
            data = record.data
            if record.event_type != event_type or not data.get("checkin_id"):
                continue
            if source is not None and data.get("source", source) != source:
                continue
            if record.event_id in counted:
                continue  # the same event republished (at least once): consumers dedupe it
            counted.add(record.event_id)
            by_event[record.event_id] = data["checkin_id"]
            tally.seen[data["checkin_id"]] += 1
        return tally

    @staticmethod
    def _routed(rows: list[dict], by_event: dict[str, str]) -> Tally:
        tally = Tally("routed")
        by_id = {r["id"]: r for r in rows}
        for row in rows:
            checkin = by_event.get(row["event_id"])
            if checkin is None or row["channel_id"] is None:
                continue
            primary = by_id.get(row["merged_into"]) if row["status"] == "coalesced" else row
            if primary is not None and primary["status"] == "sent":
                tally.seen[checkin] += 1
            else:
                tally.notes.append(f"{checkin}: {row['status']} ({row['last_error']})")
        return tally

    @staticmethod
    def _slack(rows: list[dict], by_event: dict[str, str], sent: set[str],
               requests: list) -> Tally:
        """Ids named in a message when it carries them; otherwise the ids of the notification
        whose body it is (its coalesced group), read from the notifications database."""
        tally = Tally("slack")
        groups: dict[str, list[str]] = {}
        for row in rows:
            checkin = by_event.get(row["event_id"])
            if checkin is not None and row["channel_id"] is not None:
                primary = row["merged_into"] if row["status"] == "coalesced" else row["id"]
                groups.setdefault(primary, []).append(checkin)
        primary_of_body = {r["body"]: r["id"] for r in rows if r["channel_id"] is not None
                           and r["status"] != "coalesced"}
        known = sent | set(by_event)
        for request in requests:
            body = request.body.decode(errors="replace")
            named = {by_event.get(i, i) for i in UUID.findall(body) if i in known}
            if named:
                tally.seen.update(named)
                continue
            primary = primary_of_body.get(body)
            if primary is None:
                tally.notes.append(f"unattributed message: {body[:80]}")
            tally.seen.update(groups.get(primary, []))
        return tally

    def _feed(self, rows: list[dict], by_event: dict[str, str]) -> Tally:
        tally = Tally("feed")
        event_of = {r["id"]: r["event_id"] for r in rows}
        for item in self.stack.feed(self.ctx["partner_token"]):
            checkin = by_event.get(event_of.get(item["id"], ""))
            if checkin is not None:
                tally.seen[checkin] += 1
        return tally

