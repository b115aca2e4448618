"""dplat.ui.lean: google-cloud-bigquery loads in `dplat ui` without pandas and
pyarrow, which stay importable for everything else. Each case runs in a new
interpreter: the hook changes how this process imports, once.

(That the client still queries a real BigQuery emulator with the hook on is
tests/integration/test_ui_browser_data.py: its console process installs it.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dplat


def run(code: str) -> str:
    platform = str(Path(dplat.__file__).parent.parent)
    env = {**os.environ, "PYTHONPATH": platform + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_bigquery_loads_without_dataframes_and_they_stay_importable() -> None:
    out = run(
        """
        import sys
        from dplat.ui import lean
        lean.install()
        from google.cloud import bigquery
        from google.cloud.bigquery import client
        print("pandas" in sys.modules, "pyarrow" in sys.modules, client.pandas, client.pyarrow)
        import pandas, pyarrow.parquet
        print(pandas.DataFrame({"a": [1]}).shape, pyarrow.table({"a": [1]}).num_rows)
        """
    )
    assert out.splitlines() == ["False False None None", "(1, 1) 1"]


def test_nothing_is_hidden_when_pandas_came_first() -> None:
    out = run(
        """
        import pandas
        from dplat.ui import lean
        lean.install()
        from google.cloud.bigquery import client
        print(client.pandas is pandas, client.pyarrow is not None)
        """
    )
    assert out == "True True"
