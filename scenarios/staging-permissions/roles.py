"""Who may do what: the teams' and the admin's IAM users, groups and policies.

Role-based access in IAM terms: a **group** per role (``team-marketing``,
``team-finance``, ``admins``) carries the policies, and a **user** per team
gets the role by joining its group and gets an access key to sign with. A
team's rights change in one place (its group), never key by key.

Policies are limited by **resource ARNs** only: ``arn:aws:s3:::datastaging/
marketing/*`` is every object whose key starts with ``marketing/``. The store
(moto) ignores policy *conditions* such as ``s3:prefix``, so no statement here
relies on one: every right written below is really enforced, and a right that
would need a condition (listing only one's own prefix) is not granted at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .data import TEAM_TABLES

STAGING = "datastaging"
STORE = "datastore"
BUCKETS = (STAGING, STORE)
ADMIN = "admin"
TEAMS = tuple(TEAM_TABLES)
SHARED_READ = "datastore-read"
"""A customer-managed policy: written once, attached to every team's group."""


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def team_staging_policy(team: str) -> dict[str, Any]:
    """Write, read back and replace objects under the team's own prefix, nothing more."""
    return document({
        "Sid": "OwnStagingPrefix",
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
        "Resource": f"arn:aws:s3:::{STAGING}/{team}/*",
    })


def datastore_read_policy() -> dict[str, Any]:
    """List and read the processed data; no Put or Delete, so it stays as processed."""
    return document(
        {"Sid": "ListDatastore", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": f"arn:aws:s3:::{STORE}"},
        {"Sid": "ReadDatastore", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": f"arn:aws:s3:::{STORE}/*"},
    )


def admin_policy() -> dict[str, Any]:
    """Everything, on every resource (AWS's AdministratorAccess, written out:
    moto does not load AWS's managed policies)."""
    return document({"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"})


@dataclass(frozen=True)
class Role:
    """A user, the group it joins, and the group's inline and managed policies."""

    user: str
    group: str
    inline: dict[str, dict[str, Any]]
    managed: tuple[str, ...] = field(default=())


def roles() -> list[Role]:
    teams = [Role(team, f"team-{team}", {f"staging-{team}": team_staging_policy(team)},
                  (SHARED_READ,)) for team in TEAMS]
    return [*teams, Role(ADMIN, "admins", {"admin-everything": admin_policy()})]


MANAGED = {SHARED_READ: datastore_read_policy()}


def managed_arn(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:policy/{name}"


# -- applying and reading back --------------------------------------------------------
def create(iam: Any) -> dict[str, dict[str, str]]:
    """Create the managed policies, groups, users and one access key per user.

    Returns ``{user: {"access_key": ..., "secret_key": ...}}``. The secret is
    shown only here, once, as AWS does; it cannot be read back later.
    """
    arns = {name: iam.create_policy(PolicyName=name, PolicyDocument=as_json(doc))["Policy"]["Arn"]
            for name, doc in MANAGED.items()}
    keys = {}
    for role in roles():
        iam.create_group(GroupName=role.group)
        for name, doc in role.inline.items():
            iam.put_group_policy(GroupName=role.group, PolicyName=name, PolicyDocument=as_json(doc))
        for name in role.managed:
            iam.attach_group_policy(GroupName=role.group, PolicyArn=arns[name])
        iam.create_user(UserName=role.user)
        iam.add_user_to_group(GroupName=role.group, UserName=role.user)
        key = iam.create_access_key(UserName=role.user)["AccessKey"]
        keys[role.user] = {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    return keys


def described(keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What IAM should answer for each user, in the shape :func:`read_back` gives."""
    return {role.user: {"groups": [role.group],
                        "inline": role.inline,
                        "managed": {name: MANAGED[name] for name in role.managed},
                        "active_keys": [keys[role.user]["access_key"]]}
            for role in roles()}


def read_back(iam: Any) -> dict[str, Any]:
    """Each user's groups, their policies (the stored JSON) and active keys, read from IAM."""
    found = {}
    for user in sorted(u["UserName"] for u in iam.list_users()["Users"]):
        groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName=user)["Groups"]]
        inline, managed = {}, {}
        for group in groups:
            for name in iam.list_group_policies(GroupName=group)["PolicyNames"]:
                inline[name] = iam.get_group_policy(GroupName=group, PolicyName=name)[
                    "PolicyDocument"]
            for attached in iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]:
                arn = attached["PolicyArn"]
                version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                managed[attached["PolicyName"]] = iam.get_policy_version(
                    PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        keys = [k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
                if k["Status"] == "Active"]
        found[user] = {"groups": groups, "inline": inline, "managed": managed,
                       "active_keys": keys}
    return found


def as_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2)
