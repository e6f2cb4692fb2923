"""`make test`'s two parts (infra.suite): which tests each takes, and the exit code of both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest import UsageError

from infra.suite import NO_TESTS, asked, combined, part_args, stops_early

ROOT = Path(__file__).resolve().parents[1]


def test_each_part_joins_the_callers_marker_expression_to_its_own():
    args = ["-k", "slice", "-m", "kafka or slow", "tests/x.py"]
    assert asked(args).markexpr == "kafka or slow"
    assert part_args("not alone", True, args, 2) == [
        *args, "-m", "(kafka or slow) and not alone", "-n", "2"]
    assert part_args("alone", False, args, 2) == [
        *args, "-m", "(kafka or slow) and alone", "-n", "0"]
    assert part_args("alone", False, ["-mfaults"], 2) == [
        "-mfaults", "-m", "(faults) and alone", "-n", "0"]
    assert part_args("not alone", True, [], 0) == ["-m", "not alone"]


def test_the_tests_marked_alone_run_one_at_a_time_whatever_the_caller_spreads():
    """`PYTEST_ARGS='-n 4'` ran the kill and failover tests four at a time."""
    for spread, own in ((["-n", "4"], []), (["-n4"], []), (["-n=auto"], []),
                        (["--numprocesses=4"], []), (["--dist", "load"], ["-n", "2"]),
                        (["--numprocesses", "4"], [])):
        assert part_args("alone", False, [*spread, "-k", "slice"], 2) == [
            *spread, "-k", "slice", "-m", "alone", "-n", "0"], spread
        assert part_args("not alone", True, [*spread, "-k", "slice"], 2) == [
            *spread, "-k", "slice", "-m", "not alone", *own], spread


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
    (["--maxfail=1"], True), (["--maxfail", "1"], True), (["--maxfail=2"], False),
    (["-k", "x"], False),
    (["-rxX"], False), (["-v"], False), ([], False), (["tests/x.py"], False),
    (["-k", "-x"], False), (["--", "-x"], True),  # pytest 9 reads options after --
    (["--stepwise"], True), (["-vn", "2"], False),
])
def test_a_run_asked_to_stop_at_the_first_failure_is_told_by_its_arguments(args, stops):
    assert stops_early(args) is stops

TWO_PARTS = '''
import os
import pathlib
import pytest
from pytest import UsageError


def test_in_the_first_part_fails():
    assert False


@pytest.mark.alone
def test_in_the_second_part_leaves_a_mark():
    pathlib.Path("second-part-ran").write_text(os.environ.get("PYTEST_XDIST_WORKER", "alone"))
'''


def suite_env(**more: str) -> dict[str, str]:
    """The environment of a run of infra.suite on a project of a test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GOALKEEPER_"))}
    return {**env, "PYTHONPATH": str(ROOT), "GOALKEEPER_TEST_WORKERS": "0", **more}


def run_suite(tmp_path: Path, args: list[str], env: dict[str, str] | None = None,
              timeout: int = 120) -> subprocess.CompletedProcess:
    """`python -m infra.suite -p no:cacheprovider *args` in the project at `tmp_path`."""
    return subprocess.run([sys.executable, "-m", "infra.suite", "-p", "no:cacheprovider", *args],
                          cwd=tmp_path, env=env or suite_env(), capture_output=True, text=True,
                          timeout=timeout)


def two_parts(tmp_path: Path) -> None:
    (tmp_path / "test_parts.py").write_text(TWO_PARTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    alone: by itself\n")


@pytest.mark.parametrize(("args", "second_ran"), [([], True), (["-x"], False)])
def test_a_failed_first_part_ends_the_run_only_when_asked_to_stop_at_the_first_failure(
        tmp_path, args, second_ran):
    two_parts(tmp_path)
    done = run_suite(tmp_path, args)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").exists() is second_ran, done.stdout


def test_the_tests_marked_alone_run_alone_whatever_pytest_addopts_spreads(tmp_path):
    """`PYTEST_ADDOPTS='-n 2'` reached the second part's pytest as well: the tests marked
    alone ran on two workers. The run reads PYTEST_ADDOPTS as arguments given first."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, [], env=suite_env(PYTEST_ADDOPTS="-n 2"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pytest -n 2 -p no:cacheprovider -m 'not alone'\n" in done.stdout, done.stdout
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout


@pytest.mark.parametrize("written", ["-m=kafka or slow", "-mkafka or slow"])
def test_a_marker_expression_written_on_to_m_is_joined_to_each_parts_own(written):
    """pytest reads `-m=kafka or slow` and `-mkafka or slow` as `-m 'kafka or slow'`. They
    were passed on after the part's own `-m`, and pytest takes the last: both parts ran the
    caller's expression alone, the tests marked alone spread over the workers beside the rest
    in the first part, and every selected test ran twice (review 17)."""
    assert part_args("not alone", True, [written], 2) == [
        written, "-m", "(kafka or slow) and not alone", "-n", "2"]
    assert part_args("alone", False, [written], 2) == [
        written, "-m", "(kafka or slow) and alone", "-n", "0"]


SERVER = """
import pathlib, time, pytest

@pytest.fixture(scope="session")
def server():
    pathlib.Path("started").write_text("")
    yield
    pathlib.Path("tearing-down").write_text("")
    time.sleep(3)  # as a broker's stop waits for its JVM
    pathlib.Path("torn-down").write_text("")
"""


def interrupted_run(tmp_path: Path, presses: tuple[str, ...]) -> tuple[int, str]:
    """infra.suite on a project whose one test holds a session server that takes 3 s to stop,
    a terminal's Ctrl-C (SIGINT to the whole foreground group) pressed once each of the marks
    `presses` names appears; its exit code and output."""
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n  alone: alone\n")
    (tmp_path / "conftest.py").write_text(SERVER)
    (tmp_path / "test_long.py").write_text(
        "import time\n\ndef test_long(server):\n    time.sleep(60)\n")
    with (tmp_path / "out.txt").open("w") as out:
        run = subprocess.Popen([sys.executable, "-m", "infra.suite", "-p", "no:cacheprovider"],
                               cwd=tmp_path, env=suite_env(), stdout=out,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for mark in presses:
            deadline = time.monotonic() + 60
            while not (tmp_path / mark).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            os.killpg(run.pid, signal.SIGINT)
        run.wait(60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    return run.returncode, (tmp_path / "out.txt").read_text()


def test_ctrl_c_lets_the_running_part_tear_its_servers_down_and_starts_no_other(tmp_path):
    """Ctrl-C reaches the run and pytest alike; subprocess.call then SIGKILLed pytest 0.25 s
    later, before its session fixtures' teardown: the throwaway Kafka broker (a JVM in its own
    session) and PostgreSQL were left running, and the next part started (review 17)."""
    code, output = interrupted_run(tmp_path, ("started",))
    assert (tmp_path / "torn-down").exists(), output
    assert "tests marked 'alone'" not in output, output
    assert code == 2, output


@pytest.mark.parametrize("args", [["-xk", "slice"], ["-xrA"], ["-xm", "kafka"], ["-xp", "no:x"]])
def test_a_stop_early_flag_clustered_before_an_option_with_a_value_is_told(args):
    """pytest reads `-xk slice` as `-x -k slice` and `-xrA` as `-x -rA` (argparse's short
    options may cluster, the last one taking a value): the run stops at the first failure,
    but STOPPING's letters end at x, v, q, s and l, so the second part started all the same."""
    assert stops_early(args) is True


def test_a_marker_expression_clustered_after_a_flag_is_joined_to_each_parts_own():
    """pytest reads `-vm slow` as `-v -m slow`: passed on after the part's own `-m`, it is the
    one pytest takes, so the second part ran the slow tests, not those marked alone (as the
    written-on `-m=slow` did before 1a38860)."""
    assert part_args("alone", False, ["-vm", "slow"], 2) == [
        "-vm", "slow", "-m", "(slow) and alone", "-n", "0"]


def test_a_second_ctrl_c_while_the_part_tears_down_starts_no_other_part(tmp_path):
    """A person presses Ctrl-C, sees nothing happen while the broker stops, and presses it
    again: pytest dies of the second KeyboardInterrupt in its teardown (Python then exits by
    SIGINT, so the part's code is -2, not pytest's 2), and the run took it for a part that
    ended and started the tests marked alone."""
    code, output = interrupted_run(tmp_path, ("started", "tearing-down"))
    assert "tests marked 'alone'" not in output, output
    assert code == 2, output


def test_a_maxfail_of_none_is_no_stop_at_the_first_failure():
    """pytest reads `--maxfail=0` (its default) as no limit: it runs every test, yet STOPPING
    matches any --maxfail, so a failed first part ended the run without the tests marked
    alone."""
    assert stops_early(["--maxfail=0"]) is False
    assert stops_early(["--maxfail", "0"]) is False


@pytest.mark.parametrize("args", [
    ["-m", ""], ["-m", "kafka", "-m", ""], ["-vm", "", "tests/x.py"], ["-m=", "tests/x.py"],
])
def test_an_empty_marker_expression_leaves_each_part_its_own(args):
    """pytest reads `-m ""` (the way to clear PYTEST_ADDOPTS' `-m`) as no expression, and
    `-m=` as `-m ""`. The empty value was read as no value: `-m ""` was passed on after the
    part's own `-m` and won, so both parts ran every test (the tests marked alone spread over
    the workers in the first); `-vm ""` dropped the empty word, and `-m=` took the next
    argument, a path, as its expression."""
    assert part_args("alone", False, args, 2) == [*args, "-m", "alone", "-n", "0"]


def test_the_tests_marked_alone_run_alone_whatever_tx_and_d_spread(tmp_path):
    """pytest-xdist's `--tx 2*popen -d` (two workers, load-balanced) is spreading as `-n 2`
    is, but only `-n`, `--numprocesses`, `--dist` and `--maxprocesses` were kept from the
    second part: the tests marked alone ran on two workers."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, ["--tx", "2*popen", "-d"], timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout


def test_a_run_without_xdist_runs_the_first_part_in_its_own_process(tmp_path):
    """`-p no:xdist` (say, to debug with --pdb) got the first part's own `-n 2` all the same:
    pytest refused it (exit 4, "unrecognized arguments: -n"), the tests not marked alone never
    ran, and the second part started anyway."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, ["-p", "no:xdist"], env=suite_env(GOALKEEPER_TEST_WORKERS="2"))
    assert "1 failed" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 1, done.stdout + done.stderr


@pytest.mark.parametrize(("args", "stops"), [
    (["-x", "--maxfail=0"], False),  # the last one given wins: no limit
    (["--maxfail=2", "--maxfail", "0"], False),
    (["--sw-skip"], True),  # "implicitly enables --stepwise"
    (["--stepwise-skip"], True),
    (["--sw-reset"], True),
])
def test_a_stop_at_the_first_failure_is_told_as_pytest_settles_it(args, stops):
    """`-x` and `--maxfail` set one option, the last given winning (`PYTEST_ADDOPTS=-x` and
    `--maxfail=0` on the command line runs every test); `--sw-skip` and `--sw-reset` turn
    `--stepwise` on."""
    assert stops_early(args) is stops


def test_a_first_part_pytest_refused_to_run_ends_the_run(tmp_path):
    """pytest refused the first part's arguments (usage error, 4): the second part, given the
    same arguments, started all the same, to be refused in its turn or to run alone what the
    caller meant to run with the rest."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, ["--no-such-option"])
    assert done.returncode == 4, done.stdout + done.stderr
    assert "tests marked 'alone'" not in done.stdout, done.stdout
    assert not (tmp_path / "second-part-ran").exists()


def test_a_maxfail_above_the_first_parts_failures_leaves_the_alone_tests_to_run(tmp_path):
    """`--maxfail=2` asks pytest to stop after two failures; one pytest run of the whole suite
    with one failure among the tests not marked alone runs the tests marked alone too. The
    run reads any `--maxfail` as `-x`: the first part's one failure ended the run and the
    tests marked alone never ran (review 23)."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, ["--maxfail=2"])
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").exists(), done.stdout


@pytest.mark.parametrize("spreading", [["-o", "addopts=-n 2"], ["@spread.txt"]])
def test_the_tests_marked_alone_run_alone_whatever_an_ini_override_or_args_file_spreads(
        tmp_path, spreading):
    """pytest reads `-o addopts=-n 2` as if `-n 2` were given first, and `@spread.txt`
    (pytest 9 reads arguments from a file named after `@`) as the file's lines: both reached
    the second part unread, and the tests marked alone ran on two workers (review 23)."""
    two_parts(tmp_path)
    (tmp_path / "spread.txt").write_text("-n\n2\n")
    done = subprocess.run([sys.executable, "-m", "infra.suite", "-p", "no:cacheprovider",
                           *spreading],
                          cwd=tmp_path, env=suite_env(), capture_output=True, text=True,
                          timeout=240)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout


@pytest.mark.parametrize("given", [["-o", "addopts=-m kafka"], ["@m.txt"]])
def test_a_marker_expression_from_an_ini_override_or_args_file_is_joined_to_each_parts_own(
        tmp_path, monkeypatch, given):
    """pytest reads `-o addopts=-m kafka` as `-m kafka` given first, and `@m.txt` as the
    file's lines where it stands: passed on unread, the file's `-m` came after the part's own
    and replaced it, and the tests marked alone ran in the spread first part, each selected
    test twice (review 23)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.txt").write_text("-m\nkafka\n")
    assert part_args("not alone", True, given, 2) == [
        *given, "-m", "(kafka) and not alone", "-n", "2"]
    assert part_args("alone", False, given, 2) == [*given, "-m", "(kafka) and alone", "-n", "0"]


@pytest.mark.parametrize("args", [["tests/x.py", "--"], ["-f"], ["--looponfail"]])
def test_arguments_that_would_overrule_a_parts_own_options_are_refused(args):
    """After a path, pytest reads what follows `--` as paths: each part's own `-m` and `-n`
    would be tests to collect. `-f` loops over the failures on pytest-xdist workers whatever
    `-n 0` says. Neither can be given a part and then set right after."""
    with pytest.raises(UsageError, match="infra.suite"):
        part_args("alone", False, args, 2)


def test_a_run_refused_starts_no_part_and_exits_as_pytest_refusing_it(tmp_path):
    """After a path and `--`, the parts' own options would be read as paths: the run says
    so and exits with pytest's usage error, before either part starts."""
    two_parts(tmp_path)
    done = run_suite(tmp_path, ["test_parts.py", "--"])
    assert done.returncode == 4, done.stdout + done.stderr
    assert "ERROR: infra.suite gives each part its own -m" in done.stderr, done.stderr
    assert "== make test" not in done.stdout, done.stdout
    assert not (tmp_path / "second-part-ran").exists()


def test_a_conftest_that_fails_to_import_ends_the_run_as_pytest_does(tmp_path):
    """The run reads its arguments as pytest does, initial conftests included: one that
    fails to import is pytest's usage error (4) with its cause, not a traceback of the run."""
    two_parts(tmp_path)
    (tmp_path / "conftest.py").write_text("import no_such_module_here\n")
    done = run_suite(tmp_path, [])
    assert done.returncode == 4, done.stdout + done.stderr
    assert "ERROR: ModuleNotFoundError: No module named 'no_such_module_here'" in done.stderr
    assert "== make test" not in done.stdout, done.stdout


PASSING_PARTS = '''
import os
import pathlib
import pytest


def test_in_the_first_part_passes():
    pathlib.Path("first-part-ran").write_text(os.environ.get("PYTEST_XDIST_WORKER", "main"))


@pytest.mark.alone
def test_in_the_second_part_leaves_a_mark():
    pathlib.Path("second-part-ran").write_text(os.environ.get("PYTEST_XDIST_WORKER", "alone"))
'''


def test_a_run_asked_to_debug_failures_runs_both_parts_where_the_debugger_can_be_reached(
        tmp_path):
    """`PYTEST_ARGS=--pdb make test` ran no test and exited 4: the first part was given
    `-n 2` after `--pdb`, which pytest-xdist refuses ("--pdb is incompatible with distributing
    tests"). pytest itself runs `--pdb` in its own process (xdist's `-n auto` does too)."""
    (tmp_path / "test_parts.py").write_text(PASSING_PARTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    alone: by itself\n")
    done = subprocess.run([sys.executable, "-m", "infra.suite", "-p", "no:cacheprovider",
                           "--pdb"], cwd=tmp_path, env=suite_env(GOALKEEPER_TEST_WORKERS="2"),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "first-part-ran").read_text() == "main", done.stdout
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout


def test_a_run_that_clears_the_cache_leaves_every_parts_failures_for_the_next_lf(tmp_path):
    """`PYTEST_ARGS=--cache-clear make test` gave both parts `--cache-clear`: the second part
    cleared the cache again when it started, wiping the failures the first part had just
    recorded, so the next `--lf` reran none of them (and passed). One pytest run clears the
    cache once, at its start."""
    two_parts(tmp_path)
    done = subprocess.run([sys.executable, "-m", "infra.suite", "--cache-clear"], cwd=tmp_path,
                          env=suite_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    again = subprocess.run([sys.executable, "-m", "pytest", "--lf", "--co"], cwd=tmp_path,
                           env=suite_env(), capture_output=True, text=True, timeout=120)
    assert "<Function test_in_the_first_part_fails>" in again.stdout, again.stdout
    assert "run-last-failure: rerun previous 1 failure" in again.stdout, again.stdout


def test_the_workers_a_caller_spreads_over_with_tx_and_dist_are_the_first_parts(tmp_path):
    """`--dist load --tx 3*popen` spreads a pytest run over three workers, as `-n 3` does;
    the run took it for no spreading and gave the first part `-n 2` after it, which replaces
    xdist's --tx: the caller's three workers became two."""
    (tmp_path / "test_parts.py").write_text(PASSING_PARTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    alone: by itself\n")
    done = run_suite(tmp_path, ["--dist", "load", "--tx", "3*popen"],
                     env=suite_env(GOALKEEPER_TEST_WORKERS="2"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created: 3/3 workers" in done.stdout, done.stdout
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout


def test_a_cache_clear_the_second_part_cannot_be_spared_is_refused_before_any_part_runs(
        tmp_path):
    """`--cache-clear` from an ini override reaches both parts whatever the run leaves out of
    the second's arguments: refused (4) with what to do, before the first part clears it."""
    two_parts(tmp_path)
    done = subprocess.run([sys.executable, "-m", "infra.suite", "-o", "addopts=--cache-clear"],
                          cwd=tmp_path, env=suite_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "give --cache-clear (and --lf) as arguments" in done.stderr
    assert not (tmp_path / "second-part-ran").exists()


def test_a_run_that_clears_the_cache_runs_the_tests_marked_alone_under_lf(tmp_path):
    """pytest reads `--cache-clear --lf` as no failure known: it runs every test. The run
    leaves `--cache-clear` out of the second part, which then reads the failures the first
    part has just recorded as the last ones: under `--lf` it collected only those (none of
    them marked alone) and the tests marked alone never ran (review 29)."""
    two_parts(tmp_path)
    done = subprocess.run([sys.executable, "-m", "infra.suite", "--cache-clear", "--lf"],
                          cwd=tmp_path, env=suite_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert (tmp_path / "second-part-ran").exists(), done.stdout


def test_the_workers_a_caller_spreads_over_with_tx_and_d_are_the_first_parts(tmp_path):
    """pytest-xdist reads `-d` as `--dist load`: `--tx 3*popen -d` spreads a pytest run over
    three workers. `spreads_as_asked` reads only `--dist` (still "no" under `-d` until
    pytest-xdist's cmdline_main sets it), so the first part was given `-n 2` after them, which
    replaces the --tx: the caller's three workers became two (review 29)."""
    (tmp_path / "test_parts.py").write_text(PASSING_PARTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    alone: by itself\n")
    done = run_suite(tmp_path, ["--tx", "3*popen", "-d"],
                     env=suite_env(GOALKEEPER_TEST_WORKERS="2"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "created: 3/3 workers" in done.stdout, done.stdout
    assert (tmp_path / "second-part-ran").read_text() == "alone", done.stdout
