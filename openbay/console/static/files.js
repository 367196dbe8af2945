// The file browser: list a folder, open text, download, upload with progress.
import {api, bytes, csrf, el, say} from "./common.js";

const TEXT_LIMIT = 512 * 1024;

export function fileBrowser(sessionId) {
  const base = `/v1/sessions/${encodeURIComponent(sessionId)}/files`;
  const pathInput = document.getElementById("files-path"), body = document.querySelector("#files tbody");
  const view = document.getElementById("file-view"), status = document.getElementById("upload-status");
  const progress = document.getElementById("upload-progress");
  const join = (dir, name) => (dir.endsWith("/") ? dir : dir + "/") + name;
  const contentUrl = (path) => `${base}/content?path=${encodeURIComponent(path)}`;

  async function list(path) {
    try {
      const listing = await api(`${base}?path=${encodeURIComponent(path)}`);
      pathInput.value = listing.path;
      const rows = listing.entries
        .sort((a, b) => (b.is_directory - a.is_directory) || a.name.localeCompare(b.name))
        .map((f) => {
          const name = f.is_directory
            ? el("button", {type: "button", class: "link", onclick: () => list(f.path)}, f.name + "/")
            : el("button", {type: "button", class: "link", onclick: () => open(f)}, f.name);
          const download = f.is_directory ? "" : el("a", {href: contentUrl(f.path), download: f.name,
                                                          "aria-label": `Download ${f.name}`}, "Download");
          return el("tr", {"data-name": f.name}, el("td", {}, name), el("td", {}, f.is_directory ? "" : bytes(f.size)),
                    el("td", {}, new Date(f.mtime * 1000).toLocaleString()), el("td", {}, download));
        });
      body.replaceChildren(...rows);
    } catch (e) { say(status, e.message, true); }
  }

  async function open(f) {
    view.hidden = false;
    if (f.size > TEXT_LIMIT) { view.textContent = `${f.name} is ${bytes(f.size)}: download it instead.`; return; }
    try {
      const r = await api(contentUrl(f.path), {raw: true});
      const buf = new Uint8Array(await r.arrayBuffer());
      view.textContent = buf.includes(0) ? `${f.name} is not text: download it instead.`
        : new TextDecoder().decode(buf);
      view.focus();
    } catch (e) { view.textContent = e.message; }
  }

  function upload(file) {
    const target = join(pathInput.value, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", contentUrl(target));
    xhr.setRequestHeader("X-OpenBay-CSRF", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = e.loaded / e.total; };
    xhr.onload = () => {
      if (xhr.status < 300) { progress.value = 1; say(status, `uploaded ${file.name}`); list(pathInput.value); }
      else say(status, JSON.parse(xhr.responseText || "{}")?.error?.message || `HTTP ${xhr.status}`, true);
    };
    xhr.onerror = () => say(status, "the upload failed", true);
    progress.value = 0;
    say(status, `uploading ${file.name}…`);
    xhr.send(file);
  }

  document.getElementById("files-nav").addEventListener("submit", (e) => { e.preventDefault(); list(pathInput.value); });
  document.getElementById("files-up").addEventListener("click", () => {
    const up = pathInput.value.replace(/\/+$/, "").replace(/\/[^/]*$/, "") || "/";
    list(up);
  });
  document.getElementById("upload").addEventListener("submit", (e) => {
    e.preventDefault();
    const file = document.getElementById("upload-file").files[0];
    if (file) upload(file); else say(status, "choose a file first", true);
  });
  list(pathInput.value);
}
