"""AgentBay's browser extensions: ZIP files kept in a context, loaded by the session's Chromium.

ExtensionsService uploads each ZIP into its context through the context's file URLs (as
AgentBay's does); a session made with BrowserContext(extension_option=...) gets that context
at /tmp/extensions/, and browser.initialize loads every extension found there."""
from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx

from .errors import AgentBayError

LIST_PAGE = 100


class Extension:
    def __init__(self, id: str, name: str, created_at: str | None = None):
        self.id, self.name, self.created_at = id, name, created_at


class ExtensionOption:
    def __init__(self, context_id: str, extension_ids: list[str]):
        if not context_id or not str(context_id).strip():
            raise ValueError("context_id cannot be empty")
        if not extension_ids:
            raise ValueError("extension_ids cannot be empty")
        self.context_id, self.extension_ids = context_id, list(extension_ids)

    def validate(self) -> bool:
        return bool(self.context_id and self.extension_ids)


def _checked_zip(local_path: str) -> str:
    if not os.path.exists(local_path):
        raise FileNotFoundError(f"The specified local file was not found: {local_path}")
    suffix = os.path.splitext(local_path)[1].lower()
    if suffix != ".zip":
        raise ValueError(f"Unsupported plugin format '{suffix}'. Only ZIP format (.zip) is supported.")
    return suffix


class _Repository:
    """The context the extensions live in: the name given (made when missing), else one made for them."""

    def __init__(self, agent_bay: Any, context_id: str = ""):
        self.agent_bay, self._given = agent_bay, context_id
        self.context_id: str | None = None
        self.context_name: str | None = None
        self.extension_context: Any = None
        self.auto_created = False

    def _named(self) -> str:
        if self._given and self._given.strip():
            return self._given
        self.auto_created = True
        return f"extensions-{int(time.time())}"

    def _took(self, result: Any, name: str) -> None:
        if not result.success or not result.context:
            raise AgentBayError(f"Failed to create extension repository context: {name}")
        self.extension_context, self.context_id, self.context_name = result.context, result.context.id, name


class ExtensionsService(_Repository):
    """Upload, list, update and delete extension ZIPs of one context; cleanup deletes a context it made."""

    def _ensure_context(self) -> None:
        if self.context_id is None:
            name = self._named()
            self._took(self.agent_bay.context.get(name, create=True), name)

    def _upload(self, local_path: str, extension_id: str) -> None:
        self._ensure_context()
        url = self.agent_bay.context.get_file_upload_url(self.context_id, f"/{extension_id}")
        if not url.success or not url.url:
            raise AgentBayError(f"Failed to get upload URL: {url.error_message}")
        try:
            with open(local_path, "rb") as f:
                httpx.put(url.url, content=f.read(), timeout=300).raise_for_status()
        except httpx.HTTPError as e:
            raise AgentBayError(f"An error occurred while uploading the file: {e}") from e

    def list(self) -> list[Extension]:
        self._ensure_context()
        files = self.agent_bay.context.list_files(self.context_id, "/", page_number=1, page_size=LIST_PAGE)
        if not files.success:
            raise AgentBayError(f"Failed to list extensions: {files.error_message}")
        return [Extension(e.file_name, e.file_name, e.gmt_create) for e in files.entries if e.file_type == "file"]

    def create(self, local_path: str) -> Extension:
        extension_id = f"ext_{uuid.uuid4().hex}{_checked_zip(local_path)}"
        self._upload(local_path, extension_id)
        return Extension(extension_id, os.path.basename(local_path))

    def update(self, extension_id: str, new_local_path: str) -> Extension:
        if not os.path.exists(new_local_path):
            raise FileNotFoundError(f"The specified new local file was not found: {new_local_path}")
        if extension_id not in {e.id for e in self.list()}:
            raise ValueError(f"Browser extension with ID '{extension_id}' not found in the context. Cannot update.")
        self._upload(new_local_path, extension_id)
        return Extension(extension_id, os.path.basename(new_local_path))

    def delete(self, extension_id: str) -> bool:
        self._ensure_context()
        return self.agent_bay.context.delete_file(self.context_id, f"/{extension_id}").success

    def cleanup(self) -> bool:
        self._ensure_context()
        return True if not self.auto_created else bool(self.agent_bay.context.delete(self.extension_context).success)

    def create_extension_option(self, extension_ids: list[str]) -> ExtensionOption:
        self._ensure_context()
        return ExtensionOption(self.context_id, extension_ids)


class AsyncExtensionsService(_Repository):
    """ExtensionsService for AsyncAgentBay, awaited."""

    async def _ensure_context(self) -> None:
        if self.context_id is None:
            name = self._named()
            self._took(await self.agent_bay.context.get(name, create=True), name)

    async def _upload(self, local_path: str, extension_id: str) -> None:
        await self._ensure_context()
        url = await self.agent_bay.context.get_file_upload_url(self.context_id, f"/{extension_id}")
        if not url.success or not url.url:
            raise AgentBayError(f"Failed to get upload URL: {url.error_message}")
        try:
            with open(local_path, "rb") as f:
                content = f.read()
            async with httpx.AsyncClient(timeout=300) as client:
                (await client.put(url.url, content=content)).raise_for_status()
        except httpx.HTTPError as e:
            raise AgentBayError(f"An error occurred while uploading the file: {e}") from e

    async def list(self) -> list[Extension]:
        await self._ensure_context()
        files = await self.agent_bay.context.list_files(self.context_id, "/", page_number=1, page_size=LIST_PAGE)
        if not files.success:
            raise AgentBayError(f"Failed to list extensions: {files.error_message}")
        return [Extension(e.file_name, e.file_name, e.gmt_create) for e in files.entries if e.file_type == "file"]

    async def create(self, local_path: str) -> Extension:
        extension_id = f"ext_{uuid.uuid4().hex}{_checked_zip(local_path)}"
        await self._upload(local_path, extension_id)
        return Extension(extension_id, os.path.basename(local_path))

    async def update(self, extension_id: str, new_local_path: str) -> Extension:
        if not os.path.exists(new_local_path):
            raise FileNotFoundError(f"The specified new local file was not found: {new_local_path}")
        if extension_id not in {e.id for e in await self.list()}:
            raise ValueError(f"Browser extension with ID '{extension_id}' not found in the context. Cannot update.")
        await self._upload(new_local_path, extension_id)
        return Extension(extension_id, os.path.basename(new_local_path))

    async def delete(self, extension_id: str) -> bool:
        await self._ensure_context()
        return (await self.agent_bay.context.delete_file(self.context_id, f"/{extension_id}")).success

    async def cleanup(self) -> bool:
        await self._ensure_context()
        if not self.auto_created:
            return True
        return bool((await self.agent_bay.context.delete(self.extension_context)).success)

    async def create_extension_option(self, extension_ids: list[str]) -> ExtensionOption:
        await self._ensure_context()
        return ExtensionOption(self.context_id, extension_ids)
