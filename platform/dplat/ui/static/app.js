// dplat's console: the little JavaScript it needs. Every POST carries the
// session token (read from the page); nothing is loaded from elsewhere.
"use strict";
const token = document.querySelector('meta[name="dplat-token"]').content;

function post(url) {
  return fetch(url, { method: "POST", headers: { "X-Dplat-Token": token } });
}

// Credentials: masked until the user asks; then fetched, shown, copyable.
// (Delegated: the services table is replaced after a start or stop.)
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.reveal");
  if (!button) return;
  const { service, key } = button.dataset;
  const answer = await post(`/api/reveal/${encodeURIComponent(service)}`);
  if (!answer.ok) { button.textContent = "could not reveal"; return; }
  const values = await answer.json();
  const span = document.querySelector(`.secret[data-service="${service}"][data-key="${key}"]`);
  span.textContent = values[key] ?? "";
  span.classList.add("revealed");
  span.title = "click to copy";
  span.addEventListener("click", () => navigator.clipboard?.writeText(span.textContent));
  button.remove();
});

// A long action (a lesson run, the stack's start or stop): follow its events
// into `list` until the end; then `ended()` refreshes what it changed.
const KINDS = ["stack", "step", "progress", "check", "result", "explain"];

function follow(list, buttons, stateLine, ended) {
  buttons.forEach((b) => { b.disabled = true; });
  stateLine.textContent = "running…";
  const source = new EventSource(list.dataset.events);
  const add = (event) => list.insertAdjacentHTML("beforeend", event.data);
  KINDS.forEach((kind) => source.addEventListener(kind, add));
  source.addEventListener("end", (event) => {
    add(event);
    source.close();
    buttons.forEach((b) => { b.disabled = false; });
    ended();
  });
}

// Fetch `url` once and put each element of `ids` in place from it: a fresh
// copy of this page, or a fragment the page loads after its first paint
// (asked with X-Dplat-Fragment, as /services and /data/tables answer).
function replaceFrom(url, ids) {
  return fetch(url, { headers: { "X-Dplat-Fragment": "1" } })
    .then((r) => r.text())
    .then((text) => {
      const fresh = new DOMParser().parseFromString(text, "text/html");
      for (const id of ids) {
        const part = fresh.getElementById(id);
        const old = document.getElementById(id);
        if (part && old) old.replaceWith(part);
      }
    });
}

// The answer of a refused POST, in words: the cause, then the fix.
async function refusal(answer) {
  const body = await answer.json().catch(() => ({ error: answer.statusText }));
  return body.fix ? `${body.error}. ${body.fix}` : body.error;
}

// A lesson's page: run it (live), reset its data.
const progress = document.getElementById("progress");
const runButton = document.getElementById("run");
const resetButton = document.getElementById("reset");
const runState = document.getElementById("run-state");

function followRun() {
  follow(progress, [runButton, resetButton], runState, () => {
    runState.textContent = "done; the report below is this run's";
    replaceFrom(location.href, ["last-run"]);
  });
}

if (runButton) {
  runButton.addEventListener("click", async () => {
    progress.innerHTML = "";
    const explain = document.getElementById("explain").checked ? "?explain=1" : "";
    const answer = await post(`/lessons/${encodeURIComponent(runButton.dataset.lesson)}/run${explain}`);
    if (answer.status === 202) { followRun(); return; }
    runState.textContent = `not started: ${await refusal(answer)}`;
  });
  resetButton.addEventListener("click", async () => {
    resetButton.disabled = true;
    runState.textContent = "resetting…";
    const answer = await post(`/lessons/${encodeURIComponent(resetButton.dataset.lesson)}/reset`);
    resetButton.disabled = false;
    runState.textContent = answer.ok ? "reset: its data is back to the start" : `not reset: ${await refusal(answer)}`;
  });
  if (progress.hasAttribute("data-follow")) followRun();
}

// The overview: start or stop the stack (or start or stop an on-demand
// service). Its services' table and the on-demand buttons (start becomes
// stop) come from /services, after the first paint and after each action,
// so clicks are taken on the section.
const stackProgress = document.getElementById("stack-progress");
const stackButtons = () => [...document.querySelectorAll("button.stack-action")];
const stackState = document.getElementById("stack-state");
const servicesBox = document.getElementById("services");
let stackBusy = false;

function loadServices() {
  return replaceFrom(servicesBox.dataset.src, ["on-demand", "services"]).then(() => {
    if (stackBusy) stackButtons().forEach((b) => { b.disabled = true; });
  });
}

function followStack() {
  stackBusy = true;
  follow(stackProgress, stackButtons(), stackState, () => {
    stackBusy = false;
    stackState.textContent = "done; the table below is the stack now";
    loadServices();
  });
}

document.querySelector("section.control")?.addEventListener("click", async (event) => {
  const button = event.target.closest("button.stack-action");
  if (!button) return;
  const query = new URLSearchParams();
  if (button.dataset.with) query.set("with", button.dataset.with);
  else if (button.dataset.action === "down" && document.getElementById("down-volumes").checked) {
    if (!confirm("Delete the stack's data too (dplat down -v)?")) return;
    query.set("volumes", "1");
  }
  stackProgress.innerHTML = "";
  const answer = await post(`/stack/${button.dataset.action}?${query}`);
  if (answer.status === 202) { followStack(); return; }
  stackState.textContent = `not started: ${await refusal(answer)}`;
});
if (stackProgress && stackProgress.hasAttribute("data-follow")) followStack();
if (servicesBox && servicesBox.dataset.src) loadServices();

// The Agent page: a reading every few seconds, cells updated in place; two
// readings of a plugin's emitted records give its rate, drawn as a small line.
const updated = document.getElementById("agent-updated");
const HISTORY = 30;

function spark(svg, values) {
  const top = Math.max(1, ...values);
  const points = values.map((v, i) => `${(i * 90) / (HISTORY - 1)},${19 - (v / top) * 18}`).join(" ");
  svg.innerHTML = `<polyline fill="none" stroke="currentColor" points="${points}"/>`;
}

if (updated) {
  const last = {};
  const rates = {};
  const agentState = document.getElementById("agent-state");
  const read = async () => {
    const answer = await fetch("/agent/metrics.json").catch(() => null);
    if (!answer || !answer.ok) {
      const body = answer ? await answer.json().catch(() => ({})) : {};
      agentState.textContent = `no reading: ${body.error ?? "the console does not answer"}. ${body.fix ?? ""}`;
      return;
    }
    const reading = await answer.json();
    agentState.textContent = "";
    updated.textContent = new Date(reading.taken * 1000).toLocaleTimeString();
    for (const plugin of reading.plugins) {
      const name = document.querySelector(`[data-plugin="${CSS.escape(plugin.plugin_id)}"]`);
      if (!name) continue;
      const row = name.closest("tr");
      for (const [key, value] of Object.entries(plugin.values)) {
        const cell = row.querySelector(`[data-metric="${key}"]`);
        if (cell) cell.textContent = value ?? "";
      }
      const before = last[plugin.plugin_id];
      if (before && plugin.values.emit_records !== null) {
        const rate = (plugin.values.emit_records - before.records) / Math.max(0.001, reading.taken - before.taken);
        const history = (rates[plugin.plugin_id] ??= []);
        history.push(Math.max(0, rate));
        if (history.length > HISTORY) history.shift();
        row.querySelector('[data-metric="rate"]').textContent = rate.toFixed(1);
        spark(row.querySelector("svg.spark"), history);
      }
      last[plugin.plugin_id] = { records: plugin.values.emit_records, taken: reading.taken };
    }
  };
  read();
  setInterval(read, Number(updated.dataset.poll) * 1000);
}

// The Data page: the tables of both engines, fetched after the first paint.
const tablesBox = document.getElementById("tables");
if (tablesBox) {
  fetch(tablesBox.dataset.src, { headers: { "X-Dplat-Fragment": "1" } })
    .then((r) => r.text())
    .then((fragment) => { tablesBox.innerHTML = fragment; tablesBox.dataset.loaded = "1"; });
}
