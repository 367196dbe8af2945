// A terminal in the session: xterm.js over the /pty WebSocket (keystrokes and output as bytes).
import {say, wsUrl} from "./common.js";
import {loadScript, loadStyle} from "./vendor.js";

export async function openTerminal(sessionId, box, status) {
  loadStyle("xterm/xterm.css");
  await loadScript("xterm/xterm.js");
  await loadScript("xterm/addon-fit.js");
  const term = new window.Terminal({fontSize: 13, cursorBlink: true, scrollback: 5000,
                                    screenReaderMode: false, allowProposedApi: false});
  const fit = new window.FitAddon.FitAddon();
  term.loadAddon(fit);
  box.replaceChildren();
  term.open(box);
  fit.fit();
  const q = new URLSearchParams({cols: term.cols, rows: term.rows});
  const ws = new WebSocket(wsUrl(`/v1/sessions/${encodeURIComponent(sessionId)}/pty?${q}`));
  ws.binaryType = "arraybuffer";
  const encoder = new TextEncoder();
  ws.onopen = () => { say(status, "connected"); term.focus(); };
  ws.onmessage = (e) => {
    if (typeof e.data === "string") {
      const m = JSON.parse(e.data);
      if (m.type === "exit") say(status, `the shell exited (${m.exit_code})`);
    } else {
      term.write(new Uint8Array(e.data));
    }
  };
  ws.onclose = (e) => { if (!status.textContent.startsWith("the shell")) say(status, e.reason || "disconnected", !!e.reason); };
  term.onData((d) => { if (ws.readyState === 1) ws.send(encoder.encode(d)); });
  term.onResize(({cols, rows}) => { if (ws.readyState === 1) ws.send(JSON.stringify({type: "resize", cols, rows})); });
  new ResizeObserver(() => fit.fit()).observe(box);
  window.openbayTerminal = term;  // tests and the curious read its buffer
  return {term, ws};
}
