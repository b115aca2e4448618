"""What a statement is, read past its comments: the external-table DDL guard.

The API layer (``dplat_bq.api_external``) runs ``CREATE EXTERNAL TABLE`` and
``DROP [EXTERNAL] TABLE`` of an external table itself, but only when the query
is that single statement: bqemulator hands a multi-statement script to its own
interpreter, which would turn the DDL into an empty native table. Whatever
reaches the translator (this layer) unintercepted is therefore refused here
with a clear error rather than answered differently (issue 11).

Regexes on query text must not be fooled by comments, so they run on
:func:`strip_comments`' output, which keeps string literals and quoted names
whole (a ``--`` inside ``'a--b'`` is not a comment).
"""

from __future__ import annotations

import re

from dplat_bqext.errors import RewriteError

# A quoted piece (kept) or a comment (dropped), whichever starts first.
_PIECES = re.compile(
    r"""(?P<keep>'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`[^`]*`)"""
    r"""|(?P<comment>--[^\n]*|\#[^\n]*|/\*[\s\S]*?\*/)"""
)
EXTERNAL_DDL = re.compile(r"^\s*CREATE\s+(OR\s+REPLACE\s+)?EXTERNAL\s+TABLE\b", re.IGNORECASE)
EXTERNAL_DROP = re.compile(r"^\s*DROP\s+EXTERNAL\s+TABLE\b", re.IGNORECASE)
# A table name: dotted parts, each plain or back-quoted (`p.ds.t`, `ds`.`t`, ds.t).
_NAME = r"(?:`[^`]+`|[\w-]+)(?:\s*\.\s*(?:`[^`]+`|[\w-]+))*"
DROP_TABLE = re.compile(
    rf"^\s*DROP\s+(?P<external>EXTERNAL\s+)?TABLE\s+(?P<exists>IF\s+EXISTS\s+)?(?P<name>{_NAME})\s*;?\s*$",
    re.IGNORECASE,
)


def strip_comments(sql: str) -> str:
    """``sql`` with every comment replaced by a space; literals and quoted names untouched."""
    return _PIECES.sub(lambda m: m.group("keep") or " ", sql)


def name_parts(name: str) -> list[str]:
    """``project.ds.t`` / `` `ds`.`t` `` / `` `p.ds.t` `` as its dot-separated parts."""
    return [part.strip() for part in name.replace("`", "").split(".")]


def refuse_unintercepted_external_ddl(sql: str) -> None:
    """Raise when external-table DDL reached the translator (it was in a script).

    Cases: dml_ddl_external.create_external_in_script_errors and the unit tests.
    """
    if "EXTERNAL" not in sql.upper():
        return
    text = strip_comments(sql)
    if EXTERNAL_DDL.match(text) or EXTERNAL_DROP.match(text):
        raise RewriteError(
            "CREATE EXTERNAL TABLE and DROP EXTERNAL TABLE are not supported inside a multi-statement "
            "script in this sandbox: run the statement as a query of its own"
        )
