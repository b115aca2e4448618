"""staging-permissions: per-team prefixes in the staging area, enforced by the store.

Read README.md first: it is the lesson. This file is what the runner runs,
one function per step. Every allow and deny below is the answer of s3-iam (a
policy-enforcing S3: moto's S3 and IAM) to a call signed with one user's key;
nothing here decides a permission itself. Each denial is then confirmed from
the other side: read as the admin, the object is absent or unchanged, and the
same call with the right key succeeds.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, s3objects

from . import data, plumbing, roles
from .roles import ADMIN, STAGING, STORE, TEAMS

scenario = Scenario(
    name="staging-permissions",
    title="Staging permissions: per-team prefixes, least privilege, the server's AccessDenied",
    teaches=(
        "Staging follows datastaging/<team>/<table>/dt=YYYYMMDD/; each team's IAM user (in "
        "its group) may write and read back only under its own prefix and read the shared, "
        "processed datastore; an admin may do everything. IAM users, groups, inline and "
        "managed policies (the JSON MinIO speaks too) are created as the account root; a "
        "team's write to another team's prefix or to the datastore gets the server's "
        "AccessDenied (HTTP 403), checked from the admin's side too."
    ),
    services=("s3-iam",),
    order=50,
    options={"events": 300},
)

LOGS = "`dplat logs s3-iam`"
START = "`dplat up --with s3-iam`"


def _keys(ctx: Any) -> dict[str, dict[str, str]]:
    if "keys" not in ctx.state:
        raise ScenarioError("no access keys yet: the step roles creates them",
                            fix="Run the whole lesson: `dplat run scenario staging-permissions`.")
    return ctx.state["keys"]


def _probe(ctx: Any) -> None:
    """Fail with the service's name and the command that starts it, if it is down."""
    store = ctx.s3_iam
    try:
        store.probe()
    except Exception as exc:
        raise ScenarioError(
            f"s3-iam, the policy-enforcing S3 this lesson needs, does not answer at "
            f"{store.url()} ({type(exc).__name__}: {exc})",
            fix=f"Start it with {START} (it is not part of the everyday stack); "
                f"`dplat status` shows it and {LOGS} says why it stopped.") from exc


def _continue(ctx: Any) -> None:
    """Before a later step: the store answers and still knows the keys of step roles.

    It keeps everything in memory, so a restart (or a reset) forgets users
    and keys; `--only STEP` then cannot continue the earlier run.
    """
    _probe(ctx)
    answer = plumbing.attempt(lambda: _as(ctx, ADMIN, "iam").get_user(UserName=ADMIN))
    if answer.code != "OK":
        raise ScenarioError(
            f"s3-iam no longer knows the admin key from step roles ({answer}): it keeps users "
            "and keys in memory only, so a restart or a reset forgot them",
            fix="Run the whole lesson again: `dplat run scenario staging-permissions`.")


def _as(ctx: Any, user: str, service: str = "s3") -> Any:
    """A boto3 client signed with ``user``'s access key (made by the step roles)."""
    return ctx.s3_iam.client(service, **_keys(ctx)[user])


def _policy_where(team: str) -> str:
    return (f"the policies of group team-{team} (`dplat run scenario staging-permissions "
            f"--explain`, roles.py); the key of user {team} (state); {LOGS}")


# -- 1. roles ----------------------------------------------------------------------------------
@scenario.step("roles", "As the account root: buckets, groups, policies, users, keys; "
                        "the admin seeds the datastore")
def set_up_roles(ctx: Any) -> None:
    store = ctx.s3_iam
    _probe(ctx)
    for name, doc in roles.MANAGED.items():
        ctx.explain("policy", f"managed policy {name}", roles.as_json(doc))
    for role in roles.roles():
        for name, doc in role.inline.items():
            ctx.explain("policy", f"group {role.group}: inline policy {name}", roles.as_json(doc))
    ctx.explain("client call", "inside the set-up window (store.account_root(): unsigned calls "
                "allowed, as an account's root user)", _SET_UP_CALLS)
    ctx.progress("creating buckets, groups, policies, users and keys")
    with store.account_root() as root:
        for bucket in roles.BUCKETS:
            root("s3").create_bucket(Bucket=bucket)
        ctx.state["keys"] = keys = roles.create(root("iam"))
    # The set-up client's key belongs to no user: allowed only inside the window.
    unknown = plumbing.attempt(lambda: store.client("s3").list_buckets())
    ctx.check("a call with a key no user owns, once the set-up window is closed "
              "(enforcement is on)", actual=unknown.code, expected="InvalidAccessKeyId",
              where=f"S3Iam.account_root (dplat/stack/s3_iam.py); {LOGS}")

    admin = _as(ctx, ADMIN)
    seeded = data.datastore_objects()
    ctx.explain("s3 keys", f"the admin writes the processed data to s3-iam://{STORE}/",
                "\n".join(f"{k}  ({len(v)} bytes)" for k, v in seeded.items()))
    for key, body in seeded.items():
        admin.put_object(Bucket=STORE, Key=key, Body=body)
        ctx.wrote(f"s3-iam://{STORE}/{key.rsplit('/', 1)[0]}/", ["data.py: seeded processed "
                  "table (written with the admin's key)"])

    found = roles.read_back(_as(ctx, ADMIN, "iam"))
    expected = roles.described(keys)
    ctx.check("IAM users", actual=sorted(found), expected=sorted(expected),
              where=f"`aws iam list-users --endpoint-url {store.url()}` signed as admin; {LOGS}")
    for user, want in expected.items():
        got = found.get(user, {})
        for field, what in (("groups", "groups"), ("inline", "group's inline policies (JSON)"),
                            ("managed", "group's managed policies (JSON)"),
                            ("active_keys", "active access key")):
            ctx.check(f"user {user}: {what}, read back from IAM as the admin",
                      actual=got.get(field), expected=want[field],
                      where=f"roles.py (what was written); `--explain` prints the JSON; {LOGS}")
    ctx.check("the datastore, read back by the admin (bytes per object)",
              actual=plumbing.fingerprint(s3objects.read_prefix(admin, STORE)),
              expected=plumbing.fingerprint(seeded),
              where=f"data.datastore_objects; the admin's policy admin-everything; {LOGS}")
    ctx.show("users, their groups, policies and access keys (secrets are not shown)",
             plumbing.table([("user", "group", "policies", "access key")] + [
                 (r.user, r.group, ", ".join([*r.inline, *r.managed]), keys[r.user]["access_key"])
                 for r in roles.roles()]))


_SET_UP_CALLS = """\
s3.create_bucket(Bucket='datastaging'); s3.create_bucket(Bucket='datastore')
iam.create_policy(PolicyName='datastore-read', PolicyDocument=...)        # managed: shared by teams
for user, group in [('marketing', 'team-marketing'), ('finance', 'team-finance'), ('admin', 'admins')]:
    iam.create_group(GroupName=group)
    iam.put_group_policy(GroupName=group, PolicyName='staging-<team>' or 'admin-everything', ...)
    iam.attach_group_policy(GroupName=group, PolicyArn='arn:aws:iam::<account>:policy/datastore-read')  # teams
    iam.create_user(UserName=user); iam.add_user_to_group(GroupName=group, UserName=user)
    iam.create_access_key(UserName=user)      # the secret is returned once, here
then, signed with the admin's key: s3.put_object(Bucket='datastore', Key=..., Body=...)"""


# -- 2. permitted write --------------------------------------------------------------------------
@scenario.step("permitted-write", "Each team writes its dt=20201124 partition under its own "
                                  "prefix and reads it back")
def permitted_write(ctx: Any) -> None:
    _continue(ctx)
    admin = _as(ctx, ADMIN)
    rows = []
    for team in TEAMS:
        s3, prefix = _as(ctx, team), data.partition_prefix(team)
        partition = data.team_partition(team, ctx.options["events"])
        ctx.explain("s3 keys", f"{team} writes s3-iam://{STAGING}/{prefix} with its own key",
                    "\n".join(f"s3.put_object(Bucket='{STAGING}', Key='{k}')  # {len(v)} bytes"
                              for k, v in partition.items()))
        answers = {key: plumbing.attempt(partial(s3.put_object, Bucket=STAGING, Key=key,
                                                 Body=body)).code
                   for key, body in partition.items()}  # _SUCCESS last: the partition is whole
        ctx.check(f"{team}'s PutObject answers under {STAGING}/{team}/",
                  actual=answers, expected=dict.fromkeys(partition, "OK"),
                  where=_policy_where(team))
        back = plumbing.read_keys(s3, STAGING, list(partition))
        ctx.check(f"{team} reads its partition back (bytes per object)",
                  actual=plumbing.fingerprint(back), expected=plumbing.fingerprint(partition),
                  where=_policy_where(team))
        lines = sum(len(data.read_lines(b)) for b in back.values() if isinstance(b, bytes))
        ctx.check(f"{team}'s rows read back", actual=lines, expected=ctx.options["events"],
                  where=f"data.team_partition; s3-iam://{STAGING}/{prefix}")
        listed = sorted(s3objects.read_prefix(admin, STAGING, prefix))
        ctx.check(f"objects under {STAGING}/{prefix}, listed by the admin",
                  actual=listed, expected=sorted(partition),
                  where=f"the admin's listing of s3-iam://{STAGING}/{prefix}; {LOGS}")
        ctx.wrote(f"s3-iam://{STAGING}/{prefix}",
                  [f"data.py: {team}'s seeded {data.TEAM_TABLES[team]} (key of user {team})"])
        rows.append((team, f"s3-iam://{STAGING}/{prefix}", len(partition), lines))
    ctx.show("partitions written, each with its team's key",
             plumbing.table([("team", "partition", "objects", "rows"), *rows]))


# -- 3. denied write ---------------------------------------------------------------------------------
@scenario.step("denied-write", "marketing writes into finance's prefix and the datastore: the "
                               "server's AccessDenied")
def denied_write(ctx: Any) -> None:
    _continue(ctx)
    marketing, finance, admin = _as(ctx, "marketing"), _as(ctx, "finance"), _as(ctx, ADMIN)
    finance_part = next(iter(data.team_partition("finance", ctx.options["events"]).items()))
    victim, original = finance_part
    stray = data.partition_prefix("finance") + "from-marketing.json"
    body = data.json_lines([{"note": "written with marketing's key"}])
    store_key = next(iter(data.datastore_objects()))
    tried = [
        ("marketing", "PutObject (overwrite)", f"{STAGING}/{victim}",
         partial(marketing.put_object, Bucket=STAGING, Key=victim, Body=body)),
        ("marketing", "PutObject (new key)", f"{STAGING}/{stray}",
         partial(marketing.put_object, Bucket=STAGING, Key=stray, Body=body)),
        ("marketing", "PutObject (overwrite)", f"{STORE}/{store_key}",
         partial(marketing.put_object, Bucket=STORE, Key=store_key, Body=body)),
        ("marketing", "DeleteObject", f"{STORE}/{store_key}",
         partial(marketing.delete_object, Bucket=STORE, Key=store_key)),
        ("marketing", "iam:PutGroupPolicy (grant itself datastaging/*)", "group team-marketing",
         partial(_as(ctx, "marketing", "iam").put_group_policy, GroupName="team-marketing",
                 PolicyName="more", PolicyDocument=roles.as_json(roles.team_staging_policy("*")))),
    ]
    ctx.explain("client call", "calls signed with marketing's key, each expected to be refused",
                "\n".join(f"{call:<48} {resource}" for _, call, resource, _ in tried))
    shown = [("user", "call", "resource", "the server's answer")]
    for user, call, resource, function in tried:
        answer = plumbing.attempt(function)
        shown.append((user, call, resource, f"{answer.code} (HTTP {answer.status})"))
        ctx.check(f"{user} {call} on {resource}: the server's error code and HTTP status",
                  actual=answer.answer, expected=plumbing.DENIED,
                  where=f"{answer}; " + _policy_where("marketing"))
    # The other side of each denial: nothing changed, as the admin sees it...
    ctx.check(f"finance's {victim}, read by the admin after marketing's attempt (unchanged)",
              actual=plumbing.fingerprint(plumbing.read_keys(admin, STAGING, [victim])),
              expected=plumbing.fingerprint({victim: original}), where=LOGS)
    ctx.check(f"{stray} exists after marketing's attempt (admin's HeadObject)",
              actual=plumbing.exists(admin, STAGING, stray), expected=False, where=LOGS)
    ctx.check("the datastore after marketing's attempts, read by the admin",
              actual=plumbing.fingerprint(s3objects.read_prefix(admin, STORE)),
              expected=plumbing.fingerprint(data.datastore_objects()),
              where=f"the managed policy {roles.SHARED_READ} must grant no Put/Delete; {LOGS}")
    # ...and the key itself was writable: the same write with finance's key succeeds,
    # so the refusals were about who asked, not about a broken bucket or key name.
    control = plumbing.attempt(partial(finance.put_object, Bucket=STAGING, Key=stray, Body=body))
    shown.append(("finance", "PutObject (new key)", f"{STAGING}/{stray}", control.code))
    ctx.check(f"the same PutObject of {stray} with finance's own key",
              actual=control.code, expected="OK", where=_policy_where("finance"))
    ctx.check(f"{stray} exists after finance's write (admin's HeadObject)",
              actual=plumbing.exists(admin, STAGING, stray), expected=True, where=LOGS)
    removed = plumbing.attempt(partial(finance.delete_object, Bucket=STAGING, Key=stray))
    shown.append(("finance", "DeleteObject", f"{STAGING}/{stray}", removed.code))
    ctx.check("finance deletes it again under its own prefix (DeleteObject)",
              actual=(removed.code, plumbing.exists(admin, STAGING, stray)),
              expected=("OK", False), where=_policy_where("finance"))
    ctx.show("who tried what, and what the server answered", plumbing.table(shown))


# -- 4. shared read ------------------------------------------------------------------------------------
@scenario.step("shared-read", "Both teams read the processed datastore; staging stays private")
def shared_read(ctx: Any) -> None:
    _continue(ctx)
    seeded = data.datastore_objects()
    truth = data.revenue_by_country(seeded)
    ctx.explain("client call", f"each team lists and reads s3-iam://{STORE}/ with its own key",
                f"s3.list_objects_v2(Bucket='{STORE}'); s3.get_object(Bucket='{STORE}', Key=...)")
    for team in TEAMS:
        s3 = _as(ctx, team)
        found = s3objects.read_prefix(s3, STORE)
        ctx.check(f"{team} reads the datastore (bytes per object)",
                  actual=plumbing.fingerprint(found), expected=plumbing.fingerprint(seeded),
                  where=f"the managed policy {roles.SHARED_READ}, attached to group "
                        f"team-{team}; {LOGS}")
        ctx.check(f"{team}'s revenue per country (cents) from the shared daily_revenue",
                  actual=data.revenue_by_country(found), expected=truth,
                  where="data.revenue_by_country; the objects under daily_revenue/")
    private = [(reader, owner) for reader in TEAMS for owner in TEAMS if reader != owner]
    for reader, owner in private:
        key = next(iter(data.team_partition(owner, ctx.options["events"])))
        answer = plumbing.attempt(partial(_as(ctx, reader).get_object, Bucket=STAGING, Key=key))
        ctx.check(f"{reader} GetObject on {owner}'s {STAGING}/{key}",
                  actual=answer.answer, expected=plumbing.DENIED,
                  where=f"{answer}; " + _policy_where(reader))
    listing = plumbing.attempt(partial(_as(ctx, "marketing").list_objects_v2, Bucket=STAGING))
    ctx.check(f"marketing lists the whole {STAGING} bucket (no ListBucket granted there)",
              actual=listing.answer, expected=plumbing.DENIED,
              where=f"{listing}; " + _policy_where("marketing"))
    ctx.show("revenue per country, as both teams computed it from the datastore",
             plumbing.table([("country", "revenue (cents)"), *truth.items()]))


# -- reset -----------------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Forget every user, key, bucket and object of s3-iam (it serves only this lesson).

    A store that does not answer holds nothing (memory only): the first step
    then says how to start it.
    """
    store = ctx.s3_iam
    try:
        store.probe()
    except Exception:
        return
    store.forget()
