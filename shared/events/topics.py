"""Logical topic names. The physical name adds `Settings.topic_prefix`."""

GOALS_EVENTS = "goals.events"
CHECKINS_EVENTS = "checkins.events"
CHECKINS_COMMANDS = "checkins.commands"
NOTIFICATIONS_EVENTS = "notifications.events"

ALL_TOPICS = (GOALS_EVENTS, CHECKINS_EVENTS, CHECKINS_COMMANDS, NOTIFICATIONS_EVENTS)

_BY_PUBLISHER = {
    "goals": GOALS_EVENTS,
    "checkins": CHECKINS_EVENTS,
    "notifications": NOTIFICATIONS_EVENTS,
    "notifications.commands": CHECKINS_COMMANDS,
}


def topic_of_source(publisher: str) -> str:
    return _BY_PUBLISHER[publisher]


def dlq(topic: str) -> str:
    return f"{topic}.dlq"
