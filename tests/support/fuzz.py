"""Fuzz a service's OpenAPI operations in-process with schemathesis, reading every response.

Each operation is called with generated data, valid (positive) and invalid (negative), with
random path ids and with real ids of the caller's team, and every response is checked against
the spec: no 5xx, a documented status code, the documented content type, a body matching the
documented schema and headers, and invalid requests refused with a 4xx.

Examples per operation and mode come from GOALKEEPER_FUZZ_EXAMPLES (default 25; `make fuzz`
runs 200).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.support.stack import auth

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]
UNOWNED = {"action", "key"}  # path parameters whose values come from the spec's enum


def examples_per_operation() -> int:
    return int(os.environ.get("GOALKEEPER_FUZZ_EXAMPLES", "25"))


@dataclass(frozen=True)
class Finding:
    """One way an operation's behaviour differs from its spec (deduplicated by title)."""

    operation: str
    check: str
    title: str
    example: str

    def __str__(self) -> str:
        return f"{self.operation} [{self.check}] {self.title}: {self.example}"


def fuzz_conformance(app, token: str, real: dict, examples: int | None = None) -> list[Finding]:
    """Every operation, positive and negative, with random and with real path ids; returns
    what the responses showed to differ from the spec (empty: the spec tells the truth)."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    found: dict[tuple[str, str, str], Finding] = {}
    for operation in (result.ok() for result in schema.get_all_operations()):
        names = {p.name for p in operation.path_parameters}
        fixed = {name: real[name] for name in names if name in real and name not in UNOWNED}
        for mode in GenerationMode:
            for path_parameters in ({}, fixed):
                _fuzz(operation, mode, path_parameters, token, found,
                      examples or examples_per_operation())
    return sorted(found.values(), key=str)


def fuzz_for_server_errors(app, token: str, real: dict, examples: int = 6) -> list[str]:
    """The 5xx findings only (for suites that check the specs' truth elsewhere)."""
    return [str(f) for f in fuzz_conformance(app, token, real, examples)
            if f.check == "not_a_server_error"]


def operation_count(app) -> int:
    return len(list(schemathesis.openapi.from_wsgi("/openapi.json", app).get_all_operations()))


def _fuzz(operation, mode, path_parameters, token, found, examples) -> None:
    """Findings are collected, never raised: hypothesis then runs exactly `examples` cases
    instead of replaying and shrinking one (which fails as "flaky" against a stateful app)."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    label = f"{operation.method.upper()} {operation.path}"

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        if not all(_sent_as_generated(value) for value in (case.query or {}).values()):
            return
        headers = {**auth(token), "If-Match": "*"}
        try:
            response = case.call(headers=headers)
            case.validate_response(response, checks=CONFORMANCE, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                _keep(found, label, failure, case)
        except Failure as failure:
            _keep(found, label, failure, case)
        except Exception as exc:  # a crash of the call itself is a finding too
            _keep(found, label, exc, case)

    try:
        run()
    except Unsatisfiable:
        pass  # e.g. no negative variant exists for an operation without inputs


def _sent_as_generated(value) -> bool:
    """Whether a query value reaches the service as generated. A parameter with no values is
    not sent: on the wire it is not there. The test client sends a mapping (or a list holding
    one or another list) as its Python repr: for a string parameter, a valid string, whatever
    the generator meant it to break."""
    if isinstance(value, dict):
        return False
    if isinstance(value, list):
        return value != [] and not any(isinstance(item, (dict, list)) for item in value)
    return True


def _keep(found: dict, label: str, failure: Exception, case) -> None:
    check = getattr(failure, "check_name", None) or type(failure).__name__
    title = getattr(failure, "title", None) or str(failure)
    key = (label, check, title)
    if key not in found:
        example = f"{case.method} {case.formatted_path} body={case.body!r} query={case.query!r}"
        found[key] = Finding(label, check, title, example[:300])
