"""`dplat scenario new NAME`: a lesson folder from a template that passes as created.

Mentors start from working code: one step, one check, a README skeleton.
"""

from __future__ import annotations

import re
from pathlib import Path

from dplat import resources
from dplat.errors import ScenarioError

TEMPLATE = Path(__file__).with_name("template")
NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


def create(name: str, root: Path | None = None, title: str | None = None) -> Path:
    if not NAME.match(name):
        raise ScenarioError(
            f"{name!r} is not a lesson name",
            fix="Use lower case letters, digits and dashes, starting with a letter (e.g. my-lesson).",
        )
    root = root or resources.scenarios_dir()
    folder = root / name
    if folder.exists():
        raise ScenarioError(
            f"{folder} already exists", fix="Pick another name, or edit that lesson."
        )
    folder.mkdir(parents=True)
    title = title or name.replace("-", " ").capitalize()
    for template in sorted(TEMPLATE.iterdir()):
        if template.is_file() and template.suffix in (".py", ".md"):
            text = template.read_text().replace("__NAME__", name).replace("__TITLE__", title)
            (folder / template.name).write_text(text)
    return folder
