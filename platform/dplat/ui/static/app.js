// dplat's console: the little JavaScript it needs. Every POST carries the
// session token (read from the page); nothing is loaded from elsewhere.
"use strict";
const token = document.querySelector('meta[name="dplat-token"]').content;

function post(url) {
  return fetch(url, { method: "POST", headers: { "X-Dplat-Token": token } });
}

// Credentials: masked until the user asks; then fetched, shown, copyable.
document.querySelectorAll("button.reveal").forEach((button) => {
  button.addEventListener("click", async () => {
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
});

// A lesson run: start it, then follow its events as they come.
const progress = document.getElementById("progress");
const runButton = document.getElementById("run");
const runState = document.getElementById("run-state");

function follow() {
  runButton.disabled = true;
  runState.textContent = "running…";
  const source = new EventSource(progress.dataset.events);
  const add = (event) => progress.insertAdjacentHTML("beforeend", event.data);
  ["stack", "step", "progress", "check", "result", "explain"].forEach((kind) => source.addEventListener(kind, add));
  source.addEventListener("end", (event) => {
    add(event);
    source.close();
    runState.textContent = "done; the report below is this run's";
    runButton.disabled = false;
    fetch(location.href).then((r) => r.text()).then((page) => {
      const fresh = new DOMParser().parseFromString(page, "text/html").getElementById("last-run");
      if (fresh) document.getElementById("last-run").replaceWith(fresh);
    });
  });
}

if (runButton) {
  runButton.addEventListener("click", async () => {
    progress.innerHTML = "";
    const explain = document.getElementById("explain").checked ? "?explain=1" : "";
    const answer = await post(`/lessons/${encodeURIComponent(runButton.dataset.lesson)}/run${explain}`);
    if (answer.status === 202) { follow(); return; }
    const body = await answer.json().catch(() => ({ error: answer.statusText }));
    runState.textContent = `not started: ${body.error}`;
  });
  if (progress.hasAttribute("data-follow")) follow();
}
