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
import re
import shlex
import signal
import subprocess
import sys

WORKERS_ENV = "GOALKEEPER_TEST_WORKERS"
WORKERS_DEFAULT = 2
NO_TESTS = 5  # pytest's exit code when it collected nothing
INTERRUPTED = 2  # pytest's exit code when stopped by Ctrl-C

PARTS = (("not alone", True), ("alone", False))  # (marker expression, spread over workers)


STOPPING = re.compile(r"-[vqsl]*x[vqslx]*|--exitfirst|--maxfail(=.*)?")  # pytest's, stop early
SPREADING = ("-n", "--numprocesses", "--dist", "--maxprocesses")  # pytest-xdist's, with a value
MARKER = ("-m",)


def taken(args: list[str], options: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The values `args` gives `options` (each takes one: `-n 4`, `-n4`, `-n=4`,
    `--dist load`, `--dist=load`, `-m=kafka or slow`), in order, and the other arguments, as
    pytest reads them: whatever follows a short option in its argument is its value."""
    values, rest, i = [], [], 0
    while i < len(args):
        arg = args[i]
        if arg in options and i + 1 < len(args):
            values.append(args[i + 1])
            i += 2
            continue
        value = next((v for option in options if (v := _written_on(arg, option))), None)
        if value is None:
            rest.append(arg)
        else:
            values.append(value)
        i += 1
    return values, rest


def _written_on(arg: str, option: str) -> str | None:
    """The value `arg` writes on to `option` (`--dist=load`, `-n4`, `-n=4`), if it does."""
    if option.startswith("--"):
        return (arg[len(option) + 1:] or None) if arg.startswith(f"{option}=") else None
    value = arg[len(option):].removeprefix("=") if arg.startswith(option) else ""
    return value or None


def without_spreading(args: list[str]) -> list[str]:
    """`args` without pytest-xdist's options: the tests marked `alone` run one at a time
    whatever the caller asked of the first part (`-n 4` there would run them side by side)."""
    return taken(args, SPREADING)[1]


def split_marker(args: list[str]) -> tuple[str | None, list[str]]:
    """The `-m` expression in `args` (the last, as pytest takes it) and the other arguments."""
    expressions, rest = taken(args, MARKER)
    return (expressions[-1] if expressions else None), rest


def part_args(own: str, spread: bool, args: list[str], workers: int) -> list[str]:
    """The pytest arguments of one part: its marker expression joined to the caller's."""
    expression, rest = split_marker(args if spread else without_spreading(args))
    marker = f"({expression}) and {own}" if expression else own
    spread_args = ["-n", str(workers)] if spread and workers > 0 else []
    return [*spread_args, "-m", marker, *rest]


def stops_early(args: list[str]) -> bool:
    """Whether `args` ask pytest to stop at the first failures (`-x`, `-vx`, `--exitfirst`,
    `--maxfail 2`): a failed first part then ends the run."""
    return any(STOPPING.fullmatch(arg) for arg in args)


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
    where `subprocess.call` killed it a quarter of a second after the interrupt."""
    part = subprocess.Popen([sys.executable, "-m", "pytest", *argv], env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return part.wait()
    finally:
        signal.signal(signal.SIGINT, before)


def main(args: list[str]) -> int:
    count = workers()
    args = [*shlex.split(os.environ.get("PYTEST_ADDOPTS", "")), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    codes = []
    for own, spread in PARTS:
        argv = part_args(own, spread, args, count)
        print(f"== make test, tests marked {own!r}: pytest {shlex.join(argv)}", flush=True)
        codes.append(run_part(argv, env))
        if codes[-1] == INTERRUPTED:
            print("== make test: interrupted, so no part runs after this one", flush=True)
            break
        if stops_early(args) and combined(codes) not in (0, NO_TESTS):
            print("== make test: the first part failed and -x/--maxfail asks to stop, so the "
                  "tests marked 'alone' did not run", flush=True)
            break
    return combined(codes)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
