"""The lesson spark-on-the-lake without containers: its generator, its ground
truth (recomputed here another way), Spark's JDBC splits, and the plan the
Connect client builds for one transform.

The split cases are worked by hand from Spark's JDBCRelation.columnPartition
(apache/spark, sql/core/src/main/scala/org/apache/spark/sql/execution/
datasources/jdbc/JDBCRelation.scala) and its documentation
(https://spark.apache.org/docs/latest/sql-data-sources-jdbc.html: "lowerBound
and upperBound are just used to decide the partition stride, not for
filtering the rows in table").
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from types import ModuleType
from typing import Any, ClassVar

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog
from dplat.stack.spark import client_installed

FOLDER = scenarios_dir() / "spark-on-the-lake"


def _module(name: str) -> ModuleType:
    return catalog.lesson_module(FOLDER, name)


inputs, truth = _module("inputs"), _module("truth")


@pytest.fixture(scope="module")
def shop() -> Any:
    return inputs.generate(3000)


# -- the generator ------------------------------------------------------------------------
def test_same_seed_same_data_and_the_ids_jump_after_the_migration(shop) -> None:
    assert inputs.generate(3000) == shop
    assert inputs.generate(3000, seed=1) != shop
    ids = sorted(o.order_id for o in shop.orders)
    assert ids[:2400] == list(range(1, 2401))
    assert ids[2400:] == list(range(100_001, 100_601))
    assert len(shop.users) == 300 and shop.days == [f"2020-11-{d}" for d in range(20, 25)]


def test_the_csv_export_has_a_header_and_zip_codes_with_a_leading_zero(shop) -> None:
    rows = list(csv.DictReader(io.StringIO(inputs.users_csv(shop).decode())))
    assert list(rows[0]) == ["user_id", "user", "country", "zip", "signup_date"]
    assert [r["zip"] for r in rows] == [u.zip for u in shop.users]
    zero = sum(r["zip"].startswith("0") for r in rows)
    assert 0.2 * len(rows) < zero < 0.5 * len(rows)
    assert all(len(r["zip"]) == 5 and r["zip"].isdigit() for r in rows)


def test_a_day_of_orders_as_parquet_reads_back_with_its_types(shop) -> None:
    import pyarrow.parquet as pq

    day = [o for o in shop.orders if o.dt == "2020-11-22"]
    table = pq.read_table(io.BytesIO(inputs.orders_parquet(day)))
    assert str(table.schema.field("amount").type) == "decimal128(10, 2)"
    assert table.column("order_id").to_pylist() == [o.order_id for o in day]
    assert sum(table.column("amount").to_pylist()) == sum(o.amount for o in day)


# -- the ground truth, recomputed another way ---------------------------------------------
def test_daily_country_by_brute_force(shop) -> None:
    country = {u.user_id: u.country for u in shop.users}
    expected = truth.daily_country(shop)
    for row in expected:
        matching = [o for o in shop.orders if o.status == "paid" and o.dt == row["dt"]
                    and country[o.user_id] == row["country"]]
        assert row["orders"] == len(matching)
        assert row["buyers"] == len({o.user_id for o in matching})
        assert row["revenue"] == sum(o.amount for o in matching)
        earlier = [o for o in shop.orders if o.status == "paid" and o.dt <= row["dt"]
                   and country[o.user_id] == row["country"]]
        assert row["revenue_to_date"] == sum(o.amount for o in earlier)
    assert sum(r["orders"] for r in expected) == sum(o.status == "paid" for o in shop.orders)
    assert [(r["dt"], r["country"]) for r in expected] == sorted(
        (r["dt"], r["country"]) for r in expected)


def test_top_buyers_are_the_biggest_spenders_of_each_country(shop) -> None:
    spent: Counter[int] = Counter()
    for o in shop.orders:
        if o.status == "paid":
            spent[o.user_id] += o.amount  # type: ignore[assignment]
    best = truth.top_buyers(shop)
    assert Counter(r["country"] for r in best) == {c: 3 for c in inputs.COUNTRIES}
    for row in best:
        same_country = [u.user_id for u in shop.users if u.country == row["country"]]
        richer = [uid for uid in same_country if spent[uid] > row["spent"]]
        assert len(richer) == row["rank"] - 1
        assert row["spent"] == spent[row["user_id"]] and isinstance(row["spent"], Decimal)


def test_the_zip_is_where_inference_and_intent_differ() -> None:
    pairs = zip(truth.fields(truth.USERS_INFERRED), truth.fields(truth.USERS_SCHEMA), strict=True)
    assert [(a, b) for a, b in pairs if a != b] == [(("zip", "int"), ("zip", "string"))]


# -- Spark's JDBC splits ------------------------------------------------------------------
def test_the_lessons_skewed_key_cut_by_value() -> None:
    clauses = truth.spark_where_clauses("id", 1, 100_601, 4)
    # stride = 100601/4 - 1/4 = 25150; no alignment shift (the stride is whole)
    assert clauses == ["id < 25151 or id is null", "id >= 25151 AND id < 50301",
                       "id >= 50301 AND id < 75451", "id >= 75451"]
    ids = [*range(1, 2401), *range(100_001, 100_601)]
    assert truth.rows_per_split(ids, clauses) == [2400, 0, 0, 600]


def test_a_fractional_stride_shifts_the_first_cut() -> None:
    # stride 11/3 - 1/3 = 3.33.. -> 3; lost strides 0.33.. * 3 / 3, half of
    # it times the stride rounds half up to 1: the cuts start at 1 + 1 = 2.
    assert truth.spark_where_clauses("x", 1, 11, 3) == [
        "x < 5 or x is null", "x >= 5 AND x < 8", "x >= 8"]


def test_bounds_closer_than_the_splits_give_fewer_splits_and_one_is_no_clause() -> None:
    assert truth.spark_where_clauses("x", 1, 3, 4) == ["x < 2 or x is null", "x >= 2"]
    assert truth.spark_where_clauses("x", 1, 100, 1) == [""]


def test_every_value_falls_in_exactly_one_split_whatever_the_bounds() -> None:
    rng = random.Random(15)
    for _ in range(200):
        lower = rng.randint(-1000, 1000)
        upper = lower + rng.randint(1, 5000)
        splits = rng.randint(1, 12)
        values = [rng.randint(lower - 500, upper + 500) for _ in range(300)]
        clauses = truth.spark_where_clauses("v", lower, upper, splits)
        assert sum(truth.rows_per_split(values, clauses)) == len(values)


def test_sqoop_from_min_max_and_spark_from_min_to_max_plus_one_cut_alike() -> None:
    sqoop = catalog.lesson_module(scenarios_dir() / "mysql-to-lake", "sqoop")
    low, high = 1, 100_600
    sqoop_lows = [s.low for s in sqoop.split_ranges(low, high, 4)][1:]
    spark_lows = [int(c.split(">= ")[1].split(" ")[0])
                  for c in truth.spark_where_clauses("id", low, high + 1, 4)[1:]]
    assert sqoop_lows == spark_lows


# -- the plan of one transform ------------------------------------------------------------
@pytest.fixture(scope="module")
def offline_session() -> Iterator[Any]:
    """A Connect session that never reaches a server: a plan is built on the
    client, and only an action sends it. The client asks the server once for
    one setting before it builds expressions (whether to record call sites
    for error messages); with no server here that answer is given up front:
    no debugging, what pyspark assumes when no session is active."""
    if not client_installed():
        pytest.skip("needs the host client: pip install 'dplat[spark]'")
    import pyspark.errors.utils as errors_utils
    from pyspark.sql import SparkSession
    from pyspark.sql.connect.client.retries import DefaultPolicy

    errors_utils._enable_debugging_cache = False
    session = SparkSession.builder.remote("sc://127.0.0.1:1").create()
    session.client.set_retry_policies([DefaultPolicy(max_retries=0)])
    yield session
    # Closed, the client skips its exit-time calls to the server (which would
    # fail against no server and print pyspark's "Logging error" at exit).
    session.client.close()


def test_daily_country_filters_paid_orders_before_joining_then_groups_and_windows(
        offline_session) -> None:
    frames = _module("frames")
    users = offline_session.read.schema(truth.USERS_SCHEMA).csv("file:///lake/u")
    orders = offline_session.read.parquet("file:///lake/o")
    relation = frames.daily_country(users, orders)._plan.plan(offline_session.client)
    assert relation.WhichOneof("rel_type") == "sort"
    assert [o.child.unresolved_attribute.unparsed_identifier
            for o in relation.sort.order] == ["dt", "country"]
    windowed = relation.sort.input.with_columns
    (alias,) = windowed.aliases
    assert alias.name == ["revenue_to_date"]
    window = alias.expr.cast.expr.window
    assert [p.unresolved_attribute.unparsed_identifier
            for p in window.partition_spec] == ["country"]
    assert window.frame_spec.lower.WhichOneof("boundary") == "unbounded"
    aggregate = windowed.input.aggregate
    assert [g.unresolved_attribute.unparsed_identifier
            for g in aggregate.grouping_expressions] == ["dt", "country"]
    assert [a.alias.name[0] for a in aggregate.aggregate_expressions] == [
        "orders", "buyers", "revenue"]
    join = aggregate.input.join
    assert list(join.using_columns) == ["user_id"]
    assert join.join_type == join.JOIN_TYPE_INNER
    condition = join.left.filter.condition.unresolved_function
    assert condition.function_name == "=="
    assert condition.arguments[1].literal.string == "paid"
    assert join.left.filter.input.read.data_source.format == "parquet"
    assert join.right.read.data_source.format == "csv"


# -- failures a newcomer meets ------------------------------------------------------------
def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_cluster_that_does_not_answer_names_spark_and_the_command_that_starts_it(
        tmp_path) -> None:
    from dplat.errors import ScenarioError
    from dplat.scenario.context import Context
    from dplat.settings import resolve
    from dplat.stack.credentials import Credentials

    settings = resolve({"home": str(tmp_path)}, env={"DPLAT_PORT_SPARK_UI": str(_closed_port())})
    ctx = Context(settings, Credentials.generate(), FOLDER, "test", {"events": 100})
    with pytest.raises(ScenarioError) as failed, _module("plumbing").session(ctx):
        pass
    assert "spark, the cluster this lesson runs on, does not answer" in failed.value.message
    assert "dplat up --with spark" in (failed.value.fix or "")


def test_only_the_clusters_python_may_send_a_udf_and_another_is_told_why() -> None:
    plumbing = _module("plumbing")
    assert plumbing.CLUSTER_PYTHON == (3, 11)
    assert plumbing.udf_refusal((3, 11)) is None
    refusal = plumbing.udf_refusal((3, 12))
    assert refusal is not None
    assert "whose Python is 3.11; this runs on Python 3.12" in refusal
    assert "Python 3.11 environment" in refusal


class _Frames:
    """frames.py's calls as the optimizer comparison makes them, without a
    cluster: each "frame" is a name, each plan a fixed text."""

    PLANS: ClassVar[dict[str, str]] = {
        "expressions": "Scan parquet\nPushedFilters: [IsNotNull(status), EqualTo(status,paid)]",
        "row by row": "BatchEvalPython [is_paid(status)]\nScan parquet"}

    def __init__(self, revenue: dict[str, Decimal]) -> None:
        self.revenue, self.built = revenue, []

    def paid_per_day(self, orders: Any) -> str:
        self.built.append("expressions")
        return "expressions"

    def paid_per_day_row_by_row(self, orders: Any) -> str:
        self.built.append("row by row")
        return "row by row"

    def every_tenth(self, spark: Any, rows: int, row_by_row: bool) -> Any:
        self.built.append(f"every tenth, row by row={row_by_row}")
        total = sum(range(0, rows, 10))
        return type("Frame", (), {"collect": lambda self: [{"total": total}]})()

    def plan(self, frame: str) -> str:
        return self.PLANS[frame]

    def plain_rows(self, frame: str) -> list[dict[str, Any]]:
        return [{"dt": dt, "revenue": r} for dt, r in self.revenue.items()]


class _NoRdds:
    @property
    def sparkContext(self) -> Any:
        raise RuntimeError("not on Connect")


@pytest.mark.parametrize("python", [(3, 11), (3, 12)])
def test_another_python_leaves_out_only_the_udf_comparison_and_says_why(
        tmp_path, monkeypatch, shop, python: tuple[int, int]) -> None:
    from dplat.scenario.context import Context
    from dplat.settings import resolve
    from dplat.stack.credentials import Credentials

    plumbing, optimizer = _module("plumbing"), _module("optimizer")
    real = plumbing.udf_refusal
    monkeypatch.setattr(plumbing, "udf_refusal", lambda: real(python))
    ctx = Context(resolve({"home": str(tmp_path)}, env={}), Credentials.generate(), FOLDER,
                  "test", {"events": 3000})
    frames = _Frames(truth.paid_per_day(shop))
    optimizer.why_dataframes(ctx, _NoRdds(), frames, None, shop)
    assert all(c.passed for c in ctx.checks), [c.message for c in ctx.checks if not c.passed]
    names = [c.name for c in ctx.checks]
    assert names[:3] == ["Spark Connect offers no RDD API (spark.sparkContext)",
                         "paid revenue per day, expressions",
                         "with expressions the filter is pushed into the Parquet scan"]
    shown = {e.title: e.text for e in ctx.explanations if e.kind == "result"}
    if python == (3, 11):
        assert frames.built == ["expressions", "row by row", "every tenth, row by row=False",
                                "every tenth, row by row=True"]
        assert "row by row, rows go to Python and nothing is pushed" in names
        assert not any(title.startswith("left out") for title in shown)
    else:
        assert frames.built == ["expressions"]  # no UDF is built, so none is sent
        assert len(names) == 3
        assert shown == {"left out: the row-by-row comparison (a Python UDF)":
                         real(python)}


FORMATTED = """== Physical Plan ==
AdaptiveSparkPlan (4)
+- Sort (3)
   +- Filter (2)
      +- Scan parquet  (1)


(1) Scan parquet
Output [2]: [user_id#32, status#34]
"""


def test_the_plan_tree_is_the_operators_without_the_attribute_ids() -> None:
    plumbing = _module("plumbing")
    assert plumbing.plan_tree(FORMATTED) == [
        "AdaptiveSparkPlan (4)", "+- Sort (3)", "   +- Filter (2)", "      +- Scan parquet  (1)"]
    renamed = FORMATTED.replace("#32", "#901").replace("#34", "#902")
    assert plumbing.plan_tree(renamed) == plumbing.plan_tree(FORMATTED)
    with pytest.raises(ValueError, match="not a formatted plan"):
        plumbing.plan_tree("== Parsed Logical Plan ==\nProject")
