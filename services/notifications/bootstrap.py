"""Wires the notifications service: tables, unit of work, the bus and its handlers, the event
handlers with what they need, the delivery loop and the digest jobs, and the Slack app (its
Web API client, the background runner of `views.open`, and the worker's Slack task queue)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from functools import cached_property, partial

from services.notifications.adapters.orm import metadata, start_mappers
from services.notifications.adapters.slack_client import SlackClient
from services.notifications.adapters.smtp_client import Mailer, SmtpClient, SmtpServer
from services.notifications.adapters.webhook_client import WebhookClient
from services.notifications.config import NotificationsSettings, load
from services.notifications.domain.fanout import DeliveryPolicy, Notifier
from services.notifications.domain.notification import RetryPolicy
from services.notifications.domain.replicas import MemberReplica
from services.notifications.entrypoints.channel_schemas import (
    render_channel,
    render_test_message,
)
from services.notifications.service_layer import (
    channel_handlers,
    commands,
    digest_handlers,
    email_handlers,
    feed_handlers,
    on_events,
    preference_handlers,
    slack_checkin_handlers,
    slack_home_handlers,
    slack_install_handlers,
    slash_handlers,
)
from services.notifications.service_layer.jobs import (
    AwaitedCheckinsJob,
    Deliverer,
    Digests,
    erase_expired_secrets,
    purge_slack_events,
)
from services.notifications.service_layer.slack_task_handlers import SlackTasks
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared import idempotency
from shared.bootstrap import Container
from shared.clock import Clock
from shared.events.topics import (
    CHECKINS_COMMANDS,
    CHECKINS_EVENTS,
    GOALS_EVENTS,
    NOTIFICATIONS_EVENTS,
)
from shared.retention import PURGE_SECONDS
from shared.waker import Notices, Waker, socket_beside
from shared.worker import ScheduledJob

log = logging.getLogger(__name__)

AWAITED_CHECKINS_TICK_SECONDS = 1.0
DELIVERY_CHANNEL = "gk_deliveries"

EVENT_HANDLERS = {
    "team.created": on_events.on_team_created,
    "team.updated": on_events.on_team_updated,
    "member.added": on_events.on_member_added,
    "member.updated": on_events.on_member_updated,
    "member.sign_in_requested": on_events.on_member_sign_in_requested,
    "goal.created": on_events.on_goal_created,
    "goal.updated": on_events.on_goal_changed,
    "goal.activated": on_events.on_goal_activated,
    "goal.achieved": on_events.on_goal_achieved,
    "goal.reopened": on_events.on_goal_reopened,
    "goal.closed": on_events.on_goal_closed,
    "goal.pathway_switched": on_events.on_goal_pathway_switched,
    "goal.progressed": on_events.on_goal_progressed,
    "goal.milestone_completed": on_events.on_goal_milestone_completed,
    "goal.health_changed": on_events.on_goal_health_changed,
    "checkin.logged": on_events.on_checkin_logged,
    "checkin.rejected": on_events.on_checkin_rejected,
    "checkin.missed": on_events.on_checkin_missed,
    "checkin.reminder": on_events.on_checkin_reminder,
    "streak.reached": on_events.on_streak_reached,
    "kudos.given": on_events.on_kudos_given,
    "comment.added": on_events.on_comment_added,
    "partners.paired": on_events.on_partners_paired,
    "partnership.ended": on_events.on_partnership_ended,
}

COMMAND_HANDLERS = {
    commands.AddChannel: channel_handlers.add_channel,
    commands.ListChannels: channel_handlers.list_channels,
    commands.GetChannel: channel_handlers.get_channel,
    commands.ChangeChannel: channel_handlers.change_channel,
    commands.DeleteChannel: channel_handlers.delete_channel,
    commands.ListDeliveries: channel_handlers.list_deliveries,
    commands.SendTestMessage: channel_handlers.send_test_message,
    commands.RotateChannelSecret: channel_handlers.rotate_channel_secret,
    commands.GetTeamDigest: digest_handlers.get_team_digest,
    commands.SetTeamDigest: digest_handlers.set_team_digest,
    commands.ListFeed: feed_handlers.list_feed,
    commands.CountUnread: feed_handlers.count_unread,
    commands.MarkRead: feed_handlers.mark_read,
    commands.GetPreferences: preference_handlers.get_preferences,
    commands.SetPreferences: preference_handlers.set_preferences,
    commands.RunSlashCommand: slash_handlers.run_slash_command,
    commands.Unsubscribe: email_handlers.unsubscribe,
    commands.IssueSlackInstallLink: slack_install_handlers.issue_install_link,
    commands.StartSlackInstall: slack_install_handlers.start_install,
    commands.FinishSlackInstall: slack_install_handlers.finish_install,
    commands.GetSlackWorkspace: slack_install_handlers.get_slack_workspace,
    commands.LinkSlackUser: slack_install_handlers.link_slack_user,
    commands.LinkMySlackAccount: slack_install_handlers.link_my_slack_account,
    commands.SlackAppRevoked: slack_install_handlers.disable_workspace,
    commands.SlackHomeOpened: slack_home_handlers.home_opened,
    commands.OpenCheckinModal: slack_checkin_handlers.open_checkin_modal,
    commands.SubmitCheckinModal: slack_checkin_handlers.submit_checkin_modal,
}


class NotificationsContainer(Container):
    metadata = metadata
    uow_class = NotificationsUnitOfWork
    consumes = (GOALS_EVENTS, CHECKINS_EVENTS)
    publishes = (NOTIFICATIONS_EVENTS, CHECKINS_COMMANDS)
    member_record = MemberReplica
    caches_reads = True

    def __init__(self, settings: NotificationsSettings, clock: Clock | None = None,
                 client: WebhookClient | None = None):
        start_mappers()
        super().__init__(settings, clock)
        self.client = client or WebhookClient(allowlist=settings.webhook_allowlist)
        self.policy = delivery_policy(settings)
        self.waits = on_events.GoalWaits()

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(self.clock, self.policy, lambda uow: self.deliverer.wake_at_commit(uow),
                        take=lambda uow, note, channel: self.deliverer.take(uow, note, channel),
                        email=self.settings.email_enabled)

    @cached_property
    def deliverer(self) -> Deliverer:
        return Deliverer(self.uow, self.client, self.clock, self.notifier, self.policy,
                         public_url=self.settings.public_url, mailer=mailer(self.settings),
                         waker=self.delivery_waker)

    @cached_property
    def delivery_waker(self) -> Waker:
        """Wakes the deliverer of this database from any process: a datagram on this host, and
        on PostgreSQL a notice on `DELIVERY_CHANNEL` to a worker on any host."""
        notices = (Notices(self.engine, DELIVERY_CHANNEL)
                   if self.engine.dialect.name == "postgresql" else None)
        return Waker(socket_beside(self.settings.database_url, "deliveries"), notices)

    @cached_property
    def digests(self) -> Digests:
        return Digests(self.uow, self.clock, self.notifier, self.settings.public_url,
                       personal_hour=self.settings.personal_digest_hour,
                       grace_hours=self.settings.digest_grace_hours)

    @cached_property
    def awaited_checkins(self) -> AwaitedCheckinsJob:
        wait = timedelta(seconds=self.settings.progress_wait_seconds)
        return AwaitedCheckinsJob(self.uow, self.clock, self.notifier, self.settings.public_url,
                                  wait)

    @cached_property
    def slack(self) -> SlackClient:
        s = self.settings
        return SlackClient(self.engine, api_url=s.slack_api_url, client_id=s.slack_client_id,
                           client_secret=s.slack_client_secret, scopes=s.slack_scopes,
                           authorize_url=s.slack_authorize_url,
                           redirect_uri=f"{s.slack_app_url.rstrip('/')}/slack/oauth_redirect")

    @cached_property
    def slack_tasks(self) -> SlackTasks:
        return SlackTasks(self.uow, self.slack, self.clock, self.settings.public_url,
                          figure_wait=timedelta(seconds=self.settings.progress_wait_seconds),
                          retry=self.policy.retry)

    @cached_property
    def background(self) -> Callable[[Callable[[], object]], None]:
        """Run a call after the request is answered (Slack's `views.open` within 3 s)."""
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-background")

        def submit(call: Callable[[], object]) -> None:
            executor.submit(call).add_done_callback(_log_failure)

        return submit

    # -- the request side -----------------------------------------------------------------
    def command_handlers(self) -> dict[type, Callable]:
        return dict(COMMAND_HANDLERS)

    def dependencies(self) -> dict[str, Callable]:
        return {**super().dependencies(), "notifier": lambda: self.notifier,
                "slack": lambda: self.slack, "background": lambda: self.background,
                "render_channel": lambda: render_channel,
                "render_test_message": lambda: render_test_message}

    # -- the worker side ------------------------------------------------------------------
    def handlers(self):
        """Each event handler with what it names besides `(event, uow)`, bound once."""
        given = {"notifier": self.notifier, "public_url": self.settings.public_url,
                 "waits": self.waits, "clock": self.clock}
        return {event_type: _bind(handler, given) for event_type, handler in EVENT_HANDLERS.items()}

    def prefetch(self, events: list, uow) -> None:
        on_events.prefetch(events, uow)

    def jobs(self) -> list[ScheduledJob]:
        every = self.settings.digest_interval_seconds
        return [
            ScheduledJob("team-digests", every, self.digests.send_team_digests),
            ScheduledJob("personal-digests", every, self.digests.send_personal_digests),
            ScheduledJob("slack", self.settings.slack_tick_seconds, self.slack_tasks.run_due),
            ScheduledJob("awaited-checkins", AWAITED_CHECKINS_TICK_SECONDS,
                         self.awaited_checkins.announce_overdue),
            ScheduledJob("slack-events-purge", PURGE_SECONDS,
                         partial(purge_slack_events, self.uow, self.clock)),
            ScheduledJob("idempotency-purge", PURGE_SECONDS,
                         partial(idempotency.purge_keys, self.uow, self.clock)),
            ScheduledJob("expired-secrets-purge", PURGE_SECONDS,
                         partial(erase_expired_secrets, self.uow, self.clock)),
        ]

    def worker(self):
        worker = super().worker()
        worker.loops["delivery"] = self.deliverer.run
        return worker


def delivery_policy(settings: NotificationsSettings) -> DeliveryPolicy:
    return DeliveryPolicy(
        coalesce_quiet=timedelta(seconds=settings.coalesce_quiet_seconds),
        coalesce_max=timedelta(seconds=settings.coalesce_max_seconds),
        pace=timedelta(seconds=settings.pace_seconds),
        lease=timedelta(seconds=settings.lease_seconds),
        retry=RetryPolicy(settings.max_attempts, settings.backoff_base_seconds,
                          settings.backoff_cap_seconds),
    )


def _log_failure(future: Future) -> None:
    if future.exception() is not None:
        log.error("background Slack call failed", exc_info=future.exception())


def _bind(handler: Callable, given: dict) -> Callable:
    names = list(inspect.signature(handler).parameters)[2:]
    return partial(handler, **{name: given[name] for name in names})


def mailer(settings: NotificationsSettings) -> Mailer | None:
    """The one SMTP sender, when SMTP_HOST is set."""
    if not settings.email_enabled:
        return None
    server = SmtpServer(settings.smtp_host, settings.smtp_port, settings.smtp_user or None,
                        settings.smtp_password or None, settings.smtp_starttls)
    return Mailer(SmtpClient(server), settings.smtp_from, settings.notifications_public_url,
                  settings.secret_key)


def bootstrap(settings: NotificationsSettings | None = None, clock: Clock | None = None,
              client: WebhookClient | None = None) -> NotificationsContainer:
    return NotificationsContainer(settings or load(), clock, client)
