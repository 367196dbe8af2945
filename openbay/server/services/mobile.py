"""Mobile sessions: each is bound to one Android device or emulator, reached through adb.

The devices come from OPENBAY_ADB_SERIAL (a comma-separated list is a pool). A
device is claimed when a `mobile` session is created and is free again once that
session has ended. With no device configured or attached, creating a session fails
at once with what to do. Agents use `device_for(session_id)` (an AdbDevice).
"""
from __future__ import annotations

import asyncio
import time

from openbay.protocol import ErrorCode
from openbay.protocol.mobile import MOBILE_IMAGES
from openbay.sandbox.android.adb import AdbClient, AdbDevice, AdbError
from openbay.sandbox.android.uiautomator import UiDumpError

from ..errors import ApiError
from .keys import Principal
from .sessions import SessionService

HOW_TO_ATTACH = ("attach one: plug in a phone with USB debugging on, start an emulator, or run "
                 "`adb connect HOST:PORT`; check it shows as `device` in `adb devices`; then set "
                 "OPENBAY_ADB_SERIAL to its serial (several, comma-separated, make a pool) and "
                 "restart the server")
CLAIM_GRACE_S = 120.0  # a claim whose session never came up is dropped after this


def device_error(e: AdbError, serial: str) -> ApiError:
    if e.no_device:
        return ApiError(ErrorCode.UNAVAILABLE, f"the device {serial} is not attached any more ({e}); "
                        + HOW_TO_ATTACH)
    return ApiError(ErrorCode.SANDBOX_ERROR, f"the device {serial} failed: {e}")


class MobileService:
    def __init__(self, sessions: SessionService, client: AdbClient, serials: list[str]):
        self.sessions = sessions
        self.client = client
        self.serials = serials
        self._bound: dict[str, tuple[str, float]] = {}  # serial -> (session id, claimed at)
        self._seen_live: set[str] = set()
        self._lock = asyncio.Lock()

    @classmethod
    def from_settings(cls, sessions: SessionService, settings) -> MobileService:
        serials = [s.strip() for s in settings.adb_serial.split(",") if s.strip()]
        return cls(sessions, AdbClient(port=settings.adb_server_port), serials)

    def _held(self, serial: str) -> bool:
        bound = self._bound.get(serial)
        if bound is None:
            return False
        session_id, claimed_at = bound
        if session_id in self.sessions.live:
            self._seen_live.add(session_id)
            return True
        if session_id in self._seen_live:  # its session ended: the device is free
            self._seen_live.discard(session_id)
        elif time.monotonic() - claimed_at < CLAIM_GRACE_S:
            return True  # its session is still being created
        del self._bound[serial]
        return False

    async def claim(self, session_id: str) -> str:
        """Bind a free, attached device to this new session; its serial."""
        if not self.serials:
            raise ApiError(ErrorCode.UNAVAILABLE, "no Android device is configured for mobile "
                           "sessions; " + HOW_TO_ATTACH)
        async with self._lock:
            problems = []
            for serial in self.serials:
                if self._held(serial):
                    problems.append(f"{serial}: in use by another session")
                    continue
                try:
                    state = await self.client.device(serial).state()
                except (AdbError, ValueError) as e:
                    problems.append(f"{serial}: {e}")
                    continue
                if state != "device":
                    problems.append(f"{serial}: {state}")
                    continue
                self._bound[serial] = (session_id, time.monotonic())
                return serial
        raise ApiError(ErrorCode.UNAVAILABLE, "no Android device is available ("
                       + "; ".join(problems) + "); " + HOW_TO_ATTACH)

    def serial_of(self, session_id: str) -> str | None:
        return next((s for s, (sid, _) in self._bound.items() if sid == session_id), None)

    def device_for(self, session_id: str) -> AdbDevice:
        """The device bound to a running mobile session (for agents on the server)."""
        serial = self.serial_of(session_id)
        if serial is None:
            raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} has no device bound")
        return self.client.device(serial)

    async def device(self, who: Principal, session_id: str) -> AdbDevice:
        """The device of the caller's running mobile session."""
        await self.sessions.require_running(who, session_id)
        image = self.sessions.kind(session_id)
        if image not in MOBILE_IMAGES:
            raise ApiError(ErrorCode.CONFLICT, f"session {session_id!r} runs image {image!r}, "
                           "which has no device; create one with image_id='mobile'")
        return self.device_for(session_id)

    async def run(self, device: AdbDevice, action):
        """Await one device action, with adb's failures as API errors."""
        try:
            return await action
        except AdbError as e:
            raise device_error(e, device.serial) from None
        except UiDumpError as e:
            raise ApiError(ErrorCode.SANDBOX_ERROR, f"the device's UI dump: {e}") from None
        except ValueError as e:  # what the adb layer refuses to send
            raise ApiError(ErrorCode.BAD_REQUEST, str(e)) from None
