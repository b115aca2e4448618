"""The agent's config layer: Fluentd's v1 syntax in, a neutral element tree out.

    parse_config(text) / load_config(path)  ->  Element("ROOT", ...)
    types.to_size("8m") ...                      typed values for plugins
    ConfigError / ConfigValueError               every failure, with file:line
    ConfigErrors                                 all of a file's errors at once
"""

from dplat.agent.config.element import Element, Origin, Param
from dplat.agent.config.errors import ConfigError, ConfigErrors, ConfigValueError
from dplat.agent.config.parser import load_config, parse_config

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "ConfigValueError",
    "Element",
    "Origin",
    "Param",
    "load_config",
    "parse_config",
]
