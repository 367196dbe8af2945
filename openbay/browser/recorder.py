"""Recording a browser with rrweb, injected from outside over CDP.

Every page (open now or opened later) and every out-of-process frame gets the rrweb
recorder as a script that runs before the page's own (Page.addScriptToEvaluateOnNewDocument,
also run at once in what is already loaded), and a binding (Runtime.addBinding) through
which the recorder hands back its events in batches. Nothing in the sandbox's browser
setup changes: this is one more CDP client of the session's browser.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from .cdp import CdpClient, CdpError

log = logging.getLogger("openbay.recorder")
BINDING = "__openbayRecord"
FLUSH_MS = 200
MAX_BATCH = 200
RECORDED_TYPES = ("page", "iframe")


def recorder_script(rrweb_record_js: str) -> str:
    """The page side: rrweb's recorder, its events batched into the binding. A same-origin
    frame is recorded by its page's recorder; a cross-origin one records itself and passes
    its events to the page (rrweb's recordCrossOriginIframes)."""
    return f"""(() => {{
  if (window.__openbayRecording) return;
  if (window.top !== window) {{
    let crossOrigin = false;
    try {{ void window.parent.document; }} catch (e) {{ crossOrigin = true; }}
    if (!crossOrigin) return;
  }}
  window.__openbayRecording = true;
  {rrweb_record_js}
  let batch = [], timer = null;
  const flush = () => {{
    timer = null;
    const send = globalThis[{json.dumps(BINDING)}];  // looked up late: it may come after this script
    if (!batch.length) return;
    if (typeof send !== "function") {{ timer = setTimeout(flush, {FLUSH_MS}); return; }}
    const out = batch; batch = [];
    try {{ send(JSON.stringify(out)); }} catch (e) {{}}
  }};
  rrwebRecord({{
    emit(event) {{
      batch.push(event);
      if (batch.length >= {MAX_BATCH}) flush(); else if (!timer) timer = setTimeout(flush, {FLUSH_MS});
    }},
    recordCrossOriginIframes: true,
    sampling: {{mousemove: 100, scroll: 150, input: "last"}},
  }});
  addEventListener("pagehide", flush);
}})();"""


class BrowserRecorder:
    """Records every page of one browser; `on_events(list_of_rrweb_events)` gets them."""

    def __init__(self, cdp: CdpClient, script: str, on_events: Callable[[list], None]):
        self.cdp, self.script, self.on_events = cdp, script, on_events
        self._attached: set[str] = set()  # target ids
        self._setups: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.cdp.on("Runtime.bindingCalled", self._binding_called)
        self.cdp.on("Target.targetCreated", self._target_created)
        self.cdp.on("Target.attachedToTarget", self._attached_to_target)
        await self.cdp.send("Target.setDiscoverTargets", {"discover": True})
        for info in (await self.cdp.send("Target.getTargets"))["targetInfos"]:
            await self._attach(info)

    def _target_created(self, params: dict, _session: str) -> None:
        task = asyncio.ensure_future(self._attach(params.get("targetInfo") or {}))
        self._setups.add(task)
        task.add_done_callback(self._setups.discard)

    async def _attach(self, info: dict) -> None:
        target = info.get("targetId")
        if info.get("type") != "page" or not target or target in self._attached \
                or info.get("url", "").startswith("devtools://"):
            return
        self._attached.add(target)
        try:
            attached = await self.cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})
            await self._set_up(attached["sessionId"], waiting=False)
        except CdpError as e:  # the page went away meanwhile
            log.debug("could not record page %s: %s", target, e)

    def _attached_to_target(self, params: dict, _parent: str) -> None:
        """A frame of another process (auto-attached, paused until it is set up)."""
        info = params.get("targetInfo") or {}
        if info.get("type") not in RECORDED_TYPES or info.get("targetId") in self._attached:
            return
        self._attached.add(info["targetId"])
        task = asyncio.ensure_future(self._set_up(params["sessionId"], waiting=params.get("waitingForDebugger", False)))
        self._setups.add(task)
        task.add_done_callback(self._setups.discard)

    async def _set_up(self, session: str, waiting: bool) -> None:
        try:
            await self.cdp.send("Runtime.enable", session_id=session)  # bindings reach only inspected contexts
            await self.cdp.send("Page.enable", session_id=session)  # else scripts on new documents do not run
            await self.cdp.send("Runtime.addBinding", {"name": BINDING}, session_id=session)
            await self.cdp.send("Page.addScriptToEvaluateOnNewDocument",
                                {"source": self.script, "runImmediately": True}, session_id=session)
            await self.cdp.send("Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": True,
                                                         "flatten": True}, session_id=session)
            if not waiting:  # already loaded: record what it shows now as well
                await self.cdp.send("Runtime.evaluate", {"expression": self.script}, session_id=session)
        except CdpError as e:
            log.debug("recorder setup failed in %s: %s", session, e)
        finally:
            if waiting:
                try:
                    await self.cdp.send("Runtime.runIfWaitingForDebugger", session_id=session)
                except CdpError:
                    pass

    def _binding_called(self, params: dict, _session: str) -> None:
        if params.get("name") != BINDING:
            return
        try:
            events = json.loads(params.get("payload") or "[]")
        except ValueError:
            return
        if isinstance(events, list):
            self.on_events([e for e in events if isinstance(e, dict)])

    async def flush(self) -> None:
        """Ask every recorded page to hand over what it holds (before the recording ends)."""
        await asyncio.gather(*self._setups, return_exceptions=True)
