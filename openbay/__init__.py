"""OpenBay: self-hosted sandboxes and agents. `from openbay import OpenBay, CreateSessionParams`."""
from openbay.protocol import CreateSessionParams, SessionInfo, SessionLifecycle, SessionMetrics
from openbay.protocol.browser import BrowserOption, BrowserStatus, ProxyOption, Viewport
from openbay.protocol.code import CodeError, CodeOutput
from openbay.protocol.contexts import ContextInfo, ContextSync, DownloadPolicy, SyncPolicy, UploadPolicy
from openbay.protocol.files import FileEntry
from openbay.protocol.operator import ActResult, CacheEntry, ObservedAction, PageInfo
from openbay.sdk import *  # noqa: F401,F403
from openbay.sdk import __all__ as _sdk_all

__all__ = ["CreateSessionParams", "SessionInfo", "SessionLifecycle", "SessionMetrics",
           "BrowserOption", "BrowserStatus", "ProxyOption", "Viewport",
           "ContextSync", "DownloadPolicy", "SyncPolicy",
           "UploadPolicy", "ContextInfo", "CodeError", "CodeOutput", "FileEntry",
           "ActResult", "CacheEntry", "ObservedAction", "PageInfo", *_sdk_all]
