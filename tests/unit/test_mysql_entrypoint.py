"""images/mysql/entrypoint.sh keeps passwords off every command line.

A command line is world-readable (/proc/PID/cmdline, `ps` on the host), so a
password may reach a process only on stdin, in a file or in its environment.
The integration test (tests/integration/test_mysql.py) records the argv of
every MySQL program the entrypoint runs during a real first start; this test
reads the script itself, so a new command with a password fails without an
image build.
"""

from __future__ import annotations

import re

from dplat import resources

SCRIPT = resources.images_dir() / "mysql" / "entrypoint.sh"
PASSWORD_VARIABLES = ("MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD")


def command_lines(script: str) -> list[str]:
    """The script's lines that are commands: not comments, not here-document bodies."""
    commands: list[str] = []
    heredoc_end: str | None = None
    for line in script.splitlines():
        if heredoc_end is not None:
            if line.strip() == heredoc_end:
                heredoc_end = None
            continue
        if line.lstrip().startswith("#") or not line.strip():
            continue
        commands.append(line)
        opened = re.search(r"<<-?\s*['\"]?(\w+)", line)
        if opened:
            heredoc_end = opened.group(1)
    return commands


def test_no_password_is_passed_as_an_argument() -> None:
    commands = command_lines(SCRIPT.read_text())
    # The parser found the script's real commands (so the checks below can fail).
    assert any(line.strip().startswith("mysql --socket") for line in commands)
    assert any("SHUTDOWN" in line for line in SCRIPT.read_text().splitlines())
    for line in commands:
        # `: "${VAR:?message}"` is the shell's builtin check that a variable is set: no process.
        if line.startswith(": "):
            continue
        for variable in PASSWORD_VARIABLES:
            assert variable not in line, f"a password on a command line: {line.strip()}"
        assert not re.search(r"\s(-p\S|--password)", line), f"a password option: {line.strip()}"


def test_the_parser_sees_a_password_in_an_argument() -> None:
    # The check above is only as good as this parser: a line like the old one fails it.
    old = 'mysqladmin --socket=/tmp/init.sock -uroot -p"${MYSQL_ROOT_PASSWORD}" shutdown\n'
    heredoc = 'mysql -uroot <<SQL\nALTER USER root IDENTIFIED BY "${MYSQL_ROOT_PASSWORD}";\nSQL\n'
    assert command_lines(old + heredoc) == [old.strip(), "mysql -uroot <<SQL"]
