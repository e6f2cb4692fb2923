"""A goal's health as people read it: the web app's board and badges and the notifications'
messages (Slack, Teams, email, the feed, digests) say each health in these words. Each puts
its own mark beside the word (the web a text icon, notifications an emoji); the word is one.
"""

from __future__ import annotations

HEALTH_WORDS = {"on_track": "On track", "at_risk": "At risk", "off_track": "Off track",
                "overdue": "Overdue", "not_started": "Not started", "done": "Done"}
"""Each health the goals service gives (`shared.events.catalog.goals.HEALTH`), as a heading
or a label says it."""
