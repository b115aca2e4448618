"""tail-and-rotate: tail a web server's access log through two rotations and a restart.

Read README.md first: it is the lesson. This file is what the runner executes,
one function per step. The server (app.py) writes lines the lesson drew in
advance, so every step knows exactly how many records the agent's tail must
have emitted, and the last step finds each line once in BigQuery.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from dplat import resources
from dplat.errors import ScenarioError
from dplat.scenario import Scenario, results, wait_until

from . import app, plumbing, rotate

scenario = Scenario(
    name="tail-and-rotate",
    title="Tail an access log through logrotate and a restart, exactly once",
    teaches=(
        "A web server writes an Apache access log; the agent tails it with a pos_file "
        "and parses it (apache2). The log is rotated twice while it is written, by "
        "logrotate's rename+create and then copytruncate (and its window); the agent "
        "is restarted mid-stream and resumes from its pos_file. Stack-trace lines "
        "that do not parse are kept (emit_unmatched_lines) and routed to a backfill "
        "table; SQL deduplicates by request id."
    ),
    services=("agent", "bigquery"),
    order=30,
    options={"events": 3000},
)

TAIL, REQUESTS, UNMATCHED = "access_tail", "access_bigquery", "backfill_bigquery"
AGENT_IDS = (TAIL, REQUESTS, UNMATCHED)
RAW, BACKFILL, STAGING = "raw.access_log", "raw.access_log_backfill", "staging.access_log"
IN_CONTAINER = "/dplat/work/tail-and-rotate/access.log"
STEPS = 4  # steps that write: each writes one segment of the lines
PER_SECOND = 800.0  # the server's steady rate, lines per second
WAIT = 30.0
SETTLED = 3.0  # seconds the pos_file stays at the end before a short count is final


def _log(ctx: Any) -> Path:
    return ctx.settings.work_dir / "tail-and-rotate" / "access.log"


def _segment(ctx: Any, index: int) -> list[str]:
    lines = app.generate(ctx.options["events"])
    return [line.text for line in app.segments(lines, STEPS)[index]]


def _write(ctx: Any, index: int, during: Any = None) -> int:
    """Run the server for this step's segment; ``during(writer)`` rotates or
    restarts while it writes. Returns the lines written so far in the run."""
    lines = _segment(ctx, index)
    ctx.progress(f"the server writes {len(lines):,} lines at {PER_SECOND:.0f}/s")
    with app.Writer(_log(ctx), lines, PER_SECOND) as writer:
        if during is not None:
            during(writer, len(lines))
        written = writer.finish()
    ctx.state["written"] = ctx.state.get("written", 0) + written
    return ctx.state["written"]


def _caught_up(ctx: Any, written: int,
               name: str = f"records the tail emitted ({TAIL} emit_records since its start)"
               ) -> None:
    """Wait until the tail emitted every written line of its process and its
    pos_file reached the end of the file, then check both."""
    log, base = _log(ctx), ctx.state.get("base", 0)
    at_end_since: list[float] = []

    def done() -> bool:
        if ctx.agent.emitted(TAIL) == written - base:
            return True
        # Short of the count: once the pos_file has stayed at the end of the
        # file for longer than rotate_wait, nothing more is coming (the tail
        # advances it only after an emit), so the check can say what is missing.
        entries, _ = rotate.read_pos_file(log.with_name("access.log.pos"))
        if rotate.position_of(entries, log.stat().st_ino) != log.stat().st_size:
            at_end_since.clear()
            return False
        at_end_since[:] = at_end_since or [time.monotonic()]
        return time.monotonic() - at_end_since[0] > SETTLED

    wait_until(done, WAIT)
    wait_until(lambda: rotate.position_of(
        rotate.read_pos_file(log.with_name("access.log.pos"))[0], log.stat().st_ino)
        == log.stat().st_size, WAIT)
    look = f"`dplat logs agent`; `curl {ctx.agent.url('agent_monitor')}/api/plugins.json`"
    ctx.check(name, actual=ctx.agent.emitted(TAIL), expected=written - base, where=look)
    _check_pos_file(ctx)


def _check_pos_file(ctx: Any) -> None:
    log = _log(ctx)
    pos_file = log.with_name("access.log.pos")
    entries, bad = rotate.read_pos_file(pos_file)
    text = pos_file.read_text() if pos_file.exists() else "(missing)"
    ctx.explain("pos_file", f"{pos_file} (path, position, inode; hex)", text)
    where = f"`cat {pos_file}`; `ls -li {log.parent}`"
    ctx.check_that("pos_file lines in Fluentd's format", entries and not bad,
                   actual=bad or f"{len(entries)} entries",
                   expected="path<TAB>%016x position<TAB>%016x inode", where=where)
    inode = log.stat().st_ino
    ctx.check(f"pos_file position of {IN_CONTAINER} (inode {inode})",
              actual=rotate.position_of(entries, inode), expected=log.stat().st_size,
              where=where)


def _listing(log: Path) -> str:
    files = sorted(p for p in log.parent.iterdir() if p.name.startswith("access.log"))
    return "\n".join(f"inode {p.stat().st_ino:>10}  {p.stat().st_size:>9} bytes  {p.name}"
                     for p in files)


def _rotate(ctx: Any, mode: str) -> rotate.Rotation:
    done = rotate.rotate(_log(ctx), mode)
    ctx.explain("command", f"{mode} rotation with {done.tool}", f"{done.config}\n$ {done.command}")
    if done.tool == rotate.BY_HAND:
        ctx.show(f"{mode}: logrotate is not installed (`apt-get install -y logrotate`)",
                 f"the step did logrotate's file operations itself:\n{done.command}")
    ctx.progress(f"rotated ({mode}) with {done.tool}")
    return done


# -- 1. tail --------------------------------------------------------------------------
@scenario.step("tail", "The server writes its access log; the agent tails it with a pos_file")
def tail(ctx: Any) -> None:
    for dataset in ("raw", "staging"):
        ctx.bigquery.create_dataset(dataset, exists_ok=True)
    log = _log(ctx)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    config = ctx.file("agent.conf").read_text()
    ctx.explain("agent config", "DPLAT_HOME/work/agent/agent.conf (then POST /api/reload)", config)
    ctx.progress("loading the lesson's agent config")
    ctx.use_agent_config(config, expect=AGENT_IDS)
    ctx.state.update(written=0, base=0)  # a new pipeline: its tail has emitted nothing
    written = _write(ctx, 0)
    _caught_up(ctx, written)
    ctx.show("the tail's pos_file", (log.with_name("access.log.pos")).read_text().rstrip())


# -- 2. rename + create -----------------------------------------------------------------
@scenario.step("rename", "logrotate renames the log and creates a new one while it is written")
def rename(ctx: Any) -> None:
    log = _log(ctx)
    before = log.stat().st_ino

    def rotate_midway(writer: app.Writer, total: int) -> None:
        writer.wait_written(total // 2)
        _rotate(ctx, "create")
        time.sleep(0.2)  # the server notices a moment later (logrotate's postrotate)
        writer.reopen()

    written = _write(ctx, 1, rotate_midway)
    ctx.show("the log's files after rename+create", _listing(log))
    ctx.check_that("access.log is a new file (another inode)", log.stat().st_ino != before,
                   actual=log.stat().st_ino, expected=f"not {before}", where=f"`ls -li {log.parent}`")
    _caught_up(ctx, written)


# -- 3. restart -------------------------------------------------------------------------
@scenario.step("restart", "The agent is restarted while the server writes; it resumes from its pos_file")
def restart(ctx: Any) -> None:
    log = _log(ctx)
    container = plumbing.agent_container(ctx.settings.project)
    stop: dict[str, int] = {}

    def restart_midway(writer: app.Writer, total: int) -> None:
        writer.wait_written(total // 3)
        ctx.progress(f"stopping container {container.name} (SIGTERM: flush, save positions)")
        container.stop(timeout=30)
        entries, _ = rotate.read_pos_file(log.with_name("access.log.pos"))
        stop["pos"] = rotate.position_of(entries, log.stat().st_ino) or 0
        writer.wait_written(2 * total // 3)  # the server does not wait for the agent
        ctx.progress("starting it again and waiting for its probe")
        container.start()
        ctx.agent.wait_ready(60)

    ctx.explain("client call", "restart the agent with the Docker SDK",
                "container = docker.from_env().containers.list(filters={'label': [\n"
                f"    'com.docker.compose.project={ctx.settings.project}',\n"
                "    'com.docker.compose.service=agent']})[0]\n"
                "container.stop(timeout=30); <read the pos_file>; container.start()\n"
                "<poll the monitor API until it answers>")
    written = _write(ctx, 2, restart_midway)
    unread = rotate.lines_after(log, stop["pos"])
    ctx.show("while the agent was down", f"its pos_file said: {IN_CONTAINER} read up to byte "
             f"{stop['pos']:,}\nlines after that byte once the server finished: {unread:,}")
    ctx.state["base"] = written - unread  # what the new process should not read again
    _caught_up(ctx, written, "records the restarted tail emitted = lines after the position "
               "its pos_file held at the stop (none read twice, none skipped)")
    ctx.figure("lines the restarted tail resumed with", unread)


# -- 4. copytruncate ----------------------------------------------------------------------
@scenario.step("copytruncate", "logrotate copies the log and truncates it (the server paused)")
def copytruncate(ctx: Any) -> None:
    log = _log(ctx)
    window: dict[str, int] = {}

    def copy_midway(writer: app.Writer, total: int) -> None:
        writer.wait_written(total // 2)
        ctx.progress("pausing the server, waiting for the tail to catch up")
        writer.pause()
        written = ctx.state["written"] + writer.written
        base = ctx.state["base"]
        wait_until(lambda: ctx.agent.emitted(TAIL) == written - base, WAIT)
        entries, _ = rotate.read_pos_file(log.with_name("access.log.pos"))
        window["size"] = log.stat().st_size
        window["read"] = rotate.position_of(entries, log.stat().st_ino) or 0
        _rotate(ctx, "copytruncate")
        writer.resume()

    inode = log.stat().st_ino
    written = _write(ctx, 3, copy_midway)
    unread = window["size"] - window["read"]
    ctx.show("copytruncate's window", f"at the copy, {IN_CONTAINER} had {window['size']:,} bytes "
             f"and the tail had read {window['read']:,}:\n{unread} bytes would exist only in "
             "access.log.1, which the tail does not read")
    ctx.check("bytes written but not yet read when the file was copied (lost by copytruncate)",
              actual=unread, expected=0, where="the server must be paused during the copy")
    ctx.check("access.log is the same file (same inode)", actual=log.stat().st_ino,
              expected=inode, where=f"`ls -li {log.parent}`")
    ctx.show("the log's files after copytruncate", _listing(log))
    _caught_up(ctx, written)


# -- 5. warehouse -------------------------------------------------------------------------
@scenario.step("warehouse", "Every line once in BigQuery: requests deduplicated, the rest in backfill")
def warehouse(ctx: Any) -> None:
    lines = app.generate(ctx.options["events"])
    requests = [line.request_id for line in lines if line.request_id]
    unmatched = [line.text for line in lines if not line.matched]
    ctx.progress("flushing the agent's buffers")
    try:
        ctx.agent.monitor("/api/flush", "POST", timeout=WAIT)
    except Exception as exc:  # the checks below say what did not arrive
        ctx.progress(f"flush: {exc}")
    bq = ctx.bigquery
    wait_until(lambda: plumbing.count(bq, RAW) >= len(requests)
                        and plumbing.count(bq, BACKFILL) >= len(unmatched), WAIT, interval=0.5)
    # Exactly, not "at least": the stop was graceful (buffers flushed, positions
    # saved after each emit) and no insert failed, so nothing was sent twice.
    # A crash or a retried insert would make it more; staging removes those.
    ctx.check(f"rows in {RAW}: one per request written (graceful restart, no insert "
              "retried: nothing read or sent twice)", actual=plumbing.count(bq, RAW),
              expected=len(requests), where=ctx.agent.output_health(REQUESTS))
    backfill = [r["unmatched_line"] for r in results.rows(bq, f"SELECT unmatched_line FROM {BACKFILL}")]
    ctx.check(f"unmatched lines in {BACKFILL} equal the stack-trace lines written",
              actual=plumbing.differences(backfill, unmatched) or f"{len(backfill)} lines, all equal",
              expected=f"{len(unmatched)} lines, all equal",
              where=ctx.agent.output_health(UNMATCHED))
    ctx.wrote(RAW, [f"{IN_CONTAINER} (tail {TAIL}, apache2)"])
    ctx.wrote(BACKFILL, [f"{IN_CONTAINER} (tail {TAIL}, unmatched lines)"])

    sql = ctx.file("sql/staging_access_log.sql").read_text()
    ctx.explain("sql", "sql/staging_access_log.sql", sql)
    bq.query(sql).result()
    ctx.wrote(STAGING, [RAW])
    found = [r["request_id"] for r in results.rows(bq, f"SELECT request_id FROM {STAGING}")]
    ctx.check(f"request ids in {STAGING}: every request written, each once",
              actual=plumbing.differences(found, requests) or f"{len(found)} requests, each once",
              expected=f"{len(requests)} requests, each once",
              where=f"`dplat sql bigquery 'SELECT request_id, COUNT(*) FROM {RAW} GROUP BY 1 "
                    "HAVING COUNT(*) > 1'`")
    ctx.figure("lines written", len(lines))
    ctx.figure("unmatched lines", len(unmatched))


# -- reset --------------------------------------------------------------------------------
@scenario.reset
def reset(ctx: Any) -> None:
    """Stop the lesson's tail (back to the stack's default config, which flushes
    what the old pipeline held), then drop the tables and the log's files."""
    try:
        if TAIL in ctx.agent.plugins():
            default = (resources.images_dir() / "agent" / "agent.conf").read_text()
            ctx.use_agent_config(default, expect=("forward", "monitor"))
        for table in (RAW, BACKFILL, STAGING):
            ctx.bigquery.delete_table(table, not_found_ok=True)
        folder = _log(ctx).parent
        if folder.is_dir():
            for path in folder.iterdir():
                if path.name.startswith(("access.log", "logrotate")):
                    path.unlink()
    except Exception as exc:
        raise ScenarioError(
            f"could not reset tail-and-rotate's data: {type(exc).__name__}: {str(exc)[:200]}",
            fix="Check the stack with `dplat status` (`dplat up` repairs it), then run again.",
        ) from exc
