"""Running one computer or mobile task end to end: model client, screen, step loop."""
from __future__ import annotations

from openbay.sandbox.android.adb import AdbError

from .computer import Computer, ComputerError
from .computer_agent import ComputerAgent
from .events import AgentHooks
from .llm import ChatClient, LLMConfig
from .mobile_agent import MobileAgent, MobileDevice
from .screen_image import ScreenshotError
from .step_loop import AgentOptions, AgentOutcome


class ScreenFailed(Exception):
    """The computer or device could not be seen any more (e.g. its session ended)."""


async def run_computer_task(task: str, *, llm: LLMConfig, options: AgentOptions, hooks: AgentHooks,
                            computer: Computer, max_width: int = 1280, max_height: int = 800) -> AgentOutcome:
    client = ChatClient(llm)  # raises LLMNotConfigured before anything is looked at
    try:
        agent = ComputerAgent(client, computer, hooks, options, max_width=max_width, max_height=max_height)
        return await agent.run(task)
    except (ComputerError, ScreenshotError) as e:
        raise ScreenFailed(f"the computer failed: {str(e)[:300]}") from None
    finally:
        await client.close()


async def run_mobile_task(task: str, *, llm: LLMConfig, options: AgentOptions, hooks: AgentHooks,
                          device: MobileDevice, max_width: int = 1280, max_height: int = 800) -> AgentOutcome:
    client = ChatClient(llm)
    try:
        agent = MobileAgent(client, device, hooks, options, max_width=max_width, max_height=max_height)
        return await agent.run(task)
    except (AdbError, ScreenshotError) as e:
        raise ScreenFailed(f"the device failed: {str(e)[:300]}") from None
    finally:
        await client.close()
