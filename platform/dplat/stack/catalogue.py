"""The services of the stack, in start order, and how to build them for a run."""

from __future__ import annotations

from collections.abc import Iterable

from dplat.settings import Settings
from dplat.stack.base import Service
from dplat.stack.credentials import Credentials
from dplat.stack.declarations import SERVICE_CLASSES


def service_classes() -> list[type[Service]]:
    return list(SERVICE_CLASSES)


def on_demand_names() -> list[str]:
    return [cls.name for cls in service_classes() if cls.on_demand]


def on_demand(names: Iterable[str]) -> list[str]:
    """The on-demand services among ``names`` (e.g. the services a lesson lists)."""
    wanted = set(names)
    return [name for name in on_demand_names() if name in wanted]


def services(
    settings: Settings, credentials: Credentials, include: Iterable[str] = ()
) -> list[Service]:
    """Each service pointed at its published ports on 127.0.0.1: the everyday
    stack, plus the on-demand services named in ``include``."""
    wanted = set(include)
    unknown = wanted - set(on_demand_names())
    if unknown:
        from dplat.errors import SettingsError

        raise SettingsError(
            f"no on-demand service named {', '.join(sorted(unknown))}",
            fix=f"Use one of: {', '.join(on_demand_names())}.",
        )
    found = []
    for cls in service_classes():
        if cls.on_demand and cls.name not in wanted:
            continue
        ports = {e.name: settings.port(e.name) for e in cls.endpoints}
        found.append(cls(credentials, ports))
    return found


def by_name(settings: Settings, credentials: Credentials, name: str) -> Service:
    for service in services(settings, credentials, include=on_demand_names()):
        if service.name == name:
            return service
    from dplat.errors import SettingsError

    names = ", ".join(cls.name for cls in service_classes())
    raise SettingsError(f"no service named {name!r}", fix=f"Use one of: {names}.")
