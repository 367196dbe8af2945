// Shared by every console page: the signed-in visitor, API calls with the CSRF header, DOM helpers.
export const me = JSON.parse(document.body.dataset.me || "{}");
export const csrf = document.querySelector('meta[name="openbay-csrf"]')?.content || "";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || `HTTP ${status}`);
    this.status = status; this.code = body?.error?.code;
  }
}

/** The page's script has wired its controls: enable those the page was sent with disabled until now
 * (clicked before, they did nothing, or submitted their form the plain way). Call it last. */
export function controlsReady() {
  for (const node of document.querySelectorAll("[data-needs-script]")) node.disabled = false;
}

/** fetch an /v1 path as the signed-in visitor; JSON in and out. */
export async function api(path, {method = "GET", body, raw = false} = {}) {
  const headers = {"X-OpenBay-CSRF": csrf};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {method, headers, credentials: "same-origin",
                               body: body === undefined ? undefined : JSON.stringify(body)});
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
  if (raw) return r;
  return r.status === 204 ? null : r.json();
}

/** el("a", {href: "/x", class: "c"}, "text", child…): text is always text, never HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function age(iso) {
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

export function labelsText(labels) {
  return Object.entries(labels || {}).map(([k, v]) => `${k}=${v}`).join(", ");
}

/** "a=1, b=2" → {a: "1", b: "2"}; throws on a pair without "=". */
export function parseLabels(text) {
  const out = {};
  for (const pair of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const i = pair.indexOf("=");
    if (i < 1) throw new Error(`label ${pair} must look like key=value`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

export function wsUrl(path) {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${path}`;
}

/** A short metrics line from GET /v1/sessions/{id}/metrics, or "" where the server has none. */
export async function metricsText(sessionId) {
  try {
    const m = await api(`/v1/sessions/${encodeURIComponent(sessionId)}/metrics`);
    const parts = [];
    if (m.cpu_used_pct !== null && m.cpu_used_pct !== undefined) parts.push(`CPU ${m.cpu_used_pct.toFixed(0)}%`);
    if (m.mem_used) parts.push(`mem ${bytes(m.mem_used)}${m.mem_total ? ` of ${bytes(m.mem_total)}` : ""}`);
    if (m.disk_used) parts.push(`disk ${bytes(m.disk_used)}`);
    if (m.pids) parts.push(`${m.pids} proc`);
    return parts.join(" · ");
  } catch {
    return "";
  }
}

export function say(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle("error", isError);
}
