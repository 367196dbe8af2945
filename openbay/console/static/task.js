// A task's page: each step with its screenshot, reasoning, tool calls and results; the
// agent's questions with a reply box; the final answer. Live (WebSocket) while it runs.
import {api, controlsReady, el, say, wsUrl} from "./common.js";
import {showRecording} from "./replay.js";

const taskId = document.getElementById("task-id").textContent;
const timeline = document.getElementById("timeline");
const steps = new Map();  // step number -> {li, reasoning, calls}
let lastSeq = 0, info = null;

function stepNode(n) {
  if (!steps.has(n)) {
    const reasoning = el("p", {class: "reasoning"}), calls = el("ul", {class: "calls"});
    const shot = el("div", {class: "shot"}), meta = el("p", {class: "meta"});
    const li = el("li", {id: `step-${n}`, "data-step": n, tabindex: "-1"},
                  el("h3", {}, `Step ${n}`), meta, shot, reasoning, calls);
    const before = [...timeline.children].find((c) => Number(c.dataset.step) > n);
    timeline.insertBefore(li, before || null);
    steps.set(n, {li, reasoning, calls, shot, meta, byId: new Map()});
  }
  return steps.get(n);
}

function onEvent(e) {
  lastSeq = Math.max(lastSeq, e.seq);
  const p = e.payload || {};
  if (e.type === "reasoning" || e.type === "content") {
    if (p.step) stepNode(p.step).reasoning.textContent += p.content || "";
  } else if (e.type === "tool_call" && p.step) {
    const s = stepNode(p.step);
    const result = el("pre", {class: "result"});
    const li = el("li", {class: "call"}, el("code", {class: "tool"}, p.name),
                  el("pre", {class: "args"}, JSON.stringify(p.args, null, 1)), result);
    s.byId.set(p.id, result);
    s.calls.append(li);
  } else if (e.type === "tool_result" && p.step) {
    const r = stepNode(p.step).byId.get(p.id);
    if (r) { r.textContent = p.output || ""; r.classList.toggle("error", !p.ok); }
  } else if (e.type === "call_for_user") {
    document.getElementById("ask").hidden = false;
    document.getElementById("ask-question").textContent = p.content || "";
  } else if (e.type === "user_input") {
    document.getElementById("ask").hidden = true;
  } else if (e.type === "status") {
    document.getElementById("task-status").textContent = p.status;
    if (["finished", "failed", "cancelled", "timed_out"].includes(p.status)) loadInfo();
  }
}

function fill(task) {
  info = task;
  document.getElementById("task-status").textContent = task.status;
  document.getElementById("task-steps").textContent = `${task.steps} of at most ${task.max_steps}`;
  const u = task.usage || {};
  document.getElementById("task-tokens").textContent =
    `${u.total_tokens || 0} (${u.prompt_tokens || 0} in, ${u.completion_tokens || 0} out)`;
  if (task.cost !== undefined && task.cost !== null) document.getElementById("task-cost").textContent = String(task.cost);
  let shot = 0;
  for (const log of task.execution_logs) {
    const s = stepNode(log.step);
    const cost = log.cost !== undefined && log.cost !== null ? ` · cost ${log.cost}` : "";
    s.meta.textContent = `${log.title || ""} ${log.url || ""} · ${log.usage.total_tokens} tokens${cost}`;
    if (log.has_screenshot && task.screenshots[shot] !== undefined) {
      const data = task.screenshots[shot++];
      const type = data.startsWith("iVBOR") ? "png" : "jpeg";
      s.shot.replaceChildren(el("img", {src: `data:image/${type};base64,${data}`, alt: `screenshot of step ${log.step}`,
                                        loading: "lazy"}));
    }
    if (!s.calls.children.length) {  // no events (an old task): the step log has the calls
      for (const a of log.actions) {
        s.calls.append(el("li", {class: "call"}, el("code", {class: "tool"}, a.name),
                          el("pre", {class: "args"}, JSON.stringify(a.args, null, 1)),
                          el("pre", {class: `result${a.ok ? "" : " error"}`}, a.result || "")));
      }
    }
  }
  const ended = ["finished", "failed", "cancelled", "timed_out"].includes(task.status);
  document.getElementById("final").hidden = !ended;
  document.getElementById("answer").textContent = task.result || "";
  const data = document.getElementById("data");
  data.hidden = task.data === null || task.data === undefined;
  data.textContent = data.hidden ? "" : JSON.stringify(task.data, null, 2);
  document.getElementById("task-error").textContent = task.error_message || "";
}

async function loadInfo() {
  fill(await api(`/v1/tasks/${encodeURIComponent(taskId)}`));
}

async function backfill() {
  for (;;) {
    const page = await api(`/v1/tasks/${encodeURIComponent(taskId)}/events?after_seq=${lastSeq}&limit=1000`);
    page.events.forEach(onEvent);
    if (page.events.length < 1000) return page.status;
  }
}

let socket = null;
function follow() {
  socket = new WebSocket(wsUrl(`/v1/tasks/${encodeURIComponent(taskId)}/events?after_seq=${lastSeq}`));
  socket.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (e.seq) onEvent(e);
    if (e.type === "reply_ack" && !e.ok) say(document.getElementById("ask-question"), e.message, true);
  };
  socket.onclose = () => { socket = null; };
}

document.getElementById("reply-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = document.getElementById("reply");
  try {
    await api(`/v1/tasks/${encodeURIComponent(taskId)}/reply`, {method: "POST", body: {content: input.value}});
    input.value = "";
    document.getElementById("ask").hidden = true;
  } catch (err) { say(document.getElementById("ask-question"), err.message, true); }
});
controlsReady();

async function recording() {
  try {
    // by the task, not under its session: the recording is kept after the session ended
    const recs = (await api(`/v1/recordings?task_id=${encodeURIComponent(taskId)}`)).recordings;
    if (!recs.length) return;
    document.getElementById("task-replay").hidden = false;
    showRecording(recs[0], document.getElementById("replay"), info);
  } catch { /* no recordings on this server */ }
}

(async () => {
  const status = await backfill();
  await loadInfo();
  if (!["finished", "failed", "cancelled", "timed_out"].includes(status)) follow();
  recording();
  window.openbayTaskLoaded = true;
})().catch((e) => say(document.getElementById("task-status"), e.message, true));
