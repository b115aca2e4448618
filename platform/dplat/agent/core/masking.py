"""Config dumps: secrets masked, and the tree written back as Fluentd syntax.

Two readers see a config dump. The debug log and ``/api/config.json`` show
the *running* config to whoever can reach them, so they hide every value
that may be a secret (:func:`masked`). ``dplat agent check --v1`` shows the
*migrated* file to its author, who will run it: it keeps the values as they
were written, ``"#{ENV['X']}"`` and all, and hides only what the plugins
declare secret (``declared_only``), as Fluentd's own dumps do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from dplat.agent.config.element import Element, Param

if TYPE_CHECKING:
    from dplat.agent.core.params import Configurable

MASK = "xxxxxx"
"""What a secret value is replaced with in any dump (Fluentd prints the same)."""

SectionResolver = Callable[[Element], "type[Configurable] | None"]


def masked(element: Element, cls: type[Configurable] | None,
           resolve: SectionResolver | None = None, *, declared_only: bool = False
           ) -> Element:
    """A copy of ``element`` with every secret parameter value replaced.

    ``cls`` gives the declarations of this level; child sections use their
    declared ``config_class``, else ``resolve(child)`` (the bases resolve
    ``<store>``, ``<secondary>`` and ``<buffer>``). Masked: what is declared
    ``secret`` (Fluentd's ``secret: true``), values that came from ``ENV``
    (the environment is where secrets are put), and keys *not declared* at
    this level whose name looks secret (``password``, ``shared_key``,
    ``api_key``, ``key``...): a declaration says whether its value is secret
    (grep's ``key`` names a field), an unknown key is hidden to be safe.

    ``declared_only`` (``check --v1``): only declared secrets, and not even
    those when written as an embedded expression (``"#{ENV['PW']}"`` names
    where the secret is, it is not the secret).
    """
    secret_keys: set[str] = set()
    declared: set[str] = set()
    section_classes: dict[str, type[Configurable] | None] = {}
    if cls is not None:
        for spec in cls.param_specs():
            names = {spec.name, spec.alias} - {None}
            declared.update(names)  # type: ignore[arg-type]
            if spec.secret:
                secret_keys.update(names)  # type: ignore[arg-type]
        section_classes = {s.section: s.config_class for s in cls.section_specs()}
    params = {}
    for key, param in element.params.items():
        if declared_only:
            hide = key in secret_keys and "#{" not in (param.written or "")
        else:
            hide = (key in secret_keys or param.from_env
                    or (key not in declared and looks_secret(key)))
        params[key] = Param(key, MASK, param.origin) if hide else param
    children = []
    for child in element.elements:
        child_cls = section_classes.get(child.name)
        if child_cls is None and resolve is not None:
            child_cls = resolve(child)
        children.append(masked(child, child_cls, resolve, declared_only=declared_only))
    return Element(element.name, element.arg, params, children, element.origin,
                   set(element.used), element.generated)


_SECRET_WORDS = ("password", "passwd", "secret", "token", "credential", "authorization")
_KEY_OWNERS = {"api", "aws", "access", "secret", "private", "shared", "auth", "encryption",
               "signing", "master", "sas", "client"}
"""Words before ``key`` that make it a secret (``api_key``), unlike ``time_key``."""


def looks_secret(key: str) -> bool:
    """A name that usually holds a secret (for keys nothing declares)."""
    lowered = key.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return True
    words = re.split(r"[^a-z0-9]+", lowered)
    if lowered in ("key", "apikey") or "apikey" in words:
        return True
    return any(word == "key" and i > 0 and words[i - 1] in _KEY_OWNERS
               for i, word in enumerate(words))


def render(element: Element, indent: int = 0, *, as_written: bool = False) -> str:
    """Fluentd-syntax text of an element tree (dump it ``masked`` first).

    Values are quoted where the parser would otherwise read them differently
    (blanks at an end, ``#``, quotes, line breaks); ``as_written`` prints a
    value the file gave as it was written there (quotes, JSON, ``#{...}``)."""
    pad = "  " * indent
    lines: list[str] = []
    is_root = element.name.upper() == "ROOT" and indent == 0
    inner = indent if is_root else indent + 1
    if not is_root:
        lines.append(f"{pad}<{element.name} {element.arg}>" if element.arg
                     else f"{pad}<{element.name}>")
    for key, param in element.params.items():
        text = param.written if as_written and param.written is not None else quoted(param.value)
        lines.append(f"{'  ' * inner}{key} {text}".rstrip(" "))
    for child in element.elements:
        lines.append(render(child, inner, as_written=as_written))
    if not is_root:
        lines.append(f"{pad}</{element.name}>")
    return "\n".join(lines)


_PLAIN = re.compile(r"""[^\s"'\[{#][^\n]*""")
_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _is_json(value: str) -> bool:
    """A one-line JSON array or hash (``types``, ``record`` values): the parser
    reads it as written."""
    if value[:1] not in ("[", "{") or "\n" in value or "#" in value:
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def quoted(value: str) -> str:
    """``value`` as the parser reads it back: bare when it can be, else in
    double quotes with ``\\``, ``"``, line breaks and ``#{`` escaped."""
    if value == "" or (_PLAIN.fullmatch(value) and value == value.rstrip()
                       and " #" not in value and "\t#" not in value) or _is_json(value):
        return value
    body = "".join(_DOUBLE_ESCAPES.get(c, c) for c in value).replace("#{", "\\#{")
    return f'"{body}"'
