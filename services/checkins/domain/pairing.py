"""Pairing rounds as a pure function: members in, groups out. No I/O, so it is tested directly.

`pair(candidates, recent, seed)` splits the candidates into pairs, plus exactly one trio when
their count is odd. It searches (branch and bound, most constrained member first) for the
grouping with the fewest repeats, a repeat being two people grouped together within the
cooldown (`recent`). When a repeat-free grouping exists the search finds it, unless the
search budget runs out first (only for very large, very constrained teams). Among equally
good groupings it prefers overlapping working hours, breaking ties with the seeded shuffle,
so the same seed and the same inputs always give the same round.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

MINUTES_PER_DAY = 24 * 60
DEFAULT_BUDGET = 50_000  # search nodes, then as many swap trials

Group = tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    member_id: str
    hours: tuple[int, int] = (0, MINUTES_PER_DAY)  # UTC minutes of the day; end < start wraps


@dataclass(frozen=True)
class Round:
    groups: list[Group]
    repeats: list[tuple[str, str]]
    optimal: bool  # the search finished: no grouping has fewer repeats


def overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    """Minutes two daily working-hour windows share."""
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in _spans(a) for s2, e2 in _spans(b))


def shared_start(windows: list[tuple[int, int]]) -> int | None:
    """The minute of the UTC day at which every window's hours are on together (windows may
    wrap midnight); None when they never are."""
    common = [(0, MINUTES_PER_DAY)]
    for window in windows:
        common = [(max(s1, s2), min(e1, e2)) for s1, e1 in common for s2, e2 in _spans(window)
                  if max(s1, s2) < min(e1, e2)]
    if not common:
        return None
    # a shared span across midnight is one span: it starts before midnight, not at 00:00
    before_midnight = [s for s, e in common if e == MINUTES_PER_DAY and s > 0]
    if before_midnight and any(s == 0 for s, _ in common):
        return min(before_midnight)
    return min(s for s, _ in common)


def _spans(hours: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = hours
    if start == end:
        return [(0, MINUTES_PER_DAY)]
    return [(start, end)] if start < end else [(start, MINUTES_PER_DAY), (0, end)]


def pair(candidates: Iterable[Candidate], recent: Iterable[Iterable[str]], seed: int,
         budget: int = DEFAULT_BUDGET) -> Round:
    people = sorted({c.member_id: c for c in candidates}.values(), key=lambda c: c.member_id)
    if len(people) < 2:
        return Round([], [], True)
    search = _Search(people, {frozenset(p) for p in recent}, random.Random(seed), budget)
    groups = search.run()
    groups = search.improve(groups)
    return Round(sorted(groups), search.repeats_in(groups), not search.exhausted)


class _Search:
    def __init__(self, people: list[Candidate], recent: set[frozenset[str]], rng: random.Random,
                 budget: int):
        self.ids = [p.member_id for p in people]
        order = self.ids[:]
        rng.shuffle(order)
        self.rank = {member: index for index, member in enumerate(order)}
        self.hours = {p.member_id: p.hours for p in people}
        self.recent = recent
        self.allowed = {m: {o for o in self.ids if o != m and frozenset((m, o)) not in recent}
                        for m in self.ids}
        self.budget = budget
        self.swap_budget = budget
        self.exhausted = False
        self.best: list[Group] | None = None
        self.best_cost = len(self.ids)

    # -- branch and bound ------------------------------------------------------------------
    def run(self) -> list[Group]:
        self._dfs(frozenset(self.ids), len(self.ids) % 2 == 1, [], 0)
        return self.best or []

    def _dfs(self, left: frozenset[str], trio_due: bool, chosen: list[Group], cost: int) -> None:
        if self.best_cost == 0 or self.exhausted:
            return
        self.budget -= 1
        if self.budget < 0:
            self.exhausted = True
            return
        if not left:
            self.best, self.best_cost = list(chosen), cost
            return
        if cost + self._lower_bound(left) >= self.best_cost and self.best is not None:
            return
        member = min(left, key=lambda m: (self._allowed_count(m, left), self.rank[m]))
        for group in self._options(member, left, trio_due):
            chosen.append(group)
            self._dfs(left - set(group), trio_due and len(group) == 2, chosen,
                      cost + self.group_repeats(group))
            chosen.pop()

    def _options(self, member: str, left: frozenset[str], trio_due: bool) -> list[Group]:
        others = sorted(left - {member}, key=self.rank.__getitem__)
        options: list[Group] = []
        if not trio_due or len(left) > 3:
            options += [(member, other) for other in others]
        if trio_due:
            options += [(member, *two) for two in combinations(others, 2)]
        return sorted(options, key=lambda g: (self.group_repeats(g), -self.group_overlap(g),
                                              [self.rank[m] for m in g]))

    def _allowed_count(self, member: str, left: frozenset[str]) -> int:
        return len(self.allowed[member] & left)

    def _lower_bound(self, left: frozenset[str]) -> int:
        stuck = sum(1 for m in left if self._allowed_count(m, left) == 0)
        return (stuck + 1) // 2

    # -- local improvement of working-hour overlap, never adding a repeat ---------------------
    def improve(self, groups: list[Group]) -> list[Group]:
        groups = [tuple(g) for g in groups]
        improved = True
        while improved and self.swap_budget > 0:
            improved = False
            for i, j in combinations(range(len(groups)), 2):
                better = self._better_swap(groups[i], groups[j])
                if better is not None:
                    groups[i], groups[j] = better
                    improved = True
        return [tuple(sorted(g)) for g in groups]

    def _better_swap(self, first: Group, second: Group) -> tuple[Group, Group] | None:
        current = self._score(first, second)
        for a in first:
            for b in second:
                self.swap_budget -= 1
                swapped = (tuple(b if m == a else m for m in first),
                           tuple(a if m == b else m for m in second))
                if self._score(*swapped) < current:
                    return swapped
        return None

    def _score(self, *groups: Group) -> tuple[int, int]:
        return (sum(self.group_repeats(g) for g in groups),
                -sum(self.group_overlap(g) for g in groups))

    # -- measures ---------------------------------------------------------------------------
    def _is_repeat(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.recent

    def group_repeats(self, group: Group) -> int:
        return sum(1 for a, b in combinations(group, 2) if self._is_repeat(a, b))

    def group_overlap(self, group: Group) -> int:
        return min(overlap(self.hours[a], self.hours[b]) for a, b in combinations(group, 2))

    def repeats_in(self, groups: list[Group]) -> list[tuple[str, str]]:
        return sorted(tuple(sorted((a, b))) for g in groups for a, b in combinations(g, 2)
                      if self._is_repeat(a, b))
