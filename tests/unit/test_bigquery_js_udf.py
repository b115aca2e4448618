"""JS UDF registration in the bigquery image's API layer (images/bigquery/dplat_bq/api_js.py).

bqemulator registers a JavaScript UDF in DuckDB as ``invoke(*args)``; DuckDB
counted that as one parameter and refused UDFs of two or more arguments
(issue 11). These run DuckDB itself (the version the image pins) and check
that a ``*args`` callable registers and is called with every argument.
BigQuery's JS UDFs take any number of arguments:
https://cloud.google.com/bigquery/docs/user-defined-functions#javascript-udf-structure
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "images" / "bigquery"))

from dplat_bq.api_js import _ArityEngine, unquote_raw, with_arity


def _collect(*args: Any) -> str:
    return "|".join(str(a) for a in args)


def test_plain_duckdb_refuses_star_args_of_two() -> None:
    """The bug as it was: without a stated arity DuckDB refuses the callable."""
    connection = duckdb.connect()
    with pytest.raises(duckdb.InvalidInputException, match="takes 1 parameters"):
        connection.create_function("f", _collect, ["VARCHAR", "VARCHAR"], "VARCHAR")


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_with_arity_registers_and_passes_every_argument(count: int) -> None:
    connection = duckdb.connect()

    def invoke(*args: Any) -> str:
        return _collect(*args)

    connection.create_function("f", with_arity(invoke, count), ["VARCHAR"] * count, "VARCHAR",
                               null_handling="special")
    call = "f(" + ", ".join(f"'v{i}'" for i in range(count)) + ")"
    assert connection.sql(f"SELECT {call}").fetchone() == ("|".join(f"v{i}" for i in range(count)),)


def test_engine_proxy_states_arity_and_keeps_the_rest() -> None:
    """What bqemulator's materialize gets: its engine, with create_function fixed."""

    class Engine:
        def __init__(self) -> None:
            self.connection = duckdb.connect()
            self.name = "engine"

    engine = Engine()
    proxy = _ArityEngine(engine)
    assert proxy.name == "engine"

    def invoke(*args: Any) -> float:
        return float(args[0]) * float(args[1])

    double = proxy.connection.type("DOUBLE")
    proxy.connection.create_function("mul", invoke, [double, double], double)
    assert engine.connection.sql("SELECT mul(2, 3.5)").fetchone() == (7.0,)


def test_raw_string_body_loses_prefix_and_keeps_backslashes() -> None:
    unquote = unquote_raw(lambda raw: "plain:" + raw)
    assert unquote('r"""return a\\nb;"""') == "return a\\nb;"
    assert unquote("'x'") == "plain:'x'"
