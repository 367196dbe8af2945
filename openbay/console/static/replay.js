// Recordings: an rrweb recording replays in rrweb-player, as wide as its pane, with the steps
// of its tasks as marks on its timeline; a computer's recording is a video.
import {api, el} from "./common.js";
import {loadScript, loadStyle} from "./vendor.js";

const CONTROLLER_PX = 80;  // rrweb-player's controls under the frame

// The steps of the tasks that ran while it recorded: (task id, step, ms since the recording began).
async function stepsOf(rec, task, start) {
  const tasks = task ? [task] : await Promise.all((rec.task_ids || []).map(
    (id) => api(`/v1/tasks/${encodeURIComponent(id)}`).catch(() => null)));
  const many = tasks.filter(Boolean).length > 1;
  return tasks.filter(Boolean).flatMap((t) => (t.execution_logs || []).filter((s) => s.created_at).map((s) => ({
    label: `${many ? `${t.task_id} ` : ""}Step ${s.step}`, at: Math.max(0, new Date(s.created_at).getTime() - start)})));
}

export async function showRecording(rec, box, task = null) {
  const base = `/v1/recordings/${encodeURIComponent(rec.recording_id)}`;
  if (rec.kind === "video") {
    box.replaceChildren(el("video", {controls: true, src: `${base}/content`, class: "recording",
                                     "aria-label": `computer recording ${rec.recording_id}`}),
                        el("p", {}, el("a", {href: `${base}/content`, download: `${rec.recording_id}.mp4`}, "Download")));
    return null;
  }
  loadStyle("rrweb/rrweb-player.css");
  await loadScript("rrweb/rrweb-player.js");
  const events = await (await api(`${base}/content`, {raw: true})).json();
  events.sort((a, b) => a.timestamp - b.timestamp);  // several pages hand theirs over in batches
  const stage = el("div", {class: "player", "aria-label": `replay of ${rec.recording_id}`});
  const marks = el("ol", {class: "marks", "aria-label": "Steps on the recording"});
  box.replaceChildren(stage, marks);
  if (events.length < 2) { stage.textContent = "The recording has no page in it yet."; return null; }
  const meta = events.find((e) => e.type === 4 && e.data && e.data.width) || {data: {width: 1280, height: 800}};
  const width = Math.max(320, Math.min(stage.clientWidth || 800, 1024));
  const height = Math.round(width * meta.data.height / meta.data.width);
  stage.style.height = `${height + CONTROLLER_PX}px`;
  const player = new window.rrwebPlayer({target: stage, props: {events, autoPlay: true, width, height,
                                                                 showController: true}});
  const start = events[0].timestamp;
  for (const s of await stepsOf(rec, task, start)) {
    marks.append(el("li", {}, el("button", {type: "button", onclick: () => player.goto(s.at, true)},
                                 `${s.label} at ${(s.at / 1000).toFixed(1)} s`)));
  }
  window.openbayReplay = {player, events: events.length, steps: marks.children.length};
  return player;
}
