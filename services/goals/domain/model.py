"""The goals domain in one import: teams, members, goals and their values."""

from services.goals.domain.goal import Goal, horizon_of
from services.goals.domain.history import HistoryEntry, ProgressPoint
from services.goals.domain.members import MEMBER_STATES, ROLES, Member, Team
from services.goals.domain.metric import Metric
from services.goals.domain.plans import Milestone, Pathway

__all__ = ["MEMBER_STATES", "ROLES", "Goal", "HistoryEntry", "Member", "Metric", "Milestone",
           "Pathway", "ProgressPoint", "Team", "horizon_of"]
