// The sessions list: filters, pages, live refresh, create and delete.
import {age, api, controlsReady, el, labelsText, metricsText, parseLabels, say} from "./common.js";

const PAGE = 20, REFRESH_MS = 3000;
const body = document.querySelector("#sessions tbody"), status = document.getElementById("list-status");
const filters = document.getElementById("filters");
let pageToken = null, nextToken = null, asked = 0, shown = 0;

function query() {
  const f = new FormData(filters), q = new URLSearchParams({limit: PAGE, status: f.get("status")});
  const label = (f.get("label") || "").trim();
  if (label) for (const [k, v] of Object.entries(parseLabels(label))) q.append("label", `${k}=${v}`);
  if (f.get("image")) q.set("image", f.get("image"));
  if (pageToken) q.set("next_token", pageToken);
  return q;
}

function row(s) {
  const link = el("a", {href: `/console/sessions/${encodeURIComponent(s.session_id)}`}, s.session_id);
  const metrics = el("td", {class: "metrics"});
  if (s.status === "running") metricsText(s.session_id).then((t) => { metrics.textContent = t || "–"; });
  const del = s.status === "running" || s.status === "paused"
    ? el("button", {type: "button", "aria-label": `Delete session ${s.session_id}`, onclick: () => remove(s.session_id)},
         "Delete") : "";
  return el("tr", {"data-session": s.session_id}, el("td", {}, link), el("td", {}, s.image_id),
            el("td", {class: `status ${s.status}`}, s.status), el("td", {}, labelsText(s.labels)),
            el("td", {title: s.created_at}, age(s.created_at)), metrics, el("td", {}, del));
}

async function load() {
  const mine = ++asked;  // answers can come back out of order: an older one never hides a newer one
  try {
    const list = await api(`/v1/sessions?${query()}`);
    if (mine < shown) return;
    shown = mine;
    body.replaceChildren(...list.sessions.map(row));
    if (!list.sessions.length) body.append(el("tr", {}, el("td", {colspan: 7}, "No sessions match.")));
    nextToken = list.next_token;
    document.getElementById("next").disabled = !nextToken;
    document.getElementById("first").disabled = !pageToken;
    document.getElementById("total").textContent = `${list.total_count} in all`;
    if (status.classList.contains("error")) say(status, "");
  } catch (e) {
    say(status, e.message, true);
  }
}

async function remove(id) {
  try {
    await api(`/v1/sessions/${encodeURIComponent(id)}`, {method: "DELETE"});
    say(status, `Deleted ${id}.`);
  } catch (e) { say(status, e.message, true); }
  load();
}

filters.addEventListener("submit", (e) => { e.preventDefault(); pageToken = null; load(); });
document.getElementById("next").addEventListener("click", () => { pageToken = nextToken; load(); });
document.getElementById("first").addEventListener("click", () => { pageToken = null; load(); });
document.getElementById("create").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const params = {image_id: f.get("image_id"), labels: parseLabels(f.get("labels") || "")};
    if (f.get("record")) params.record = true;
    say(status, "Creating…");
    const s = await api("/v1/sessions", {method: "POST", body: params});
    say(status, `Created ${s.session_id}.`);
    load();
  } catch (err) { say(status, err.message, true); }
});

controlsReady();
load();
setInterval(() => { if (!document.hidden) load(); }, REFRESH_MS);
