"""The lesson mysql-to-lake without containers: the shop's generator, the
split arithmetic, the type mapping, the incremental bounds and the lesson's
declaration."""

from __future__ import annotations

import itertools
from decimal import Decimal
from types import ModuleType

import pyarrow as pa
import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "mysql-to-lake"


def _module(name: str) -> ModuleType:
    """A module of the lesson's folder, imported as the runner imports it."""
    return catalog.lesson_module(FOLDER, name)


shop, sqoop = _module("shop"), _module("sqoop")


@pytest.fixture(scope="module")
def data():
    return shop.generate(3000)


# -- the generator --------------------------------------------------------------------
def test_same_seed_same_shop_other_seed_other_shop() -> None:
    assert shop.generate(300) == shop.generate(300)
    assert shop.generate(300, seed=1) != shop.generate(300)


def test_seed_sizes_ids_and_time_window(data) -> None:
    assert (len(data.users), len(data.purchases)) == (500, 3000)
    assert [u.id for u in data.users] == list(range(1, 501))
    assert [p.id for p in data.purchases] == list(range(1, 3001))
    times = [p.purchased_at for p in data.purchases]
    assert times == sorted(times)  # a later purchase has a larger id, as AUTO_INCREMENT gives
    assert times[0] >= shop.WINDOW_START and times[-1] < shop.DAY_END
    assert {f"{t:%Y%m%d}" for t in times} == {"20201122", "20201123", "20201124"}
    assert all(u.signup_at <= u.updated_at < shop.DAY_END for u in data.users)
    assert all(p.amount == shop.ITEMS[p.item] * p.quantity for p in data.purchases)
    assert all(1 <= p.user_id <= 500 for p in data.purchases)


def test_next_day_adds_new_ids_and_changes_existing_users_on_2020_11_25(data) -> None:
    next_day = (shop.DAY_END, shop.NEXT_DAY_END)
    assert [p.id for p in data.new_purchases] == list(range(3001, 3151))
    assert all(next_day[0] <= p.purchased_at < next_day[1] for p in data.new_purchases)
    assert [u.id for u in data.new_users] == list(range(501, 511))
    assert all(next_day[0] <= u.signup_at <= u.updated_at < next_day[1] for u in data.new_users)
    old = {u.id: u for u in data.users}
    assert len(data.updated_users) == 25
    for changed in data.updated_users:
        before = old[changed.id]
        assert (changed.email, changed.signup_at) == (before.email, before.signup_at)
        assert next_day[0] <= changed.updated_at < next_day[1]


def test_inserts_are_parameterised_and_replace_when_asked() -> None:
    assert shop.insert_sql("users", ("id", "email")) == \
        "INSERT INTO users (id, email) VALUES (%s, %s)"
    assert shop.insert_sql("users", ("id",), replace=True).startswith("REPLACE INTO users")


# -- --split-by and -m ------------------------------------------------------------------
@pytest.mark.parametrize(("low", "high", "mappers"),
                         [(1, 3000, 4), (1, 10, 3), (5, 5, 4), (1, 3, 8), (-7, 1_000_003, 7)])
def test_every_value_falls_in_exactly_one_split(low: int, high: int, mappers: int) -> None:
    splits = sqoop.split_ranges(low, high, mappers)
    assert len(splits) == min(mappers, high - low + 1)
    assert [s.index for s in splits] == list(range(len(splits)))
    assert [s.last for s in splits] == [False] * (len(splits) - 1) + [True]
    probe = range(low - 2, high + 3) if high - low < 100 else \
        itertools.chain(range(low - 2, low + 50), (s.low + d for s in splits for d in (-1, 0, 1)),
                        range(high - 50, high + 3))
    for value in probe:
        holders = [s for s in splits if s.low <= value < s.high or (s.last and value == s.high)]
        assert len(holders) == (1 if low <= value <= high else 0), value


def test_splits_are_cut_by_value_into_equal_widths_with_sql_conditions() -> None:
    splits = sqoop.split_ranges(1, 3000, 4)
    assert [(s.low, s.high) for s in splits] == [(1, 751), (751, 1501), (1501, 2251),
                                                 (2251, 3000)]  # 750 values each
    assert splits[0].condition("id") == "`id` >= 1 AND `id` < 751"
    assert splits[-1].condition("id") == "`id` >= 2251 AND `id` <= 3000"
    with pytest.raises(ValueError, match="at least one mapper"):
        sqoop.split_ranges(1, 10, 0)


def test_part_keys_follow_the_staging_convention() -> None:
    partition = sqoop.partition_prefix("marketing/purchases/", "20201124")
    assert partition == "marketing/purchases/dt=20201124/"
    assert sqoop.part_key(partition, 3) == "marketing/purchases/dt=20201124/part-00003.parquet"


# -- types --------------------------------------------------------------------------------
@pytest.mark.parametrize(("data_type", "column_type", "precision", "scale", "expected"), [
    ("int", "int", 10, 0, pa.int32()),
    ("int", "int unsigned", 10, 0, pa.int64()),
    ("bigint", "bigint", 19, 0, pa.int64()),
    ("smallint", "smallint", 5, 0, pa.int16()),
    ("tinyint", "tinyint(1)", 3, 0, pa.int8()),
    ("decimal", "decimal(10,2)", 10, 2, pa.decimal128(10, 2)),
    ("varchar", "varchar(120)", None, None, pa.string()),
    ("char", "char(2)", None, None, pa.string()),
    ("datetime", "datetime", None, None, pa.timestamp("us")),
    ("timestamp", "timestamp", None, None, pa.timestamp("us", tz="UTC")),
    ("date", "date", None, None, pa.date32()),
    ("double", "double", 22, None, pa.float64()),
])
def test_mysql_types_map_to_parquet_types(data_type, column_type, precision, scale,
                                          expected) -> None:
    assert sqoop.arrow_type(data_type, column_type, precision, scale) == expected


def test_an_unmapped_type_is_an_error_not_a_silent_string() -> None:
    with pytest.raises(ValueError, match="geometry"):
        sqoop.arrow_type("geometry", "geometry", None, None)


def test_rows_become_an_arrow_table_of_the_declared_schema() -> None:
    schema = pa.schema([pa.field("id", pa.int64(), nullable=False),
                        pa.field("amount", pa.decimal128(10, 2))])
    table = sqoop._arrow_table([(1, Decimal("3.50")), (2, None)], schema)
    assert table.schema == schema
    assert table.to_pylist() == [{"id": 1, "amount": Decimal("3.50")}, {"id": 2, "amount": None}]


# -- incremental bounds: Sqoop's comparisons ------------------------------------------------
def test_append_takes_greater_than_last_up_to_the_max() -> None:
    assert sqoop.incremental_where("append", "id", 3000, 3150) == \
        "`id` > 3000 AND `id` <= 3150"
    assert sqoop.incremental_where("append", "id", None, 3150) == "`id` <= 3150"


def test_lastmodified_takes_from_last_value_inclusive_up_to_now_exclusive() -> None:
    assert sqoop.incremental_where("lastmodified", "updated_at", "2020-11-25 00:00:00",
                                   "2020-11-26 00:00:00") == \
        "`updated_at` >= '2020-11-25 00:00:00' AND `updated_at` < '2020-11-26 00:00:00'"
    with pytest.raises(ValueError, match="unknown incremental mode"):
        sqoop.incremental_where("merge", "id", 1, 2)


# -- the lesson's declaration ------------------------------------------------------------
def test_the_lesson_declares_its_steps_order_services_and_reset() -> None:
    lesson = catalog.find("mysql-to-lake")
    assert [s.name for s in lesson.steps] == ["seed", "explore", "import", "isolation",
                                              "incremental", "backfill"]
    assert lesson.order == 20 and set(lesson.services) == {"mysql", "s3"}
    assert lesson.reset_function is not None and lesson.options == {"events": 3000}
    readme = (FOLDER / "README.md").read_text()
    assert "dplat run scenario mysql-to-lake" in readme
    assert "tail-and-rotate" in readme.splitlines()[-1]  # the next lesson, last
