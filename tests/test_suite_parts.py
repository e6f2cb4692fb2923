"""`make test`'s two parts (infra.suite): which tests each takes, and the exit code of both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.suite import NO_TESTS, combined, part_args, split_marker, stops_early

ROOT = Path(__file__).resolve().parents[1]


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


@pytest.mark.parametrize(("args", "stops"), [
    (["-x"], True), (["-vx"], True), (["-xvs"], True), (["--exitfirst"], True),
    (["--maxfail=2"], True), (["--maxfail", "2"], True), (["-k", "x"], False),
    (["-rxX"], False), (["-v"], False), ([], False), (["tests/x.py"], False),
])
def test_a_run_asked_to_stop_at_the_first_failure_is_told_by_its_arguments(args, stops):
    assert stops_early(args) is stops

TWO_PARTS = '''
import pathlib
import pytest


def test_in_the_first_part_fails():
    assert False


@pytest.mark.alone
def test_in_the_second_part_leaves_a_mark():
    pathlib.Path("second-part-ran").touch()
'''


@pytest.mark.parametrize(("args", "second_ran"), [([], True), (["-x"], False)])
def test_a_failed_first_part_ends_the_run_only_when_asked_to_stop_at_the_first_failure(
        tmp_path, args, second_ran):
    (tmp_path / "test_parts.py").write_text(TWO_PARTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    alone: by itself\n")
    env = {**os.environ, "GOALKEEPER_TEST_WORKERS": "0"}
    done = subprocess.run([sys.executable, "-m", "infra.suite", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").exists() is second_ran, done.stdout
