"""Kudos given before emoji were written in full count as those given since, on both engines."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from shared.migrate import upgrade

HEART, HEART_IN_FULL = "\u2764", "\u2764\ufe0f"


def test_kudos_given_before_emoji_were_written_in_full_are_written_in_full(db_url):
    """Rows of ❤ and ❤️ counted apart, and a teammate could have given both. Migrating writes
    each emoji in full (❤ becomes ❤️, © becomes ©️); a teammate's second kudos of one emoji
    goes, the first given is kept; shortcodes and emoji already in full stay as they were."""
    upgrade("checkins", db_url, "ab4de0317b11")
    rows = [  # (id, check-in, from, emoji, given at)
        ("k1", "c1", "max", HEART, "2026-03-04 09:00:00"),
        ("k2", "c1", "pia", HEART_IN_FULL, "2026-03-04 09:01:00"),
        ("k3", "c1", "max", HEART_IN_FULL, "2026-03-04 09:02:00"),
        ("k4", "c1", "max", "\u00a9", "2026-03-04 09:03:00"),
        ("k5", "c1", "max", ":heart:", "2026-03-04 09:04:00"),
        ("k6", "c2", "max", "\u2615", "2026-03-04 09:05:00"),
        ("k7", "c2", "pia", HEART_IN_FULL, "2026-03-04 09:06:00"),
        ("k8", "c2", "pia", HEART, "2026-03-04 09:07:00"),
    ]
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO kudos (id, checkin_id, team_id, from_id, emoji, created_at) "
                "VALUES (:id, :checkin, 't1', :from_id, :emoji, :at)"),
                [{"id": k, "checkin": c, "from_id": f, "emoji": e, "at": at}
                 for k, c, f, e, at in rows])
        upgrade("checkins", db_url)
        with engine.connect() as conn:
            kept = dict(conn.execute(text("SELECT id, emoji FROM kudos")).all())
    finally:
        engine.dispose()

    assert kept == {"k1": HEART_IN_FULL, "k2": HEART_IN_FULL, "k4": "\u00a9\ufe0f",
                    "k5": ":heart:", "k6": "\u2615", "k7": HEART_IN_FULL}
