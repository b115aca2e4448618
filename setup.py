"""Ship compose/, images/ and scenarios/ inside the wheel.

They live at the top of the repository (where people look for them), but a
non-editable install must find them too: the build copies them into
``dplat/_data/``, which ``dplat.resources`` looks in first. Everything else is
in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_DIRS = ("compose", "images", "scenarios")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).parent
        target = Path(self.build_lib) / "dplat" / "_data"
        for name in DATA_DIRS:
            if (here / name).is_dir():
                shutil.copytree(
                    here / name,
                    target / name,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )


setup(cmdclass={"build_py": BuildWithData})
