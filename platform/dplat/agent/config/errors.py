"""Errors of the agent's config layer.

A config mistake is the most common way an agent fails to start, so every
error says where (``file:line``), what is wrong, and what to write instead.
The attributes mirror dplat's CLI errors (``message`` plus ``fix``) so the one
place that renders errors can show them as a cause line and a fix line.

    ConfigError            anything wrong in a config file (syntax, include, ENV)
    └── ConfigValueError   a parameter value that does not convert to its type
"""

from __future__ import annotations

from dplat.agent.config.element import Origin


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
