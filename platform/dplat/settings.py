"""The one place settings are resolved.

Precedence, highest first (the README says the same):

1. command-line flags,
2. ``DPLAT_*`` environment variables (``DPLAT_PORT_OFFSET``, ``DPLAT_PORT_MYSQL``...),
3. ``DPLAT_HOME/config.toml`` (top-level keys named like the fields below),
4. the defaults declared here.

``DPLAT_HOME`` itself comes from a flag or the environment only (it is where
the config file lives), defaulting to ``~/.dplat``. Nothing else in dplat reads
``os.environ`` for its own settings: code asks for a :class:`Settings`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dplat.errors import SettingsError
from dplat.stack.declarations import default_memory, default_ports

# Both come from the services' declarations (dplat.stack.base.Service).
DEFAULT_PORTS: dict[str, int] = default_ports()
DEFAULT_MEMORY: dict[str, str] = default_memory()


@dataclass(frozen=True)
class Settings:
    """Everything dplat needs to know about where and how to run the stack."""

    home: Path = field(default_factory=lambda: Path.home() / ".dplat")
    """DPLAT_HOME: credentials, config.toml, state and the agent's work folder."""
    project: str = "dplat"
    """Compose project name; containers, networks and volumes carry it as a label."""
    images: str = "local"
    """Image set: `local` (built here from Debian) or `upstream` (official images)."""
    port_offset: int = 0
    """Added to every published port, to run beside something that holds the defaults."""
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    """Published host ports per endpoint, before the offset (DPLAT_PORT_<NAME> overrides one)."""
    memory: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MEMORY))
    """Memory limit per service (DPLAT_MEMORY_<SERVICE>)."""
    timeout: float = 120.0
    """Seconds `up` waits for every service to answer its probe."""
    ca_bundle: Path | None = None
    """CA bundle handed to pip inside image builds (a BuildKit secret, never baked in);
    needed behind a TLS-inspecting proxy. Default: the host's system bundle if present."""
    debug: bool = False
    """Show tracebacks and full build logs."""

    def port(self, name: str) -> int:
        """The host port an endpoint is published on, offset applied."""
        return self.ports[name] + self.port_offset

    @property
    def work_dir(self) -> Path:
        """Bind-mounted into the agent at /dplat/work."""
        return self.home / "work"

    @property
    def credentials_file(self) -> Path:
        return self.home / "credentials.env"


_SCALARS = {"project": str, "images": str, "port_offset": int, "timeout": float, "debug": bool}


def _convert(name: str, kind: type, raw: Any, where: str) -> Any:
    if isinstance(raw, kind) and not (kind is int and isinstance(raw, bool)):
        return raw
    text = str(raw).strip()
    try:
        if kind is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(text)
        return kind(text)
    except ValueError:
        raise SettingsError(
            f"{where}: {name} must be {kind.__name__}, got {raw!r}",
            fix=f"Set {name} to a valid {kind.__name__} in {where}.",
        ) from None


def _default_ca_bundle() -> Path | None:
    for candidate in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _layer(values: dict[str, Any], source: Mapping[str, Any], where: str) -> None:
    """Apply one source's values (already keyed by field name) over ``values``."""
    for name, kind in _SCALARS.items():
        if source.get(name) is not None:
            values[name] = _convert(name, kind, source[name], where)
    for mapping, kind in (("ports", int), ("memory", str)):
        for key, raw in (source.get(mapping) or {}).items():
            if key not in values[mapping]:
                known = ", ".join(values[mapping])
                raise SettingsError(
                    f"{where}: unknown {mapping} entry {key!r}", fix=f"Use one of: {known}."
                )
            values[mapping][key] = _convert(f"{mapping}.{key}", kind, raw, where)
    if source.get("ca_bundle"):
        values["ca_bundle"] = Path(source["ca_bundle"]).expanduser()


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = {name: env.get(f"DPLAT_{name.upper()}") for name in _SCALARS}
    found["ports"] = {
        key: env[f"DPLAT_PORT_{key.upper()}"]
        for key in DEFAULT_PORTS
        if f"DPLAT_PORT_{key.upper()}" in env
    }
    found["memory"] = {
        key: env[f"DPLAT_MEMORY_{key.upper()}"]
        for key in DEFAULT_MEMORY
        if f"DPLAT_MEMORY_{key.upper()}" in env
    }
    found["ca_bundle"] = env.get("DPLAT_CA_BUNDLE")
    return found


def _from_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"{path} is not valid TOML: {exc}", fix=f"Fix or delete {path}."
        ) from exc


def resolve(
    flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
) -> Settings:
    """Resolve settings from flags, environment, config file and defaults."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    home = Path(flags.get("home") or env.get("DPLAT_HOME") or Path.home() / ".dplat").expanduser()
    values: dict[str, Any] = {
        f.name: getattr(Settings(), f.name) for f in dataclasses.fields(Settings)
    }
    values["home"] = home
    values["ca_bundle"] = _default_ca_bundle()
    _layer(values, _from_file(home / "config.toml"), str(home / "config.toml"))
    _layer(values, _from_env(env), "the environment")
    _layer(values, flags, "the command line")
    if values["images"] not in ("local", "upstream"):
        raise SettingsError(
            f"unknown image set {values['images']!r}",
            fix="Use --images local or --images upstream.",
        )
    return Settings(**values)
