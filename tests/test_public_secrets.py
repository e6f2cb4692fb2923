"""A public deployment refuses to start with a development or short secret; loopback warns.

Public: one of GOALKEEPER_PUBLIC_URL, NOTIFICATIONS_PUBLIC_URL, SLACK_APP_URL names a host other
than loopback. Every process kind loads its settings first, so each refuses the same way.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import subprocess
import sys

import pytest

from infra.run import build_env, check_every_secret
from shared.config import REPO_ROOT, SERVICES, WEAK_SECRETS_TOLD

PUBLIC_URL_VARS = ("GOALKEEPER_PUBLIC_URL", "NOTIFICATIONS_PUBLIC_URL", "SLACK_APP_URL")
PUBLIC = {"GOALKEEPER_PUBLIC_URL": "https://goals.example.com"}
STRONG = {
    "GOALKEEPER_SECRET_KEY": "kq3J8v1Zr0pLw6TnYc2HsU9eXb4MfGdA",
    "GOALKEEPER_ADMIN_TOKEN": "Ad7mT0kenR4nd0mV4lu3Xy2Wq9PzLs5N",
    "SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
    "WEB_SESSION_SECRET": "We8Ses5ionK3yQz1Rt7Yu4Io0Pa2Sd6F",
}
SECRETS = {  # the variables each process kind refuses when weak, in the order it names them
    "goals": ["GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN"],
    "checkins": ["GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN"],
    "notifications": ["GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN", "SLACK_SIGNING_SECRET"],
    "web": ["WEB_SESSION_SECRET"],
}


def the_run_commands_env() -> dict[str, str]:
    """What the run command gives its processes, with no secret of the caller's."""
    return {name: value for name, value in build_env().items()
            if name not in STRONG and name not in PUBLIC_URL_VARS}


def load(service: str, env: dict[str, str]):
    return importlib.import_module(f"services.{service}.config").load(env)


def refusal(service: str, env: dict[str, str]) -> str:
    with pytest.raises(ValueError) as refused:
        load(service, env)
    return str(refused.value)


def named(message: str, why: str = "is a development value") -> list[str]:
    return re.findall(rf"^- (\w+) {why}: set it to ", message, re.MULTILINE)


@pytest.mark.parametrize("service", [*SERVICES, "web"])
def test_a_public_deployment_refuses_development_secrets_naming_each(service):
    message = refusal(service, PUBLIC)

    assert message.startswith("Refusing to start: this deployment is public "
                              "(GOALKEEPER_PUBLIC_URL is https://goals.example.com)")
    assert named(message) == SECRETS[service]
    assert "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`" in message


@pytest.mark.parametrize("variable", PUBLIC_URL_VARS)
def test_each_public_address_makes_the_deployment_public(variable):
    message = refusal("notifications", {variable: "https://notifications.example.com/"})

    assert f"({variable} is https://notifications.example.com/)" in message
    assert named(message) == SECRETS["notifications"]


@pytest.mark.parametrize("weak", ["change-me-in-production", "dev-slack-signing-secret"])
def test_a_development_value_is_refused_in_any_secret(weak):
    message = refusal("notifications", PUBLIC | STRONG | {"GOALKEEPER_SECRET_KEY": weak})

    assert named(message) == ["GOALKEEPER_SECRET_KEY"]


def test_a_short_secret_is_refused_on_a_public_deployment():
    message = refusal("goals", PUBLIC | STRONG | {"GOALKEEPER_ADMIN_TOKEN": "s3cret-admin"})

    assert named(message, "is shorter than 16 characters") == ["GOALKEEPER_ADMIN_TOKEN"]
    assert named(message) == []


def test_the_web_app_names_the_secret_key_its_session_secret_falls_back_to():
    message = refusal("web", PUBLIC | {"GOALKEEPER_SECRET_KEY": "short"})

    assert named(message, "is shorter than 16 characters") == ["GOALKEEPER_SECRET_KEY"]


@pytest.mark.parametrize("service", [*SERVICES, "web"])
def test_a_public_deployment_with_its_secrets_set_starts(service, caplog):
    settings = load(service, PUBLIC | STRONG)

    if service == "web":
        assert settings.session_secret == STRONG["WEB_SESSION_SECRET"]
    else:
        assert settings.secret_key == STRONG["GOALKEEPER_SECRET_KEY"]
        assert settings.admin_token == STRONG["GOALKEEPER_ADMIN_TOKEN"]
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


@pytest.mark.parametrize("service", [*SERVICES, "web"])
@pytest.mark.parametrize("url", ["", "http://localhost:8000", "http://127.0.0.1:8003",
                                 "http://[::1]:8000/", "http://goals.localhost"])
def test_on_loopback_development_secrets_start_with_one_warning(service, url, caplog):
    settings = load(service, {"GOALKEEPER_PUBLIC_URL": url})

    assert settings.port > 0
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    for variable in SECRETS[service]:
        assert f"{variable} is a development value" in warning
    assert "accepted on loopback, refused once GOALKEEPER_PUBLIC_URL" in warning


@pytest.mark.parametrize("service", [*SERVICES, "web"])
def test_a_process_the_run_command_has_warned_for_does_not_warn_again(service, caplog):
    load(service, {WEAK_SECRETS_TOLD: "1"})

    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_a_process_the_run_command_has_warned_for_still_refuses_publicly():
    message = refusal("notifications", PUBLIC | {WEAK_SECRETS_TOLD: "1"})

    assert named(message) == SECRETS["notifications"]


def test_the_run_command_warns_once_of_every_processs_weak_secrets(caplog):
    env = the_run_commands_env()

    check_every_secret(env)

    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert re.findall(r"(\w+) is a development value", warning) == [
        "GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN", "SLACK_SIGNING_SECRET",
        "WEB_SESSION_SECRET"]
    assert env[WEAK_SECRETS_TOLD] == "1"


def test_the_run_command_refuses_a_public_deployment_naming_every_weak_secret(caplog):
    env = the_run_commands_env() | PUBLIC

    with pytest.raises(SystemExit) as refused:
        check_every_secret(env)

    assert str(refused.value).startswith("Refusing to start: this deployment is public")
    assert named(str(refused.value)) == [
        "GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN", "SLACK_SIGNING_SECRET",
        "WEB_SESSION_SECRET"]
    assert WEAK_SECRETS_TOLD not in env


def boot(command: list[str], tmp_path) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items()
           if name not in STRONG and name not in PUBLIC_URL_VARS}
    env |= PUBLIC | {"GOALKEEPER_RUN_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT),
                     "WEB_DATABASE_URL": f"sqlite:///{tmp_path}/web.db"}
    return subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "services.notifications.entrypoints.worker"],
    [sys.executable, "-m", "shared.migrate", "goals"],
    [sys.executable, "-m", "gunicorn", "--config", "infra/gunicorn.conf.py", "--workers", "1",
     "--bind", "127.0.0.1:0", "services.web.entrypoints.app:create_app()"],
], ids=["worker", "migration", "web app"])
def test_each_process_kind_refuses_to_boot_publicly_with_development_secrets(command, tmp_path):
    booted = boot(command, tmp_path)

    assert booted.returncode != 0
    assert "Refusing to start: this deployment is public" in booted.stderr + booted.stdout
