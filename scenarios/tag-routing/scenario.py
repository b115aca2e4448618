"""tag-routing: tags, <match> patterns, filters, a label and copy, and the
file names and object keys that buffers' chunk keys produce.

Read README.md first: it is the lesson. This file is what the runner runs,
one function per step. The ground truth (routes.py) is worked out from
Fluentd's documented rules before anything is sent; the steps read the files
and objects back and compare them name by name, event by event.
"""

from __future__ import annotations

import shutil
from collections import Counter
from typing import Any

from dplat.errors import ScenarioError
from dplat.scenario import Scenario, s3objects, wait_until

from . import events, plumbing, routes

scenario = Scenario(
    name="tag-routing",
    title="Routing by tag: match patterns, filters, copy, labels and chunk-key file names",
    teaches=(
        "Events tagged web.access, web.error, batch.job and web.access.debug are routed by "
        "<match> patterns (*, **, {a,b}; first match wins), dropped by grep, enriched by "
        "record_transformer, copied with copy and relabelled to a <label>; they land in "
        "files named by <buffer time,tag> and timekey 1m (/target/${tag[0]}/%Y%m%d/"
        "part-%Y%m%d.%H%M) and in S3 under dt= prefixes. Every name is checked against "
        "Fluentd's rules, and a config whose ${tag} lacks its chunk key is refused."
    ),
    services=("agent", "s3"),
    order=40,
    options={"events": 400},
)

BUCKET = "datastaging"
OUTPUT_IDS = tuple(o.plugin_id for o in routes.OUTPUTS)
PLACEHOLDER_ERROR = "has tag placeholders, but chunk key 'tag' is not configured"


def _target(ctx: Any) -> Any:
    """DPLAT_HOME/work/target: /dplat/work/target inside the agent's container."""
    return ctx.settings.work_dir / "target"


def _truth(ctx: Any) -> dict[str, Any]:
    return ctx.state["truth"]


# -- 1. placeholders need chunk keys -------------------------------------------------
@scenario.step("check-config", "`dplat agent check`: ${tag} in a path needs the chunk key tag")
def check_config(ctx: Any) -> None:
    broken = ctx.file("broken.conf")
    fixed = ctx.settings.work_dir / "tag-routing" / "fixed.conf"
    fixed.parent.mkdir(parents=True, exist_ok=True)
    fixed.write_text(broken.read_text().replace("<buffer time>", "<buffer time,tag>"))
    ctx.explain("agent config", f"{broken} (broken on purpose)", broken.read_text())
    for config, ok in ((broken, False), (fixed, True)):
        ran = plumbing.agent_check(config)
        ctx.explain("command", ran.command, ran.output)
        ctx.show(f"$ {ran.command}   (exit code {ran.exit_code})", ran.output)
        if ok:
            ctx.check("the same config with <buffer time,tag> is valid (exit code)",
                      actual=ran.exit_code, expected=0, where=f"`{ran.command}`")
            continue
        ctx.check("`dplat agent check` refuses ${tag[0]} without chunk key tag (exit code)",
                  actual=ran.exit_code, expected=1, where=f"`{ran.command}`")
        ctx.check_that("the error names the placeholder and the missing chunk key",
                       PLACEHOLDER_ERROR in ran.output and "broken.conf:13" in ran.output,
                       actual=ran.output, expected=f"broken.conf:13 ... {PLACEHOLDER_ERROR}",
                       where=f"`{ran.command}`; docs/agent.md on placeholders")


# -- 2. send -------------------------------------------------------------------------
@scenario.step("send", "Load the routing config; send N seeded events with fluent-logger")
def send(ctx: Any) -> None:
    config = ctx.file("agent.conf").read_text()
    ctx.explain("agent config", "DPLAT_HOME/work/agent/agent.conf (then POST /api/reload)", config)
    ctx.progress("loading the lesson's agent config")
    ctx.use_agent_config(config, expect=("routing_forward", *OUTPUT_IDS))
    sent = events.generate(ctx.options["events"])
    ctx.state["truth"] = truth = routes.ground_truth(sent)
    agent = ctx.agent
    host, port = agent.host, agent.port("agent")
    ctx.explain("client call", "fluent-logger, one call per event (events.py)",
                f"sender = FluentSender('', host={host!r}, port={port}, nanosecond_precision=True)\n"
                "sender.emit_with_time(event.tag, EventTime.from_unix_nano(ns), event.record)\n"
                + "\n".join(f"  {e.tag:<17} {e.at_ms} {e.record}" for e in sent[:5]) + "\n  ...")
    before = _records_in(agent)
    ctx.progress(f"sending {len(sent)} events")
    shipped = events.send(sent, host, port)
    ctx.check("events fluent-logger could not send", actual=shipped.lost, expected=0,
              where="is the agent up? `dplat status`, `dplat logs agent`; "
              + "; ".join(sorted(set(shipped.errors))[:2]))
    received = wait_until(
        lambda: (_records_in(agent) - before) >= len(sent) and _records_in(agent) - before,
        timeout=30) or _records_in(agent) - before
    ctx.check("events the agent received (monitor: routing_forward emit_records)",
              actual=received, expected=len(sent),
              where=f"`curl {agent.url('agent_monitor')}/api/plugins.json`; `dplat logs agent`")
    ctx.show("events sent per tag", _lines(truth["sent_per_tag"]))
    ctx.wrote("agent routing_forward", ["events.py: seeded events via fluent-logger"])


def _records_in(agent: Any) -> int:
    return int(agent.plugins().get("routing_forward", {}).get("emit_records") or 0)


def _lines(counts: dict[str, Any]) -> str:
    return "\n".join(f"{key:<45} {value}" for key, value in counts.items())


def _flush(ctx: Any) -> None:
    ctx.explain("command", "force a flush instead of waiting for timekeys",
                "POST /api/flush on the monitor port (Fluentd's SIGUSR1; `dplat agent flush`)")
    ctx.progress("flushing the agent's buffers")
    problem = ctx.agent.flush(OUTPUT_IDS, timeout=30)
    ctx.check("the agent flushed every output", actual=problem, expected=None,
              where="`dplat logs agent`; " + "; ".join(
                  ctx.agent.output_health(i) for i in OUTPUT_IDS))


def _placed(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {name: sorted(str(r.get("event_id")) for r in records)
            for name, records in found.items()}


def _differences(found: dict[str, list[str]], expected: dict[str, list[str]]) -> dict[str, Any]:
    """Per name, the event ids missing from it and those that should not be there."""
    diff = {}
    for name in sorted(set(found) | set(expected)):
        missing = sorted(set(expected.get(name, [])) - set(found.get(name, [])))
        extra = sorted(set(found.get(name, [])) - set(expected.get(name, [])))
        if missing or extra:
            diff[name] = {"missing": missing[:10], "unexpected": extra[:10]}
    return diff


def _check_landed(ctx: Any, what: str, found: dict[str, list[tuple[str, dict[str, Any]]]],
                  expected: dict[str, list[str]], where: str) -> None:
    """Names exactly as Fluentd's, each event once in its place, nothing dropped
    leaking through, per-tag counts and the record_transformer's fields."""
    truth = _truth(ctx)
    records = {name: [r for _, r in lines] for name, lines in found.items()}
    ctx.check(f"{what} names", actual=sorted(found), expected=sorted(expected), where=where)
    diff = _differences(_placed(records), expected)
    ctx.check_that(f"event ids in each of the {what}", not diff,
                   actual=diff or f"{len(expected)} {what}, {sum(map(len, expected.values()))} "
                   "events, each where expected", expected="each event id in its own place",
                   where=where)
    ids = [i for placed in _placed(records).values() for i in placed]
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    ctx.check(f"events found in more than one of the {what}", actual=twice, expected=[],
              where=where)
    leaked = sorted(set(ids) & set(truth["dropped"]))
    ctx.check(f"grep-dropped events found in the {what}", actual=leaked, expected=[],
              where="the <filter> sections of agent.conf (grep), `dplat logs agent`")
    per_tag = Counter(tag for lines in found.values() for tag, _ in lines)
    ctx.check(f"events per tag in the {what}", actual=dict(sorted(per_tag.items())),
              expected=truth[f"{what}_per_tag"], where=where)
    wrong = [name for name, lines in found.items() for tag, record in lines
             if {k: record.get(k) for k in ("routed_tag", "service")} != routes.added_fields(tag)]
    ctx.check(f"{what} whose records lack record_transformer's routed_tag/service",
              actual=sorted(set(wrong)), expected=[], where="<filter **> add_route in agent.conf")


# -- 3. files ----------------------------------------------------------------------------
@scenario.step("files", "Flush; the files are named exactly as Fluentd's out_file names them")
def files(ctx: Any) -> None:
    _flush(ctx)
    truth = _truth(ctx)
    found = plumbing.file_lines(_target(ctx))
    ctx.explain("files", f"{_target(ctx)} ({len(found)} files)", "\n".join(found))
    ctx.show("files under DPLAT_HOME/work/target/", "\n".join(
        f"{name:<48} {len(lines):>4} lines" for name, lines in found.items()))
    _check_landed(ctx, "files", found, truth["files"],
                  where=f"`ls -R {_target(ctx)}`; "
                  + ctx.agent.output_health("routed_files"))
    ctx.wrote(f"{_target(ctx)}/", ["agent {web,batch}.* (routed_files)", "agent web.error "
               "(error_files)", "agent ** (unrouted_files)"])


# -- 4. objects --------------------------------------------------------------------------
@scenario.step("objects", "The S3 objects: dt= prefixes, keys as fluent-plugin-s3 names them")
def objects(ctx: Any) -> None:
    truth = _truth(ctx)
    found = plumbing.object_records(ctx.s3, BUCKET, routes.S3_PREFIX)
    ctx.explain("s3 keys", f"s3://{BUCKET}/{routes.S3_PREFIX} ({len(found)} objects)",
                "\n".join(found))
    ctx.show(f"objects under s3://{BUCKET}/{routes.S3_PREFIX}", "\n".join(
        f"{key:<52} {len(records):>4} lines" for key, records in found.items()))
    where = (f"`dplat ls s3://{BUCKET}/{routes.S3_PREFIX}`; "
             + ctx.agent.output_health("routed_s3"))
    tagged = {key: [(str(r.get("routed_tag")), r) for r in records]
              for key, records in found.items()}
    _check_landed(ctx, "objects", tagged, truth["objects"], where=where)
    alerts = [r for key, records in found.items() if key.startswith(routes.S3_PREFIX + "alerts/")
              for r in records]
    ctx.check("alerts carry the @ALERTS label's field alert_channel=oncall",
              actual=sorted({r.get("alert_channel") for r in alerts}, key=str),
              expected=["oncall"], where="<label @ALERTS> in agent.conf")
    ctx.check("only web.error reaches @ALERTS", actual=sorted({r["routed_tag"] for r in alerts}),
              expected=["web.error"], where="<match web.error> (copy + relabel) in agent.conf")
    ctx.wrote(f"s3://{BUCKET}/{routes.S3_PREFIX}", ["agent {web,batch}.* (routed_s3)",
                                                     "agent @ALERTS (alerts_s3)"])


# -- 5. a late event ----------------------------------------------------------------------
@scenario.step("late-event", "A late event for a flushed minute: a new file _1, a new key _1")
def late_event(ctx: Any) -> None:
    late = events.late_event()
    agent = ctx.agent
    before_files = set(plumbing.file_lines(_target(ctx)))
    before_keys = set(plumbing.object_records(ctx.s3, BUCKET, routes.S3_PREFIX))
    ctx.explain("client call", "one more web.access event at 23:58:30, after 23:58 was flushed",
                f"sender.emit_with_time('web.access', {late.at_ms}ms, {late.record})")
    before_in = _records_in(agent)
    shipped = events.send([late], agent.host, agent.port("agent"))
    ctx.check("late event sent", actual=shipped.lost, expected=0, where="`dplat logs agent`")
    # A sent event may still be on its way: flush only once the agent counted it,
    # or the flush runs first and the event waits for its (very long) timekey.
    wait_until(lambda: _records_in(agent) > before_in, 30)
    ctx.check("the agent received the late event", actual=_records_in(agent) - before_in,
              expected=1, where="`dplat logs agent`")
    _flush(ctx)
    new_files = {n: [r["event_id"] for _, r in lines]
                 for n, lines in plumbing.file_lines(_target(ctx)).items() if n not in before_files}
    new_keys = {k: [r["event_id"] for r in records] for k, records in
                plumbing.object_records(ctx.s3, BUCKET, routes.S3_PREFIX).items()
                if k not in before_keys}
    ctx.check("the new file (append false: the next free _N)", actual=new_files,
              expected={routes.place(routes.WEB_FILES, late, 1): [late.event_id]},
              where=f"`ls {_target(ctx)}/web/20201122/`")
    ctx.check("the new object (check_object: the next free %{index})", actual=new_keys,
              expected={routes.place(routes.ROUTED_S3, late, 1): [late.event_id]},
              where=f"`dplat ls s3://{BUCKET}/{routes.S3_PREFIX}web.access/`")


# -- reset --------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Flush what the agent still holds for this lesson (so nothing lands after
    the reset), then delete the lesson's files and objects."""
    try:
        agent = ctx.agent
        if set(OUTPUT_IDS) <= set(agent.plugins()):
            agent.flush(OUTPUT_IDS, timeout=30)
        shutil.rmtree(_target(ctx), ignore_errors=True)
        s3objects.delete_prefix(ctx.s3, BUCKET, routes.S3_PREFIX)
    except Exception as exc:
        raise ScenarioError(
            f"could not reset tag-routing's data: {type(exc).__name__}: {str(exc)[:200]}",
            fix="Check the stack with `dplat status` (`dplat up` repairs it), then run again.",
        ) from exc
