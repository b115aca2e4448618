"""__NAME__: __TITLE__

Read README.md first: it is the lesson. Each step does one thing a data
engineer does, with the official clients the context gives it, and checks the
real result against what it expected.
"""

from __future__ import annotations

from dplat.scenario import Scenario

scenario = Scenario(
    name="__NAME__",
    title="__TITLE__",
    teaches="What a newcomer learns here, in one paragraph.",
    services=("s3",),
    order=900,
)

BUCKET = "datastaging"
KEY = "__NAME__/hello/dt=20201124/hello.txt"


@scenario.reset
def reset(ctx) -> None:
    """Remove what this lesson wrote, so a rerun starts from the same place."""
    ctx.s3.delete_object(Bucket=BUCKET, Key=KEY)


@scenario.step("stage", "Write an object to the staging area and read it back")
def stage(ctx) -> None:
    body = b"hello from __NAME__\n"
    ctx.explain("s3 keys", "the object this step writes", f"s3://{BUCKET}/{KEY}")
    ctx.s3.put_object(Bucket=BUCKET, Key=KEY, Body=body)
    ctx.wrote(f"s3://{BUCKET}/{KEY}", ["this lesson"])
    found = ctx.s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read()
    ctx.check(
        "the object reads back as written",
        actual=found,
        expected=body,
        where=f"dplat cat s3://{BUCKET}/{KEY}",
    )
