// Loads a vendored classic script (UMD/IIFE builds of xterm.js, rrweb) once, from this server.
const loaded = new Map();

export function loadScript(path) {
  if (!loaded.has(path)) {
    loaded.set(path, new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = `/console/static/vendor/${path}`;
      s.onload = resolve;
      s.onerror = () => reject(new Error(`${path} is missing: run scripts/setup.sh`));
      document.head.append(s);
    }));
  }
  return loaded.get(path);
}

export function loadStyle(path) {
  if (!document.querySelector(`link[data-vendor="${path}"]`)) {
    const link = Object.assign(document.createElement("link"), {rel: "stylesheet", href: `/console/static/vendor/${path}`});
    link.dataset.vendor = path;
    document.head.append(link);
  }
}
