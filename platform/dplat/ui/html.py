"""The console's HTML: one layout, a few building blocks, everything escaped.

Pages are plain server-rendered HTML; the only script (static/app.js) adds
the token to POSTs, reveals credentials and follows a lesson run. Every value
from the core goes through :func:`esc`, so a table name or an error message
can never become markup. The lesson texts are Markdown rendered by
markdown-it-py with raw HTML off (a README cannot inject a script either).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from html import escape
from typing import Any

from dplat.errors import DplatError

PAGES = (
    ("/", "Overview"),
    ("/lessons", "Lessons"),
    ("/lineage", "Lineage"),
    ("/data", "Data"),
    ("/agent", "Agent"),
)


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def layout(title: str, active: str, token: str, body: str) -> str:
    """A whole page: the navigation, then ``body`` (already HTML)."""
    links = "".join(
        f'<a href="{path}"{" class=active" if path == active else ""}>{name}</a>'
        for path, name in PAGES
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dplat-token" content="{esc(token)}">
<title>{esc(title)} · dplat</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header><span class="brand">dplat</span><nav>{links}</nav></header>
<main>
<h1>{esc(title)}</h1>
{body}
</main>
</body>
</html>
"""


def table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], raw: bool = False) -> str:
    """A table in a box that scrolls sideways by itself (never the page).
    With ``raw`` the cells are already HTML (the caller escaped them)."""
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    cell = (lambda v: str(v)) if raw else esc
    body = "".join(
        "<tr>" + "".join(f"<td>{'<i>NULL</i>' if v is None else cell(v)}</td>" for v in row)
        + "</tr>"
        for row in rows
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def error_box(exc: BaseException) -> str:
    """An error in words: dplat's cause and fix, or the exception's own text."""
    if isinstance(exc, DplatError):
        fix = f'<p class="fix">{esc(exc.fix)}</p>' if exc.fix else ""
        return f'<div class="error" role="alert"><p>{esc(exc.message)}</p>{fix}</div>'
    return f'<div class="error" role="alert"><p>{esc(type(exc).__name__)}: {esc(exc)}</p></div>'


@cache
def _markdown() -> Any:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.core.ruler.push("dplat_links", _rewrite_links)
    return md


def _rewrite_links(state: Any) -> None:
    """Each link's href through ``env["link"]`` (when given): the new href,
    or None to keep the link's text without a link."""
    link: Callable[[str], str | None] | None = state.env.get("link")
    if link is None:
        return
    for block in state.tokens:
        dropping = False
        for token in block.children or ():
            if token.type == "link_open":
                href = link(str(token.attrGet("href") or ""))
                dropping = href is None
                if dropping:
                    token.type, token.tag, token.attrs = "text", "", {}
                else:
                    token.attrSet("href", href)
            elif token.type == "link_close" and dropping:
                token.type, token.tag, dropping = "text", "", False


def markdown(text: str, link: Callable[[str], str | None] | None = None) -> str:
    """A lesson's README as HTML (CommonMark and tables; raw HTML shown as
    text). ``link`` maps each link's href to the console's (None: no link)."""
    return _markdown().render(text, {"link": link} if link else {})


def status_badge(ok: bool, text: str) -> str:
    return f'<span class="badge {"ok" if ok else "bad"}">{esc(text)}</span>'
