"""`make test`'s two parts (infra.suite): which tests each takes, and the exit code of both."""

from __future__ import annotations

import pytest

from infra.suite import NO_TESTS, combined, part_args, split_marker


def test_each_part_joins_the_callers_marker_expression_to_its_own():
    args = ["-k", "slice", "-m", "kafka or slow", "tests/x.py"]
    assert split_marker(args) == ("kafka or slow", ["-k", "slice", "tests/x.py"])
    assert part_args("not alone", True, args, 2) == [
        "-n", "2", "-m", "(kafka or slow) and not alone", "-k", "slice", "tests/x.py"]
    assert part_args("alone", False, args, 2) == [
        "-m", "(kafka or slow) and alone", "-k", "slice", "tests/x.py"]
    assert part_args("alone", False, ["-mfaults"], 2) == ["-m", "(faults) and alone"]
    assert part_args("not alone", True, [], 0) == ["-m", "not alone"]


def test_the_tests_marked_alone_run_one_at_a_time_whatever_the_caller_spreads():
    """`PYTEST_ARGS='-n 4'` ran the kill and failover tests four at a time."""
    for spread in (["-n", "4"], ["-n4"], ["-n=auto"], ["--numprocesses=4"], ["--dist", "load"],
                   ["--numprocesses", "4"]):
        assert part_args("alone", False, [*spread, "-k", "slice"], 2) == [
            "-m", "alone", "-k", "slice"], spread
        assert part_args("not alone", True, [*spread, "-k", "slice"], 2) == [
            "-n", "2", "-m", "not alone", *spread, "-k", "slice"], spread
    assert part_args("alone", False, ["-nothing-like-it"], 2) == ["-m", "alone",
                                                                  "-nothing-like-it"]


@pytest.mark.parametrize(("codes", "code"), [
    ([0, 0], 0),
    ([0, NO_TESTS], 0),  # `-k slice` selects nothing marked alone
    ([NO_TESTS, 0], 0),
    ([NO_TESTS, NO_TESTS], NO_TESTS),  # a run that tested nothing fails, as pytest's does
    ([1, 0], 1),
    ([0, 1], 1),
    ([NO_TESTS, 2], 2),
    ([3, 1], 3),
])
def test_the_run_fails_when_either_part_fails_or_neither_tested_anything(codes, code):
    assert combined(codes) == code
