"""Fuzz a service's OpenAPI operations in-process with schemathesis; collect any 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.support.stack import auth


def fuzz_for_server_errors(app, token: str, real: dict, examples: int = 6) -> list[str]:
    """Every operation, positive and negative, with random and with real path ids."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: list[str] = []
    for operation in (result.ok() for result in schema.get_all_operations()):
        names = {p.name for p in operation.path_parameters}
        fixed = {name: real[name] for name in names if name in real and name != "action"}
        for mode in GenerationMode:
            for path_parameters in ({}, fixed):
                _fuzz(operation, mode, path_parameters, token, failures, examples)
    return failures


def operation_count(app) -> int:
    return len(list(schemathesis.openapi.from_wsgi("/openapi.json", app).get_all_operations()))


def _fuzz(operation, mode, path_parameters, token, failures, examples) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        response = case.call(headers={**auth(token), "If-Match": "*"})
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: "
                            f"{case.body!r} {case.query!r}")

    try:
        run()
    except Unsatisfiable:
        pass  # e.g. no negative variant exists for an operation without inputs
