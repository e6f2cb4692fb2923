"""Wires the goals service: its tables, unit of work, use cases, consumed events and jobs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial

from services.goals.adapters.orm import metadata, start_mappers
from services.goals.config import GoalsSettings, load
from services.goals.domain.members import Member
from services.goals.entrypoints.goal_schemas import render_goal
from services.goals.entrypoints.invite_schemas import render_invite
from services.goals.entrypoints.plan_schemas import render_milestone, render_pathway
from services.goals.entrypoints.team_schemas import render_member
from services.goals.service_layer import (
    goal_handlers,
    invite_handlers,
    lifecycle_handlers,
    plan_handlers,
    team_handlers,
    template_handlers,
)
from services.goals.service_layer.commands import (
    AchieveGoal,
    ActivateGoal,
    AddMember,
    AddMilestone,
    AddPathway,
    AssessDraft,
    CloseGoal,
    CompleteMilestone,
    CreateGoal,
    CreateTeam,
    EditGoal,
    FindGoals,
    GetGoal,
    GetMember,
    GetTeam,
    GetTemplate,
    GoalHistory,
    InstantiateTemplate,
    InviteMember,
    ListMembers,
    ListTemplates,
    RedeemInvite,
    RedeemSignInLink,
    ReopenGoal,
    ReopenMilestone,
    ReorderMilestones,
    RequestSignInLink,
    RevokeTokens,
    RotateToken,
    SwitchPathway,
    UpdateMember,
    UpdateTeam,
)
from services.goals.service_layer.jobs import (
    purge_spent_links,
    reevaluate_due,
    wake_ended_snoozes,
)
from services.goals.service_layer.on_events import (
    on_checkin_edited,
    on_checkin_logged,
    on_partners_paired,
    on_partnership_ended,
)
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared import idempotency
from shared.bootstrap import Container
from shared.clock import Clock
from shared.consumer import Handler
from shared.events.topics import CHECKINS_EVENTS, GOALS_EVENTS
from shared.retention import PURGE_SECONDS
from shared.worker import ScheduledJob

SNOOZES_END_SECONDS = 60.0  # goals wakes a member at most this long after their snooze ends


class GoalsContainer(Container):
    metadata = metadata
    uow_class = GoalsUnitOfWork
    consumes = (CHECKINS_EVENTS,)
    publishes = (GOALS_EVENTS,)
    member_record = Member
    member_record_is_replica = False
    caches_reads = True
    settings: GoalsSettings

    def __init__(self, settings: GoalsSettings, clock: Clock | None = None):
        start_mappers()
        super().__init__(settings, clock)

    def command_handlers(self) -> dict[type, Callable]:
        return {
            CreateTeam: team_handlers.create_team,
            GetTeam: team_handlers.get_team,
            UpdateTeam: team_handlers.update_team,
            AddMember: team_handlers.add_member,
            ListMembers: team_handlers.list_members,
            GetMember: team_handlers.get_member,
            UpdateMember: team_handlers.update_member,
            RotateToken: team_handlers.rotate_token,
            RevokeTokens: team_handlers.revoke_tokens,
            InviteMember: invite_handlers.invite_member,
            RedeemInvite: invite_handlers.redeem_invite,
            RequestSignInLink: invite_handlers.request_sign_in_link,
            RedeemSignInLink: invite_handlers.redeem_sign_in_link,
            CreateGoal: goal_handlers.create_goal,
            AssessDraft: goal_handlers.assess_draft,
            GetGoal: goal_handlers.get_goal,
            FindGoals: goal_handlers.find_goals,
            EditGoal: goal_handlers.edit_goal,
            GoalHistory: goal_handlers.goal_history,
            AddMilestone: plan_handlers.add_milestone,
            ReorderMilestones: plan_handlers.reorder_milestones,
            CompleteMilestone: plan_handlers.complete_milestone,
            ReopenMilestone: plan_handlers.reopen_milestone,
            AddPathway: plan_handlers.add_pathway,
            SwitchPathway: plan_handlers.switch_pathway,
            ActivateGoal: lifecycle_handlers.activate_goal,
            AchieveGoal: lifecycle_handlers.achieve_goal,
            ReopenGoal: lifecycle_handlers.reopen_goal,
            CloseGoal: lifecycle_handlers.close_goal,
            ListTemplates: template_handlers.list_templates,
            GetTemplate: template_handlers.get_template,
            InstantiateTemplate: template_handlers.instantiate_template,
        }

    def dependencies(self) -> dict[str, Callable]:
        return {**super().dependencies(), "tokens": lambda: self.tokens,
                "render_goal": lambda: render_goal, "render_milestone": lambda: render_milestone,
                "render_pathway": lambda: render_pathway,
                "render_member": lambda: render_member, "render_invite": lambda: render_invite}

    def handlers(self) -> dict[str, Handler]:
        return {
            "checkin.logged": partial(on_checkin_logged, clock=self.clock),
            "checkin.edited": partial(on_checkin_edited, clock=self.clock),
            "partners.paired": on_partners_paired,
            "partnership.ended": on_partnership_ended,
        }

    def jobs(self) -> list[ScheduledJob]:
        tick = partial(reevaluate_due, self.uow, self.clock)
        return [ScheduledJob("health", self.settings.health_interval, tick),
                ScheduledJob("snoozes-end", SNOOZES_END_SECONDS,
                             partial(wake_ended_snoozes, self.uow, self.clock)),
                ScheduledJob("idempotency-purge", PURGE_SECONDS,
                             partial(idempotency.purge_keys, self.uow, self.clock)),
                ScheduledJob("link-retention", PURGE_SECONDS, partial(
                    purge_spent_links, self.uow, self.clock,
                    timedelta(days=self.settings.link_retention_days)))]


def bootstrap(settings: GoalsSettings | None = None, clock: Clock | None = None) -> GoalsContainer:
    return GoalsContainer(settings or load(), clock)
