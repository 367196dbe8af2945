// The keys page (admins): create, list and revoke keys, and set a key's session quota.
import {api, controlsReady, el, say} from "./common.js";

const body = document.querySelector("#keys tbody"), out = document.getElementById("new-secret");

function quotaCell(k) {
  const input = el("input", {type: "number", min: 1, size: 6, value: k.max_sessions ?? "", placeholder: "default",
                             "aria-label": `Session quota of ${k.name}`});
  const save = el("button", {type: "button", onclick: async () => {
    try {
      await api(`/v1/keys/${encodeURIComponent(k.key_id)}`, {method: "PATCH",
        body: {max_sessions: input.value ? Number(input.value) : null}});
      say(out, `Quota of ${k.name} saved.`);
    } catch (e) { say(out, e.message, true); }
  }}, "Save");
  return el("td", {}, input, " ", save);
}

async function load() {
  const {keys} = await api("/v1/keys");
  body.replaceChildren(...keys.map((k) => el("tr", {"data-key": k.key_id},
    el("td", {}, k.name), el("td", {}, el("code", {}, k.key_id)), el("td", {}, el("code", {}, k.prefix + "…")),
    el("td", {}, k.admin ? "yes" : "no"), quotaCell(k), el("td", {}, new Date(k.created_at).toLocaleString()),
    el("td", {}, k.revoked_at ? "revoked" : "active"),
    el("td", {}, k.revoked_at ? "" : el("button", {type: "button", "aria-label": `Revoke ${k.name}`, onclick: async () => {
      if (!confirm(`Revoke the key ${k.name}? Its sessions stay, but the key stops working.`)) return;
      try { await api(`/v1/keys/${encodeURIComponent(k.key_id)}`, {method: "DELETE"}); load(); }
      catch (e) { say(out, e.message, true); }
    }}, "Revoke")))));
}

document.getElementById("new-key").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const body = {name: f.get("name"), admin: !!f.get("admin")};
    if (f.get("max_sessions")) body.max_sessions = Number(f.get("max_sessions"));
    const k = await api("/v1/keys", {method: "POST", body});
    out.replaceChildren("New key (shown once): ", el("code", {id: "secret"}, k.key));
    e.target.reset();
    load();
  } catch (err) { say(out, err.message, true); }
});

controlsReady();
load().catch((e) => say(out, e.message, true));
