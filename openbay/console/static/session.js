// A session's page: live facts, terminal, files, tasks, exposed ports, recordings.
import {age, api, controlsReady, el, labelsText, metricsText, say} from "./common.js";
import {fileBrowser} from "./files.js";
import {showRecording} from "./replay.js";
import {openTerminal} from "./terminal.js";

const sid = document.getElementById("session-id").textContent;
const path = `/v1/sessions/${encodeURIComponent(sid)}`;
const running = () => document.getElementById("status").textContent === "running";

async function refresh() {
  try {
    const info = await api(path);
    document.getElementById("status").textContent = info.status;
    document.getElementById("labels").textContent = labelsText(info.labels) || "none";
    showPorts(info.ports || info.exposed_ports || []);
  } catch { /* the facts the server rendered stay */ }
  document.getElementById("metrics").textContent = (running() && await metricsText(sid)) || "–";
}

function showPorts(ports) {
  const list = document.getElementById("ports");
  document.getElementById("ports-pane").hidden = !ports.length;
  list.replaceChildren(...ports.map((p) => {
    const url = p.url || p.link;
    return el("li", {}, `${p.port}${p.name ? ` (${p.name})` : ""}: `,
              url ? el("a", {href: url, target: "_blank", rel: "noopener"}, url) : "no link");
  }));
}

async function tasks() {
  try {
    const list = await api(`${path}/tasks`);
    document.getElementById("tasks").replaceChildren(...(list.tasks.length ? list.tasks.map((t) =>
      el("li", {}, el("a", {href: `/console/tasks/${encodeURIComponent(t.task_id)}`}, t.task_id), ` ${t.kind} · `,
         el("span", {class: `status ${t.status}`}, t.status), ` · ${t.steps} steps · ${age(t.created_at)} ago · `,
         el("q", {}, t.task.slice(0, 120)))) : [el("li", {}, "No tasks yet.")]));
  } catch (e) { document.getElementById("tasks").replaceChildren(el("li", {class: "error"}, e.message)); }
}

async function recordings() {
  const list = document.getElementById("recordings");
  try {
    // an ended session's recordings are kept: listed by the owner's recordings (its own path is 410)
    const from = running() ? `${path}/recordings` : `/v1/recordings?session_id=${encodeURIComponent(sid)}`;
    const recs = (await api(from)).recordings;
    list.replaceChildren(...(recs.length ? recs.map((r) => el("li", {}, `${r.kind} · ${new Date(r.started_at).toLocaleString()}`
      + ` · ${r.events ?? ""}${r.kind === "rrweb" ? " events" : ""} `,
      el("button", {type: "button", onclick: () => showRecording(r, document.getElementById("replay"))},
         `Play ${r.recording_id}`))) : [el("li", {}, "No recordings.")]));
  } catch { document.getElementById("recordings-pane").hidden = true; }
}

document.getElementById("term-open").addEventListener("click", async (e) => {
  const status = document.getElementById("term-status");
  if (!running()) return say(status, "the session has ended", true);
  e.target.disabled = true;
  try { await openTerminal(sid, document.getElementById("terminal"), status); }
  catch (err) { say(status, err.message, true); e.target.disabled = false; }
});

if (running()) fileBrowser(sid);
else document.getElementById("files-pane").hidden = true;
controlsReady();
refresh(); tasks(); recordings();
setInterval(() => { if (!document.hidden) { refresh(); tasks(); } }, 5000);
