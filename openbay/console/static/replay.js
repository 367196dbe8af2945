// Recordings: an rrweb recording replays in rrweb-player, with the task's steps as marks on
// its timeline; a desktop recording is a video.
import {api, el} from "./common.js";
import {loadScript, loadStyle} from "./vendor.js";

export async function showRecording(rec, box, task = null) {
  const base = `/v1/recordings/${encodeURIComponent(rec.recording_id)}`;
  if (rec.kind === "video") {
    box.replaceChildren(el("video", {controls: true, src: `${base}/content`, class: "recording",
                                     "aria-label": `desktop recording ${rec.recording_id}`}),
                        el("p", {}, el("a", {href: `${base}/content`, download: `${rec.recording_id}.mp4`}, "Download")));
    return null;
  }
  loadStyle("rrweb/rrweb-player.css");
  await loadScript("rrweb/rrweb-player.js");
  const events = await (await api(`${base}/content`, {raw: true})).json();
  const stage = el("div", {class: "player", "aria-label": `replay of ${rec.recording_id}`});
  const marks = el("ol", {class: "marks", "aria-label": "Steps on the recording"});
  box.replaceChildren(stage, marks);
  if (events.length < 2) { stage.textContent = "The recording has no page in it yet."; return null; }
  const player = new window.rrwebPlayer({target: stage, props: {events, autoPlay: true, width: 800, height: 500,
                                                                 showController: true}});
  const start = events[0].timestamp;
  const steps = task ? task.execution_logs : (rec.task_id ? (await api(`/v1/tasks/${encodeURIComponent(rec.task_id)}`)).execution_logs : []);
  for (const s of steps || []) {
    if (!s.created_at) continue;
    const at = Math.max(0, new Date(s.created_at).getTime() - start);
    marks.append(el("li", {}, el("button", {type: "button", onclick: () => player.goto(at, true)},
                                 `Step ${s.step} at ${(at / 1000).toFixed(1)} s`)));
  }
  window.openbayReplay = {player, events: events.length};
  return player;
}
