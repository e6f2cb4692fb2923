"""The one way a use case is called: a command (a frozen dataclass) handed to the bus.

Each service's `bootstrap.py` lists its handlers, one per command type, as plain functions whose
parameters after the command name their dependencies (`uow`, `clock`, `settings`, ...). The bus
injects them by name on every call, with a fresh unit of work each time, so a view only builds
a command and dumps the result: `bus().handle(CreateGoal(actor=principal, ...))`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

Dependencies = Mapping[str, Callable[[], Any]]


class UnknownCommand(LookupError):
    """No handler is registered for this command type (a wiring bug, never user input)."""


class MessageBus:
    def __init__(self, handlers: Mapping[type, Callable], dependencies: Dependencies):
        self._handlers = {kind: _injector(fn, dependencies) for kind, fn in handlers.items()}

    def handle(self, command: object) -> Any:
        """Run the handler of `command`'s type and return its plain result."""
        try:
            handler = self._handlers[type(command)]
        except KeyError:
            raise UnknownCommand(type(command).__name__) from None
        return handler(command)

    def handles(self, kind: type) -> bool:
        return kind in self._handlers


def _injector(handler: Callable, dependencies: Dependencies) -> Callable[[object], Any]:
    """Bind `handler`'s dependency parameters by name; each is made anew per call."""
    names = list(inspect.signature(handler).parameters)[1:]
    missing = [name for name in names if name not in dependencies]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs unknown dependencies {missing}")
    providers = [(name, dependencies[name]) for name in names]

    def call(command: object) -> Any:
        return handler(command, **{name: provide() for name, provide in providers})

    call.__qualname__ = handler.__qualname__
    return call
