"""Errors of the agent's config layer.

A config mistake is the most common way an agent fails to start, so every
error says where (``file:line``), what is wrong, and what to write instead.
The attributes mirror dplat's CLI errors (``message`` plus ``fix``) so the one
place that renders errors can show them as a cause line and a fix line.

    ConfigError            anything wrong in a config file (syntax, include, ENV)
    ├── ConfigValueError   a parameter value that does not convert to its type
    └── ConfigErrors       several of them, found in one pass over the file
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dplat.agent.config.element import Origin

MAX_ERRORS = 20
"""How many errors one check reports: enough to fix a file in one round."""


class ConfigError(Exception):
    """A config that cannot be used; ``str()`` gives ``file:line: message. fix``."""

    def __init__(self, message: str, origin: Origin | None = None, fix: str = "") -> None:
        self.message = message
        self.origin = origin
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.origin}: " if self.origin is not None else ""
        end = "" if self.message.endswith((".", "!", "?")) else "."
        fix = f" {self.fix}" if self.fix else ""
        return f"{where}{self.message}{end}{fix}"

    def __str__(self) -> str:
        # Rendered again, not cached: with_origin() may add the place later.
        return self._render()

    def with_origin(self, origin: Origin) -> ConfigError:
        """Add the place of the offending line when the raiser did not know it
        (type converters see only a string; the plugin layer knows the line)."""
        if self.origin is None:
            self.origin = origin
            self.args = (self._render(),)
        return self


class ConfigValueError(ConfigError):
    """A parameter's text is not a valid value of its declared type."""


class ConfigErrors(ConfigError):
    """Every error found in a config (up to MAX_ERRORS), each with its place,
    so a user fixes a file in one round instead of one error per run.
    ``details`` lists them, one per line (the CLI prints it under the message)."""

    def __init__(self, errors: list[ConfigError]) -> None:
        self.errors = errors
        more = f" (the first {MAX_ERRORS} shown)" if len(errors) > MAX_ERRORS else ""
        self.details = "\n".join(str(error) for error in errors[:MAX_ERRORS])
        super().__init__(f"{len(errors)} errors in the config{more}", None,
                         "Fix each line named above.")

    def _render(self) -> str:
        return f"{super()._render()}\n{getattr(self, 'details', '')}".rstrip()


class ErrorCollector:
    """Collects ConfigErrors so one pass reports them all::

        errors = ErrorCollector()
        for element in root.elements:
            with errors.collecting():
                build(element)
        errors.raise_if_any()
    """

    def __init__(self) -> None:
        self.errors: list[ConfigError] = []

    def add(self, error: ConfigError) -> None:
        if isinstance(error, ConfigErrors):
            self.errors.extend(error.errors)
        else:
            self.errors.append(error)

    @contextmanager
    def collecting(self) -> Iterator[None]:
        try:
            yield
        except ConfigError as error:
            self.add(error)

    def raise_if_any(self, last: ConfigError | None = None) -> None:
        """Raise the one error as it is, several as ConfigErrors."""
        if last is not None:
            self.add(last)
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ConfigErrors(self.errors)
