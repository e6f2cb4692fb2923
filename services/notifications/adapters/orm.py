"""Tables of the notifications database and their imperative mapping."""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry

from services.notifications.adapters.slack_client import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    OAUTH_STATES_TABLE,
)
from services.notifications.domain.announcement import AwaitedCheckin
from services.notifications.domain.channel import Channel
from services.notifications.domain.digest import ChannelWeek, DigestSettings
from services.notifications.domain.email import Suppression
from services.notifications.domain.notification import DeliveryAttempt, Notification
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.replicas import (
    Activity,
    CheckinDue,
    GoalReplica,
    MemberReplica,
    Partnership,
    StreakReplica,
    TeamReplica,
)
from services.notifications.domain.slack_dm import SlackDm, SlackTask
from services.notifications.domain.slack_workspace import (
    SLACK_EVENT_ID_MAX,
    InstallTicket,
    LinkTicket,
    SlackIdentity,
    SlackWorkspace,
)
from services.notifications.domain.slash import SlackRequest
from shared.change_watch import watch_changes
from shared.db import UtcDateTime, map_once
from shared.idempotency import add_idempotency_table
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
outbox, inbox = add_messaging_tables(metadata, "notifications")

channels = Table(
    "channels", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("type", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False, default=""),
    Column("health", String(100), nullable=False, default=""),
    Column("secret", String(100)),
    Column("previous_secret", String(100)),
    Column("previous_secret_until", UtcDateTime),
    Column("state", String(10), nullable=False),
    Column("disabled_reason", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_sent_at", UtcDateTime),
    Column("resume_at", UtcDateTime),
)

notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("target", String(120), nullable=False),
    Column("channel_id", String(36), ForeignKey("channels.id")),
    Column("recipient_id", String(36)),
    Column("url", Text),
    Column("goal_id", String(36)),
    Column("event_id", String(120), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("claimed_until", UtcDateTime),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Column("read_at", UtcDateTime),
    Column("merged_into", String(36)),
    UniqueConstraint("event_id", "target", name="uq_notification_per_target"),
)
Index("ix_notifications_due", notifications.c.status, notifications.c.next_attempt_at)
Index("ix_notifications_merged_into", notifications.c.merged_into)  # a burst's rows, on retry
Index("ix_notifications_feed", notifications.c.recipient_id, notifications.c.status,
      notifications.c.sent_at)

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", String(36), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notifications.id"), nullable=False,
           index=True),
    Column("channel_id", String(36)),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("outcome", String(10), nullable=False),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False, default=0),
)

team_views = Table(
    "team_views", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
)

member_views = Table(
    "member_views", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("token_version", Integer, nullable=False),
    Column("slack_user_id", String(64), index=True),
    Column("email", String(320)),
    Column("snoozed_until", String(10)),
)

goal_views = Table(
    "goal_views", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("kind", String(10), nullable=False, default="personal"),
    Column("status", String(20), nullable=False, default="active"),
    Column("progress", Float, nullable=False, default=0.0),
    Column("health", String(20)),
    Column("expected", Float),
    Column("unit", String(50)),
    Column("progressed_by", String(36)),
    Column("current", Float),
    Column("target", Float),
)

awaited_checkins = Table(
    "awaited_checkins", metadata,
    Column("checkin_id", String(36), primary_key=True),
    Column("goal_id", String(36), nullable=False, index=True),
    Column("team_id", String(36), nullable=False),
    Column("event_id", String(120), nullable=False),
    Column("event_time", String(40), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("waits_for_goal", Boolean, nullable=False),
)
# The awaited check-ins job's two ranges: those waiting for their figure, those parked too long.
Index("ix_awaited_checkins_due", awaited_checkins.c.waits_for_goal, awaited_checkins.c.created_at)

partnerships = Table(
    "partnerships", metadata,
    Column("partnership_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("member_ids", Text, nullable=False),
)

activity = Table(
    "activity", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("member_id", String(36), nullable=False),
    Column("goal_id", String(36)),
    Column("amount", Float, nullable=False, default=1.0),
    Column("at", UtcDateTime, nullable=False),
    Column("frequency", String(10)),
)
Index("ix_activity_team_at", activity.c.team_id, activity.c.at)

preferences = Table(
    "preferences", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("muted", Text, nullable=False, default=""),
    Column("delivery", String(10), nullable=False),
    Column("digest", String(10), nullable=False),
    Column("quiet_start", String(5)),
    Column("quiet_end", String(5)),
)

digest_settings = Table(
    "digest_settings", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("weekday", Integer, nullable=False),
    Column("hour", Integer, nullable=False),
    Column("last_slot", UtcDateTime),
)

digest_channel_weeks = Table(
    "digest_channel_weeks", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("channel_id", String(36), primary_key=True),
    Column("told_through", UtcDateTime),
    Column("since", UtcDateTime),
    Column("period", Text),
)

slack_requests = Table(
    "slack_requests", metadata,
    Column("request_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("member_id", String(36), nullable=False),
    Column("goal_id", String(36), nullable=False),
    Column("response_url", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime),
    Column("rejection", Text),
    Column("answer", Text),
    Column("dmed_at", UtcDateTime),
)

slack_events = Table(
    "slack_events", metadata,
    Column("event_id", String(SLACK_EVENT_ID_MAX), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("received_at", UtcDateTime, nullable=False, index=True),
)

# -- the Slack app: slack-sdk's own OAuth tables, and the team <-> workspace links ----------
SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE)
SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, OAUTH_STATES_TABLE)

slack_workspaces = Table(
    "slack_workspaces", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("slack_team_id", String(32), nullable=False, index=True),
    Column("enterprise_id", String(32)),
    Column("installed_by", String(36), nullable=False),
    Column("installed_at", UtcDateTime, nullable=False),
    Column("state", String(10), nullable=False),
    Column("disabled_reason", String(200)),
    Column("disabled_at", UtcDateTime),
)

slack_rate_limits = Table(
    "slack_rate_limits", metadata,
    Column("slack_team_id", String(32), primary_key=True),
    Column("method", String(40), primary_key=True),
    Column("until", UtcDateTime, nullable=False),
)

slack_install_tickets = Table(
    "slack_install_tickets", metadata,
    Column("ticket", String(64), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("member_id", String(36), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("oauth_state", String(200), unique=True),
    Column("used_at", UtcDateTime),
)

slack_identities = Table(
    "slack_identities", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("slack_user_id", String(32), nullable=False, index=True),
    Column("linked_by", String(36), nullable=False),
    Column("linked_at", UtcDateTime, nullable=False),
)

slack_link_tickets = Table(
    "slack_link_tickets", metadata,
    Column("ticket", String(64), primary_key=True),
    Column("slack_team_id", String(32), nullable=False),
    Column("slack_user_id", String(32), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("used_by", String(64)),
)

slack_dms = Table(
    "slack_dms", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("member_id", String(36), nullable=False),
    Column("slack_user_id", String(32), nullable=False),
    Column("goal_id", String(36), nullable=False, index=True),
    Column("owner_id", String(36), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("level", Integer),
    Column("due_at", UtcDateTime, nullable=False),
    Column("event_id", String(120), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("state", String(10), nullable=False),
    Column("channel", String(32)),
    Column("ts", String(32)),
    Column("request_id", String(36)),
    Column("done_at", UtcDateTime),
    Column("done_by", String(36)),
    Column("checkin_id", String(36)),
    UniqueConstraint("event_id", "member_id", name="uq_slack_dm_per_event"),
)

slack_tasks = Table(
    "slack_tasks", metadata,
    Column("id", String(36), primary_key=True),
    Column("slack_team_id", String(32), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("done_at", UtcDateTime),
)
Index("ix_slack_tasks_due", slack_tasks.c.status, slack_tasks.c.next_attempt_at)

checkin_dues = Table(
    "checkin_dues", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("missed", Boolean, nullable=False),
)

streaks = Table(
    "streaks", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("length", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("frequency", String(10)),
)


email_suppressions = Table(
    "email_suppressions", metadata,
    Column("address", String(320), primary_key=True),
    Column("reason", String(20), nullable=False),
    Column("member_id", String(36), index=True),
    Column("detail", Text, nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False),
)

idempotency_keys = add_idempotency_table(metadata)

# The tables the feed is read from (its items and the caller's standing): a change to either
# drops what the web processes keep of that team (shared.read_cache).
READ_BY_TEAM = (notifications, member_views)
READ_WHOLE = ()
watch_changes("notifications", READ_BY_TEAM, READ_WHOLE)

_MAPPED = [
    (Channel, channels), (Notification, notifications), (DeliveryAttempt, delivery_attempts),
    (Suppression, email_suppressions),
    (TeamReplica, team_views), (MemberReplica, member_views), (GoalReplica, goal_views),
    (Partnership, partnerships), (Activity, activity), (Preferences, preferences),
    (DigestSettings, digest_settings), (ChannelWeek, digest_channel_weeks),
    (SlackRequest, slack_requests),
    (AwaitedCheckin, awaited_checkins),
    (SlackWorkspace, slack_workspaces), (InstallTicket, slack_install_tickets),
    (SlackIdentity, slack_identities), (LinkTicket, slack_link_tickets),
    (SlackDm, slack_dms), (SlackTask, slack_tasks), (CheckinDue, checkin_dues),
    (StreakReplica, streaks),
]


def start_mappers() -> None:
    map_once(mapper_registry, _MAPPED)
