"""`make test`: the whole suite in two parts, `python -m infra.suite [pytest arguments]`.

1. Every test not marked `alone`, spread over `GOALKEEPER_TEST_WORKERS` pytest-xdist workers
   (default 2; 0 runs them in this process). Each worker starts its own throwaway broker and
   PostgreSQL, as a lone run does, and every test makes its own topics and databases.
2. The tests marked `alone`, one after another with nothing beside them: the fault scenarios,
   the cluster's failovers, the run command's signals and the workers killed mid-stream. What
   they prove includes how long a kill, a restart or a rebalance takes, so they get the machine
   to themselves, as they did when the whole suite ran in one process.

The arguments go to both parts (`-k slice` narrows both; a `-m` expression is joined to each
part's own; pytest-xdist's `-n` reaches the first part only, after its own `-n`), and so do
those of PYTEST_ADDOPTS, read as if given first. Ctrl-C reaches the part running, which stops
and tears its servers down as pytest does, and no part starts after it. It exits as
pytest does: the first part's failure if it failed, else the second's; 5 (no tests) only when
neither part ran a test. Asked to stop at the first failure (`-x`, `--exitfirst`, `--maxfail`),
it does not start the second part once the first has failed.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from typing import NamedTuple

WORKERS_ENV = "GOALKEEPER_TEST_WORKERS"
WORKERS_DEFAULT = 2
NO_TESTS = 5  # pytest's exit code when it collected nothing
INTERRUPTED = 2  # pytest's exit code when stopped by Ctrl-C (or an error collecting tests)
CUT_SHORT = (INTERRUPTED, 3, 4)  # and when it failed itself, or was called wrongly

PARTS = (("not alone", True), ("alone", False))  # (marker expression, spread over workers)


# pytest-xdist's options that spread tests over workers: with a value, and flags
SPREADING = ("-n", "--numprocesses", "--dist", "--maxprocesses", "--tx")
SPREADING_FLAGS = ("-d", "--distload", "-f", "--looponfail")
NO_XDIST = "no:xdist"  # `-p no:xdist`: no workers, and no -n to give
MARKER = ("-m",)
EXIT_FIRST = ("-x", "--exitfirst")  # pytest's --maxfail=1, the last of these and --maxfail wins
STEPWISE = ("--sw", "--stepwise", "--sw-skip", "--stepwise-skip", "--sw-reset", "--stepwise-reset")
# The short options that take a value (pytest's and pytest-xdist's -n), and the long ones that
# may take it as the next argument: what a scan of the arguments must know to read them.
SHORT_VALUED = frozenset("kmprcoWn")
LONG_VALUED = frozenset((
    "--numprocesses", "--dist", "--maxprocesses", "--maxfail", "--deselect", "--ignore",
    "--ignore-glob", "--junitxml", "--junit-xml", "--basetemp", "--timeout", "--durations",
    "--durations-min", "--rootdir", "--confcutdir", "--tb", "--capture", "--import-mode",
    "--override-ini", "--log-level", "--log-cli-level", "--log-file", "--cov", "--cov-report",
    "--count", "--color", "--show-capture", "--tx", "--rsyncdir",
))


class Given(NamedTuple):
    """One option as pytest reads it from the arguments (`option` None: a positional
    argument, in `words`), its value if it takes one, and the arguments that give it."""

    option: str | None
    value: str | None
    words: tuple[str, ...]


def read(args: list[str]) -> list[Given]:
    """`args` as pytest (argparse) reads them: `--name=value`, `--name value` for the long
    options of LONG_VALUED, and short options clustered (`-vx`, `-xk slice`, `-rxX`, `-vm slow`,
    `-n4`, `-n=4`), where the first of SHORT_VALUED takes the rest of its argument, or the next
    argument, as its value (`-m ""` and `-m=` give the empty one). A cluster is given back one
    option at a time (`-v`, `-x`). Options after `--` are read as options still, as pytest 9
    on Python 3.11 reads them when no path comes before `--` (argparse's intermixed parsing);
    `@file` and `-o addopts=...` are not opened."""
    given, i = [], 0
    while i < len(args):
        arg, i = args[i], i + 1
        if arg.startswith("--") and arg != "--":
            name, equals, value = arg.partition("=")
            if not equals and name in LONG_VALUED and i < len(args):
                value, i = args[i], i + 1
                given.append(Given(name, value, (arg, value)))
            else:
                given.append(Given(name, value if equals else None, (arg,)))
        elif arg.startswith("-") and len(arg) > 1 and arg[1].isalpha():  # not "- x", "-1"
            cluster, nxt = _cluster(arg, args[i] if i < len(args) else None)
            i += nxt
            given += cluster
        else:
            given.append(Given(None, None, (arg,)))
    return given


def _cluster(arg: str, following: str | None) -> tuple[list[Given], int]:
    """The short options of `arg` (`-vx`, `-xk` with `following` its value), and how many
    following arguments they take (0 or 1). One option alone keeps its words as given."""
    cluster, took = [], 0
    for at, letter in enumerate(arg[1:], start=2):
        if letter not in SHORT_VALUED:
            cluster.append(Given(f"-{letter}", None, (f"-{letter}",)))
            continue
        written = arg[at:]
        value: str | None = written.removeprefix("=") if written else following
        took = 0 if written or following is None else 1
        cluster.append(Given(f"-{letter}", value,
                             (f"-{letter}", value) if value is not None else (f"-{letter}",)))
        break
    if len(cluster) == 1:
        one = cluster[0]
        cluster = [one._replace(words=(arg, following) if took else (arg,))]
    return cluster, took


def taken(args: list[str], options: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The values `args` gives `options` (each takes one: `-n 4`, `-n4`, `-n=4`, `-vn 4`,
    `--dist load`, `--dist=load`, `-m=kafka or slow`), in order, and the other arguments, as
    pytest reads them (`read`)."""
    values, rest = [], []
    for one in read(args):
        if one.option in options and one.value is not None:
            values.append(one.value)
        else:
            rest.extend(one.words)
    return values, rest


def without_spreading(args: list[str]) -> list[str]:
    """`args` without pytest-xdist's options: the tests marked `alone` run one at a time
    whatever the caller asked of the first part (`-n 4`, `--tx 2*popen -d` there would run
    them side by side)."""
    rest = taken(args, SPREADING)[1]
    return [word for one in read(rest) if one.option not in SPREADING_FLAGS for word in one.words]


def xdist_off(args: list[str]) -> bool:
    """Whether `args` turn pytest-xdist off (`-p no:xdist`): then no part is given `-n`."""
    return any(one.option == "-p" and one.value == NO_XDIST for one in read(args))


def split_marker(args: list[str]) -> tuple[str | None, list[str]]:
    """The `-m` expression in `args` (the last, as pytest takes it) and the other arguments."""
    expressions, rest = taken(args, MARKER)
    return (expressions[-1] if expressions else None), rest


def part_args(own: str, spread: bool, args: list[str], workers: int) -> list[str]:
    """The pytest arguments of one part: its marker expression joined to the caller's."""
    expression, rest = split_marker(args if spread else without_spreading(args))
    marker = f"({expression}) and {own}" if expression else own
    spread_args = ["-n", str(workers)] if spread and workers > 0 and not xdist_off(args) else []
    return [*spread_args, "-m", marker, *rest]


def stops_early(args: list[str]) -> bool:
    """Whether `args` ask pytest to stop at the first failure, as pytest settles it: `-x`
    (`-vx`, `-xk slice`, `--exitfirst`) and `--maxfail N` set one limit, the last given
    winning, and a limit of 1 stops at the first; `--stepwise` (`--sw-skip`, `--sw-reset`)
    stops as well. A failed first part then ends the run. (A larger limit does not: one
    failure in the first part leaves the second to run, with its own limit; a part spread over
    workers that reaches its limit ends with 2, which ends the run anyway.)"""
    limit, stepwise = 0, False
    for one in read(args):
        if one.option in EXIT_FIRST:
            limit = 1
        elif one.option == "--maxfail":
            limit = _count(one.value)
        stepwise = stepwise or one.option in STEPWISE
    return limit == 1 or stepwise


def _count(value: str | None) -> int:
    try:
        return int(value or "0")
    except ValueError:
        return 0  # pytest refuses it: the run ends at its usage error


def combined(codes: list[int]) -> int:
    """One exit code for the parts' codes (see the module's docstring)."""
    failed = [code for code in codes if code not in (0, NO_TESTS)]
    if failed:
        return failed[0]
    return NO_TESTS if all(code == NO_TESTS for code in codes) else 0


def workers() -> int:
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return WORKERS_DEFAULT
    if not raw.isdigit():
        raise SystemExit(f"{WORKERS_ENV} must be a whole number of workers (0 for none), "
                         f"not {raw!r}")
    return int(raw)


def run_part(argv: list[str], env: dict[str, str]) -> int:
    """pytest with `argv`, its exit code. This process ignores Ctrl-C meanwhile and pytest
    takes it (its own default): it stops and its session's fixtures stop their servers,
    where `subprocess.call` killed it a quarter of a second after the interrupt. A pytest
    ended by a second Ctrl-C (in its teardown: Python then dies of SIGINT) is interrupted as
    well (2); one ended by another signal N, 128 + N, as a shell says it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        part = subprocess.Popen([sys.executable, "-m", "pytest", *argv], env=env,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        code = part.wait()
    finally:
        signal.signal(signal.SIGINT, before)
    if code == -signal.SIGINT:
        return INTERRUPTED
    return 128 - code if code < 0 else code


def main(args: list[str]) -> int:
    count = workers()
    args = [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    codes = []
    for own, spread in PARTS:
        argv = part_args(own, spread, args, count)
        print(f"== make test, tests marked {own!r}: pytest {shlex.join(argv)}", flush=True)
        codes.append(run_part(argv, env))
        if codes[-1] in CUT_SHORT or codes[-1] > 128:
            print(f"== make test: this part ended with {codes[-1]} (interrupted by Ctrl-C or a "
                  "signal, stopped at -x/--maxfail over workers, an error collecting its tests, "
                  "pytest's own error or its usage error), so no part runs after it", flush=True)
            break
        if stops_early(args) and combined(codes) not in (0, NO_TESTS):
            print("== make test: the first part failed and -x/--maxfail asks to stop, so the "
                  "tests marked 'alone' did not run", flush=True)
            break
    return combined(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
