"""Links in a lesson's README, and the lesson's own files, read-only.

A README links to other lessons (``../mysql-to-lake/README.md``) and to the
files beside it (``agent.conf``, ``events.py``), as on GitHub. Rendered at
``/lessons/NAME`` those relative links would resolve to the console's root
or to ``/lessons/agent.conf``, so :func:`readme_links` rewrites them: another
lesson's README to its page, a file of the lesson's own folder to
``/lessons/NAME/files/PATH``, which shows it as text. Anything else relative
(a path that climbs out of the lesson, a file that is not there) keeps its
words and loses its link. Only files inside the lesson's folder are served,
never a hidden one, only text, at most :data:`MAX_BYTES`; GET only.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from aiohttp import web

from dplat.errors import ScenarioError
from dplat.ui import html
from dplat.ui.html import esc
from dplat.ui.respond import page

MAX_BYTES = 256 * 1024
OTHER_README = re.compile(r"\.\./([A-Za-z0-9_.-]+)/README\.md")


def own_file(folder: Path, relative: str) -> Path | None:
    """``relative`` inside the lesson's ``folder`` (symbolic links followed,
    then checked), a regular file and not hidden; None otherwise."""
    root = folder.resolve()
    try:
        found = (root / relative).resolve()
        inside = found.relative_to(root)
    except (ValueError, OSError):
        return None
    if any(part.startswith(".") or part == "__pycache__" for part in inside.parts):
        return None
    return found if found.is_file() else None


def readme_links(name: str, folder: Path, lessons: set[str]) -> Callable[[str], str | None]:
    """The href rewriting for lesson ``name``'s README (``lessons``: every lesson's name)."""

    def link(href: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("#"):
            return href  # another site, or a heading of this page
        path = unquote(parts.path)
        anchor = f"#{parts.fragment}" if parts.fragment else ""
        other = OTHER_README.fullmatch(path)
        if other:
            return f"/lessons/{quote(other[1])}{anchor}" if other[1] in lessons else None
        found = own_file(folder, path) if path and not path.startswith("/") else None
        if found is None:
            return None
        inside = found.relative_to(folder.resolve()).as_posix()
        return f"/lessons/{quote(name)}/files/{quote(inside)}"

    return link


def _read_text(path: Path) -> str:
    """The file as text; a ValueError in words when it is not text or too big."""
    if path.stat().st_size > MAX_BYTES:
        raise ValueError(f"{path.name} is over {MAX_BYTES // 1024} KiB; open it from the lesson's folder")
    data = path.read_bytes()
    if b"\0" in data:
        raise ValueError(f"{path.name} is not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path.name} is not a text file (not UTF-8)") from None


def _not_found(request: web.Request, title: str, body: str) -> web.Response:
    answer = page(request, title, "/lessons", body)
    answer.set_status(404)
    return answer


async def lesson_file(request: web.Request) -> web.Response:
    """GET /lessons/NAME/files/PATH: a file of the lesson's folder, as text."""
    from dplat.scenario import lessons

    name, relative = request.match_info["name"], request.match_info["path"]
    title = f"{name}/{relative}"
    back = f'<p><a href="/lessons/{esc(name)}">back to {esc(name)}</a></p>'
    try:
        folder = (await asyncio.to_thread(lessons.describe, name)).readme.parent
    except ScenarioError as exc:
        return _not_found(request, title, html.error_box(exc))
    found = own_file(folder, relative)
    if found is None:
        missing = ScenarioError(f"{name} has no file {relative}", fix="The lesson's page links to the files it has.")
        return _not_found(request, title, back + html.error_box(missing))
    try:
        text = await asyncio.to_thread(_read_text, found)
    except ValueError as exc:
        return page(request, title, "/lessons", back + html.error_box(exc))
    return page(request, title, "/lessons", f'{back}<pre class="lesson-file">{esc(text)}</pre>')
