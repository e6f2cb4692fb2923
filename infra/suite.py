"""`make test`: the whole suite in two parts, `python -m infra.suite [pytest arguments]`.

1. Every test not marked `alone`, spread over `GOALKEEPER_TEST_WORKERS` pytest-xdist workers
   (default 2; 0 runs them in this process). Each worker starts its own throwaway broker and
   PostgreSQL, as a lone run does, and every test makes its own topics and databases.
2. The tests marked `alone`, one after another with nothing beside them: the fault scenarios,
   the cluster's failovers, the run command's signals and the workers killed mid-stream. What
   they prove includes how long a kill, a restart or a rebalance takes, so they get the machine
   to themselves, as they did when the whole suite ran in one process.

The arguments go to both parts unchanged, those of PYTEST_ADDOPTS read as if given first, and
each part's own options follow them, where the last one given wins: its `-m` joined to the
caller's expression, the first part's `-n` unless the caller gave one, and the second part's
`-n 0`, which no `-n`, `--tx`, `--dist` or `-d` before it spreads (none of them under
`-p no:xdist`). What the caller asked is read by pytest's own parser, as `pytest` would read it
here: with the configuration's `addopts`, `-o addopts=...`, `@file` arguments and the options
of the plugins and initial conftests. Arguments pytest refuses, or that would leave the parts'
own options unread (after a path and `--`) or the second part spread (`-f`), are refused with
pytest's usage error (4) before any part starts. Ctrl-C reaches the part running, which stops
and tears its servers down as pytest does, and no part starts after it. It exits as
pytest does: the first part's failure if it failed, else the second's; 5 (no tests) only when
neither part ran a test. Asked to stop at the first failure (`-x`, `--maxfail=1`, `--stepwise`),
it does not start the second part once the first has failed.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from argparse import Namespace

from _pytest.config import ConftestImportFailure, get_config
from pytest import UsageError

WORKERS_ENV = "GOALKEEPER_TEST_WORKERS"
WORKERS_DEFAULT = 2
NO_TESTS = 5  # pytest's exit code when it collected nothing
INTERRUPTED = 2  # pytest's exit code when stopped by Ctrl-C (or an error collecting tests)
USAGE_ERROR = 4
CUT_SHORT = (INTERRUPTED, 3, USAGE_ERROR)  # and when it failed itself, or was called wrongly

PARTS = (("not alone", True), ("alone", False))  # (marker expression, spread over workers)
# Left out of the second part when the first cleared the cache: `--lf` would read the first
# part's failures as the last run's and select none of the tests marked alone; after a cleared
# cache pytest's `--lf` runs every test
CLEARED_CACHE = ("--cache-clear", "--lf", "--last-failed")
PROBE = "an option given after the caller's arguments"


def asked(args: list[str]) -> Namespace:
    """pytest's options as `pytest *args` run here settles them (pytest's Config.parse, the
    process's PYTEST_ADDOPTS aside: `main` gives it in `args`), and `appended`: whether an
    option given after `args` is read as one. Raises pytest's UsageError (and its
    ConftestImportFailure) where pytest would."""
    config = get_config(args, prog="infra.suite")
    addopts = os.environ.pop("PYTEST_ADDOPTS", None)
    try:
        read = [*args]
        config.parse(read)  # `read` becomes what pytest reads: the configuration's addopts first
        after = config.option.help or config._parser.parse([*read, "-m", PROBE]).markexpr == PROBE
        return Namespace(**vars(config.option), appended=after)
    finally:
        config._ensure_unconfigure()
        if addopts is not None:
            os.environ["PYTEST_ADDOPTS"] = addopts


def part_args(own: str, spread: bool, args: list[str], workers: int) -> list[str]:
    """The pytest arguments of one part: the caller's (but `--cache-clear` and `--lf` for the
    second, whose first part cleared the cache the run's failures are kept in), then the
    part's marker expression joined to the caller's and, when pytest-xdist is loaded, the
    spreading of the first part (`workers`: `spreads_as_asked`) or none for the second
    (`-n 0`). Raises UsageError for arguments pytest refuses or that the part's own
    options cannot follow."""
    option = asked(args)
    if not option.appended:
        raise UsageError("infra.suite gives each part its own -m and -n after the arguments, "
                         "where pytest would read them as paths (after `--`): give the paths "
                         "before any `--`")
    if getattr(option, "looponfail", False):
        raise UsageError("infra.suite cannot run the tests marked alone apart under -f "
                         "(--looponfail): run pytest -f itself")
    if not spread and getattr(option, "cacheclear", False):
        args = [arg for arg in args if arg not in CLEARED_CACHE]  # the first part cleared it
        again = asked(args)
        if getattr(again, "cacheclear", False) or getattr(again, "lf", False):
            raise UsageError("infra.suite clears pytest's cache once, as its first part starts: "
                             "give --cache-clear (and --lf) as arguments, not in addopts or an "
                             "@file")
    marker = f"({option.markexpr}) and {own}" if option.markexpr else own
    xdist = hasattr(option, "numprocesses")  # else `-p no:xdist`: no -n to give
    if not xdist or (spread and not spreads_as_asked(option, workers)):
        return [*args, "-m", marker]
    return [*args, "-m", marker, "-n", str(workers if spread else 0)]


def spreads_as_asked(option: Namespace, workers: int) -> bool:
    """Whether the first part takes `-n workers` after the caller's arguments: not when the
    caller spread it already (`-n`, or `--tx` with a `--dist` or `-d`), runs it in one process
    (`workers` 0), or debugs it (`--pdb`, `--trace`: pytest-xdist refuses them over workers,
    and pytest runs them in its own process)."""
    spread = option.numprocesses is not None or (
        option.tx and (option.dist != "no" or option.distload))
    debugged = option.usepdb or getattr(option, "trace", False)
    return not (spread or workers == 0 or debugged)


def stops_early(args: list[str]) -> bool:
    """Whether `args` ask pytest to stop at the first failure, as pytest settles them:
    a `--maxfail` of 1 (`-x`, `--exitfirst`, `--maxfail=1`, the last of these given winning),
    or `--stepwise` (`--sw-skip` and `--sw-reset` turn it on). A failed first part then ends
    the run. (A larger limit does not: one failure in the first part leaves the second to run,
    with its own limit; a part spread over workers that reaches its limit ends with 2, which
    ends the run anyway.) Arguments pytest refuses do not: the run ends at its usage error."""
    try:
        option = asked(args)
    except UsageError:
        return False
    stepwise = ("stepwise", "stepwise_skip", "stepwise_reset")
    return option.maxfail == 1 or any(getattr(option, name, False) for name in stepwise)


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
    try:
        argvs = [part_args(own, spread, args, count) for own, spread in PARTS]
    except (UsageError, ConftestImportFailure) as refused:  # pytest's usage errors
        print(f"ERROR: {refused}", file=sys.stderr, flush=True)
        return USAGE_ERROR
    codes = []
    for (own, _), argv in zip(PARTS, argvs, strict=True):
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
