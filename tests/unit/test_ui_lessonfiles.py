"""Links in the lessons' READMEs as the console renders them: every one
opens something (another lesson's page, or one of the lesson's own files
shown as text), and no path leads out of the lesson's folder."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

from aiohttp.test_utils import TestClient

from dplat.scenario import catalog
from dplat.ui.lessonfiles import own_file, readme_links
from tests.unit.test_ui import run_with_client


def test_every_link_of_every_readme_opens_in_the_console(tmp_path: Path) -> None:
    opened: dict[str, set[str]] = {}

    async def check(client: TestClient, port: int) -> None:
        for folder in catalog.folders():
            page = f"/lessons/{folder.name}"
            shown = await (await client.get(page)).text()
            article = shown.split('<article class="readme">', 1)[1].split("</article>", 1)[0]
            for href in map(unescape, re.findall(r'<a href="([^"]+)"', article)):
                if href.startswith(("http://", "https://", "#")):
                    continue
                target = urljoin(page, href)  # as the browser resolves it
                answer = await client.get(target)
                assert answer.status == 200, (page, href, target)
                opened.setdefault(folder.name, set()).add(target)
        # A lesson's own file is its text, read-only, in the page.
        answer = await client.get("/lessons/tag-routing/files/agent.conf")
        own = (catalog.folders()[0].parent / "tag-routing" / "agent.conf").read_text()
        shown = re.search(r'<pre class="lesson-file">(.*)</pre>', await answer.text(), re.DOTALL)
        assert shown and unescape(shown[1]) == own and "<match" in own

    run_with_client(tmp_path, check)
    everything = set().union(*opened.values())
    assert "/lessons/mysql-to-lake" in everything  # from ../mysql-to-lake/README.md
    assert "/lessons/tag-routing/files/agent.conf" in everything
    assert not any(re.fullmatch(r"/lessons/[^/]+\.\w+", target) for target in everything)


def test_no_path_climbs_out_of_the_lesson(tmp_path: Path) -> None:
    folder = catalog.folders()[0]
    outside = ["../scenario.py", "/etc/passwd", "..", f"../{folder.name}/../{catalog.folders()[1].name}/scenario.py"]
    for relative in outside:
        assert own_file(folder, relative) is None, relative
    assert own_file(folder, "scenario.py") == (folder / "scenario.py").resolve()
    (tmp_path / "lesson").mkdir()
    (tmp_path / "lesson" / "escape").symlink_to("/etc/hostname")
    (tmp_path / "lesson" / ".env").write_text("SECRET=1")
    assert own_file(tmp_path / "lesson", "escape") is None
    assert own_file(tmp_path / "lesson", ".env") is None
    link = readme_links("lesson", tmp_path / "lesson", {"lesson", "other"})
    assert link("../other/README.md#setup") == "/lessons/other#setup"
    assert link("../gone/README.md") is None and link("../../README.md") is None
    assert link("https://fluentd.org/") == "https://fluentd.org/"

    async def check(client: TestClient, port: int) -> None:
        name = folder.name
        for path in ("..%2Fscenario.py", "%2Fetc%2Fpasswd", "..%2F..%2Fpyproject.toml", "nothing-here.txt"):
            answer = await client.get(f"/lessons/{name}/files/{path}")
            assert answer.status == 404, path
            assert "has no file" in await answer.text()
        assert (await client.get("/lessons/no-such-lesson/files/agent.conf")).status == 404
        assert (await client.post(f"/lessons/{name}/files/scenario.py")).status in (403, 405)

    run_with_client(tmp_path, check)
