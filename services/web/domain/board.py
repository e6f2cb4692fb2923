"""The team board: goals grouped by the health the goals service gave them."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.web.domain.stamps import stamp
from services.web.domain.status_text import GOAL_STATUSES
from shared.goal_statuses import CLOSED, CURRENT
from shared.health_text import HEALTH_WORDS


def _health(key: str, icon: str) -> tuple[str, str, str]:
    """The group of a health: headed by its words, as every service says it."""
    return key, HEALTH_WORDS[key], icon


# (key, heading, icon) in board order; the icon and the word travel with the colour. The
# healths the goals service gives, then the board's own groups, by status, of goals no longer paced.
GROUPS = (
    _health("on_track", "✓"),
    _health("at_risk", "!"),
    _health("off_track", "✗"),
    _health("overdue", "⚠"),
    _health("not_started", "…"),
    ("achieved", GOAL_STATUSES["achieved"], "★"),
    ("closed", "Closed", "■"),
)
HEADINGS = {key: heading for key, heading, _ in GROUPS}
ICONS = {key: icon for key, _, icon in GROUPS}
FILTERS = ("team", "mine", "partners", "closed")
OPEN = (*CURRENT, "achieved")  # not closed: what every filter but "closed" asks for
STATUSES = {"team": OPEN, "mine": OPEN, "partners": OPEN, "closed": CLOSED}  # asked of the API


def group_of(goal: dict) -> str:
    """The board group of a goal, from its status and the health the API computed: the badge
    a goal wears wherever the web app shows it (board, partners and goal pages)."""
    if goal["status"] == "achieved":
        return "achieved"
    if goal["status"] in CLOSED:
        return "closed"
    health = goal.get("health")
    return health if health in HEADINGS else "not_started"


@dataclass
class Group:
    key: str
    heading: str
    icon: str
    goals: list[dict] = field(default_factory=list)


def board(goals: list[dict], *, show: str, me: str, partner_ids: set[str]) -> list[Group]:
    """The non-empty groups of the goals that filter `show` keeps, in board order."""
    keep = {
        "team": lambda g: g["status"] not in CLOSED,
        "mine": lambda g: g["owner_id"] == me and g["status"] not in CLOSED,
        "partners": lambda g: g["owner_id"] in partner_ids and g["status"] not in CLOSED,
        "closed": lambda g: g["status"] in CLOSED,
    }[show]
    groups = {key: Group(key, heading, icon) for key, heading, icon in GROUPS}
    for goal in sorted(goals, key=lambda g: g["due_date"]):
        if keep(goal):
            groups[group_of(goal)].goals.append(goal)
    return [g for g in groups.values() if g.goals]


def empty_note(show: str, partner_ids: set[str]) -> tuple[str, str | None]:
    """What a board with no goal under filter `show` says, and the page ("goals.new",
    "partners.show") that gets the member further, if any."""
    if show == "closed":
        return ("No closed goals. A goal shows here once it is closed as partly met, missed "
                "or dropped.", None)
    if show == "partners" and not partner_ids:
        return "You have no accountability partner yet.", "partners.show"
    if show == "partners":
        return "Your partners have no open goal you can see.", None
    if show == "mine":
        return "You have no open goal.", "goals.new"
    return "No goals here yet.", "goals.new"


def partner_ids_of(partnerships: list[dict], me: str) -> set[str]:
    """Everyone who shares an active partnership with `me`."""
    ids: set[str] = set()
    for partnership in partnerships:
        members = set(partnership.get("member_ids") or [])
        if me in members and partnership.get("status") == "active":
            ids |= members - {me}
    return ids


def goals_of_each(goals: list[dict], owners: set[str]) -> dict[str, list[dict]]:
    """Each of `owners` with their goals among `goals`, in the order of `goals`."""
    each: dict[str, list[dict]] = {owner: [] for owner in owners}
    for goal in goals:
        if goal["owner_id"] in each:
            each[goal["owner_id"]].append(goal)
    return each


def drawn_from(show: str, goals: list[dict] | None, partner_ids: set[str], partners_down: bool,
               due: list[dict] | None, names: dict[str, str], zone: str) -> str:
    """A stamp of what the board under filter `show` is drawn from: the `goals` as the goals
    API gives them (None while it does not answer) and whether some were left (`cut`), the
    member's partners, when each goal is next due (None while checkins does not answer) and
    whether some were left, the owners' names and the member's time zone, which its times are
    shown in. The same stamp means the same board: a goal set, changed or moved by a check-in,
    a teammate's check-in (its goal's next one moves), a partner's answer, a renamed teammate
    or another time zone changes it."""
    return stamp([show, goals, getattr(goals, "cut", False), sorted(partner_ids), partners_down,
                  due, getattr(due, "cut", False), names, zone])
