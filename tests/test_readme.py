"""The README's generated tables (configuration, endpoints, events) match the code."""

from infra.docs import README, render


def test_readme_tables_match_the_code():
    text = README.read_text()
    assert render(text) == text, "README.md is stale: run `.venv/bin/python -m infra.docs`"


def test_readme_shows_the_two_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    assert "make run" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == "make test"
