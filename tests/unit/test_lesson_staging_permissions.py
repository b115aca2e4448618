"""The lesson staging-permissions without containers: its seeded data, the
staging convention of its keys, and its policies, evaluated here by a small
reading of IAM's rules (allow if a statement's action and resource match,
deny otherwise) so the intended who-may-do-what matrix is checked before the
store sees it."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from types import ModuleType
from typing import Any

import pytest

from dplat.resources import scenarios_dir
from dplat.scenario import catalog

FOLDER = scenarios_dir() / "staging-permissions"


def _module(name: str) -> ModuleType:
    return catalog.lesson_module(FOLDER, name)


data, roles = _module("data"), _module("roles")


# -- data ------------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert data.team_partition("marketing", 300) == data.team_partition("marketing", 300)
    assert data.team_partition("marketing", 300) != data.team_partition("marketing", 300, seed=1)
    assert data.datastore_objects() == data.datastore_objects()
    assert data.datastore_objects() != data.datastore_objects(seed=1)


@pytest.mark.parametrize(("team", "table", "id_field"), [
    ("marketing", "campaign_clicks", "click_id"), ("finance", "invoices", "invoice_id")])
def test_a_partition_follows_the_staging_convention(team: str, table: str, id_field: str) -> None:
    partition = data.team_partition(team, 250)
    prefix = f"{team}/{table}/dt=20201124/"
    assert list(partition) == [f"{prefix}part-00000.json", f"{prefix}part-00001.json",
                               f"{prefix}part-00002.json", f"{prefix}_SUCCESS"]
    assert partition[f"{prefix}_SUCCESS"] == b""  # the marker comes last and is empty
    rows = [json.loads(line) for body in partition.values() for line in body.splitlines()]
    assert [len(body.splitlines()) for body in partition.values()] == [100, 100, 50, 0]
    assert len(rows) == 250 and len({r[id_field] for r in rows}) == 250
    times = [r.get("clicked_at") or r.get("issued_at") for r in rows]
    assert times == sorted(times) and all(t.startswith("2020-11-24T") for t in times)


def test_the_other_teams_partitions_differ() -> None:
    assert set(data.team_partition("marketing", 10)).isdisjoint(data.team_partition("finance", 10))


def test_revenue_per_country_is_the_sum_of_the_daily_revenue_rows() -> None:
    objects = data.datastore_objects()
    body = objects["daily_revenue/dt=20201123/part-00000.json"]
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert len(rows) == 15 and {r["dt"] for r in rows} == {"20201123"}
    expected = {c: sum(r["revenue_cents"] for r in rows if r["country"] == c)
                for c in ("DE", "FR", "JP", "KR", "US")}
    assert data.revenue_by_country(objects) == expected
    assert data.revenue_by_country({"dim_campaigns/x": body}) == {}  # other tables don't count


# -- policies ----------------------------------------------------------------------------------
def _statements(role: Any) -> list[dict[str, Any]]:
    docs = [*role.inline.values(), *(roles.MANAGED[name] for name in role.managed)]
    return [s for doc in docs for s in doc["Statement"]]


def _allowed(user: str, action: str, resource: str) -> bool:
    """IAM's rule without conditions: some Allow statement matches action and resource."""
    role = next(r for r in roles.roles() if r.user == user)
    for statement in _statements(role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [
            statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [
            statement["Resource"]]
        if statement["Effect"] == "Allow" and any(fnmatchcase(action, a) for a in actions) and any(
                fnmatchcase(resource, r) for r in resources):
            return True
    return False


OBJ = "arn:aws:s3:::"
MATRIX = [  # (user, action, resource, allowed?)
    ("marketing", "s3:PutObject", OBJ + "datastaging/marketing/campaign_clicks/dt=1/p", True),
    ("marketing", "s3:GetObject", OBJ + "datastaging/marketing/campaign_clicks/dt=1/p", True),
    ("marketing", "s3:DeleteObject", OBJ + "datastaging/marketing/x", True),
    ("marketing", "s3:PutObject", OBJ + "datastaging/finance/invoices/dt=1/p", False),
    ("marketing", "s3:GetObject", OBJ + "datastaging/finance/invoices/dt=1/p", False),
    ("marketing", "s3:PutObject", OBJ + "datastaging/marketing-old/x", False),  # prefix ends in /
    ("marketing", "s3:ListBucket", OBJ + "datastaging", False),
    ("marketing", "s3:GetObject", OBJ + "datastore/daily_revenue/dt=1/p", True),
    ("marketing", "s3:ListBucket", OBJ + "datastore", True),
    ("marketing", "s3:PutObject", OBJ + "datastore/daily_revenue/dt=1/p", False),
    ("marketing", "s3:DeleteObject", OBJ + "datastore/daily_revenue/dt=1/p", False),
    ("marketing", "iam:PutGroupPolicy", "arn:aws:iam::123456789012:group/team-marketing", False),
    ("finance", "s3:PutObject", OBJ + "datastaging/finance/invoices/dt=1/p", True),
    ("finance", "s3:PutObject", OBJ + "datastaging/marketing/campaign_clicks/dt=1/p", False),
    ("finance", "s3:GetObject", OBJ + "datastore/dim_campaigns/dt=1/p", True),
    ("admin", "s3:PutObject", OBJ + "datastore/daily_revenue/dt=1/p", True),
    ("admin", "iam:CreateUser", "arn:aws:iam::123456789012:user/x", True),
]


@pytest.mark.parametrize(("user", "action", "resource", "allowed"), MATRIX)
def test_who_may_do_what(user: str, action: str, resource: str, allowed: bool) -> None:
    assert _allowed(user, action, resource) is allowed


def test_no_statement_relies_on_a_condition_the_store_would_ignore() -> None:
    for role in roles.roles():
        for statement in _statements(role):
            assert "Condition" not in statement, (role.group, statement)
            assert statement["Effect"] == "Allow"


def test_roles_are_groups_with_one_user_each_and_the_shared_policy_for_teams() -> None:
    by_user = {r.user: r for r in roles.roles()}
    assert {u: r.group for u, r in by_user.items()} == {
        "marketing": "team-marketing", "finance": "team-finance", "admin": "admins"}
    assert by_user["marketing"].managed == by_user["finance"].managed == ("datastore-read",)
    assert by_user["admin"].managed == ()


def test_described_is_what_read_back_should_find() -> None:
    keys = {u: {"access_key": f"AKIA{u.upper()}", "secret_key": "s"}
            for u in ("marketing", "finance", "admin")}
    described = roles.described(keys)
    assert described["finance"] == {
        "groups": ["team-finance"],
        "inline": {"staging-finance": roles.team_staging_policy("finance")},
        "managed": {"datastore-read": roles.datastore_read_policy()},
        "active_keys": ["AKIAFINANCE"],
    }
    assert json.loads(roles.as_json(roles.admin_policy()))["Statement"][0]["Action"] == "*"


class FakeIam:
    """Records the calls roles.create makes, in order, as moto would receive them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((name, kwargs))
            if name == "create_policy":
                return {"Policy": {"Arn": f"arn:aws:iam::1:policy/{kwargs['PolicyName']}"}}
            if name == "create_access_key":
                user = kwargs["UserName"]
                return {"AccessKey": {"AccessKeyId": f"AK-{user}", "SecretAccessKey": f"S-{user}"}}
            return {}
        return call


def test_create_makes_groups_before_users_and_one_key_per_user() -> None:
    iam = FakeIam()
    keys = roles.create(iam)
    assert keys["marketing"] == {"access_key": "AK-marketing", "secret_key": "S-marketing"}
    names = [name for name, _ in iam.calls]
    assert names.count("create_access_key") == 3 and names[0] == "create_policy"
    # Each role's group exists before its user is made and added to it.
    order = [(name, kw.get("GroupName") or kw.get("UserName")) for name, kw in iam.calls]
    for role in roles.roles():
        assert order.index(("create_group", role.group)) < order.index(("create_user", role.user))
        assert order.index(("create_user", role.user)) < next(
            i for i, (name, kw) in enumerate(iam.calls)
            if name == "add_user_to_group" and kw == {"GroupName": role.group, "UserName": role.user})
    attached = [kw for name, kw in iam.calls if name == "attach_group_policy"]
    assert attached == [{"GroupName": "team-marketing", "PolicyArn": "arn:aws:iam::1:policy/"
                         "datastore-read"}, {"GroupName": "team-finance", "PolicyArn":
                         "arn:aws:iam::1:policy/datastore-read"}]
    put = {kw["GroupName"]: json.loads(kw["PolicyDocument"]) for name, kw in iam.calls
           if name == "put_group_policy"}
    assert put["team-marketing"] == roles.team_staging_policy("marketing")


# -- the lesson as a whole ----------------------------------------------------------------------
def test_the_scenario_declares_its_service_order_and_steps() -> None:
    lesson = catalog.load(FOLDER)
    assert lesson.services == ("s3-iam",) and lesson.order == 50
    assert [s.name for s in lesson.steps] == ["roles", "permitted-write", "denied-write",
                                              "shared-read"]
    assert lesson.reset_function is not None


def test_the_readme_says_how_to_start_the_store_its_limits_and_links_the_next_lesson() -> None:
    readme = (FOLDER / "README.md").read_text()
    for needed in ("dplat up --with s3-iam", "Conditions are ignored", "Memory only",
                   "mc admin policy", "rclone", "AccessDenied"):
        assert needed in readme, needed
    last = readme.rstrip().splitlines()
    assert "[warehouse-kpis](../warehouse-kpis/README.md)" in " ".join(last[-2:])
