"""AgentBay's parameter classes: CreateSessionParams, BrowserContext, ListSessionParams,
ContextSync with its policies, and the mapping of AgentBay's image names onto OpenBay's."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from openbay.protocol.contexts import ContextSync as WireContextSync
from openbay.protocol.contexts import DownloadPolicy as WireDownloadPolicy
from openbay.protocol.contexts import SyncPolicy as WireSyncPolicy
from openbay.protocol.contexts import UploadPolicy as WireUploadPolicy

# AgentBay's system images and the OpenBay image that does the same
IMAGES = {
    "linux_latest": "linux", "code_latest": "code", "browser_latest": "browser",
    "computer_latest": "computer", "linux_computer_latest": "computer", "ubuntu_latest": "computer",
    "mobile_latest": "mobile", "android_latest": "mobile", "imgc-07eksy57nw6r759fb": "linux",
}
WINDOWS_IMAGES = ("windows_latest", "windows_computer_latest")
EXTENSIONS_PATH = "/tmp/extensions/"
FINGERPRINT_PATH = "/tmp/browser_fingerprint"
MANUAL_RELEASE_S = 7 * 86400  # OpenBay's longest idle lifetime


def openbay_image(image_id: str | None) -> str:
    return IMAGES.get(image_id or "linux_latest", image_id or "linux")


def _no_wildcard(path: str, where: str) -> None:
    if path and re.search(r"[*?\[\]]", path):
        raise ValueError(f"Wildcard patterns are not supported in {where}. Got: {path}. "
                         "Please use exact directory paths instead.")


class UploadStrategy(Enum):
    UPLOAD_BEFORE_RESOURCE_RELEASE = "UploadBeforeResourceRelease"


class DownloadStrategy(Enum):
    DOWNLOAD_ASYNC = "DownloadAsync"


class UploadMode(Enum):
    FILE = "File"
    ARCHIVE = "Archive"


class Lifecycle(Enum):
    LIFECYCLE_1DAY = "Lifecycle_1Day"
    LIFECYCLE_3DAYS = "Lifecycle_3Days"
    LIFECYCLE_5DAYS = "Lifecycle_5Days"
    LIFECYCLE_10DAYS = "Lifecycle_10Days"
    LIFECYCLE_15DAYS = "Lifecycle_15Days"
    LIFECYCLE_30DAYS = "Lifecycle_30Days"
    LIFECYCLE_90DAYS = "Lifecycle_90Days"
    LIFECYCLE_180DAYS = "Lifecycle_180Days"
    LIFECYCLE_360DAYS = "Lifecycle_360Days"
    LIFECYCLE_FOREVER = "Lifecycle_Forever"


@dataclass
class UploadPolicy:
    auto_upload: bool = True
    upload_strategy: UploadStrategy = UploadStrategy.UPLOAD_BEFORE_RESOURCE_RELEASE
    upload_mode: UploadMode = UploadMode.FILE
    archive_exclude_paths: list[str] = field(default_factory=list)

    @classmethod
    def default(cls) -> UploadPolicy:
        return cls()


@dataclass
class DownloadPolicy:
    auto_download: bool = True
    download_strategy: DownloadStrategy = DownloadStrategy.DOWNLOAD_ASYNC

    @classmethod
    def default(cls) -> DownloadPolicy:
        return cls()


@dataclass
class DeletePolicy:
    sync_local_file: bool = True

    @classmethod
    def default(cls) -> DeletePolicy:
        return cls()


@dataclass
class ExtractPolicy:
    extract: bool = True
    delete_src_file: bool = True
    extract_current_folder: bool = False

    @classmethod
    def default(cls) -> ExtractPolicy:
        return cls()


@dataclass
class RecyclePolicy:
    lifecycle: Lifecycle = Lifecycle.LIFECYCLE_FOREVER
    paths: list[str] = field(default_factory=lambda: [""])

    def __post_init__(self) -> None:
        """AgentBay's checks: a Lifecycle value, exact paths (no wildcards)."""
        if not isinstance(self.lifecycle, Lifecycle):
            raise ValueError(f"Invalid lifecycle value: {self.lifecycle}. Valid values are: "
                             + ", ".join(e.value for e in Lifecycle))
        for path in self.paths:
            _no_wildcard(path, "recycle policy paths")

    @classmethod
    def default(cls) -> RecyclePolicy:
        return cls()


@dataclass
class WhiteList:
    path: str = ""
    exclude_paths: list[str] = field(default_factory=list)
    is_path_regex: bool = False
    is_exclude_regex: bool = False

    def __post_init__(self) -> None:
        if not self.is_path_regex:
            _no_wildcard(self.path, "path when is_path_regex=False")
        if not self.is_exclude_regex:
            for path in self.exclude_paths:
                _no_wildcard(path, "exclude_paths when is_exclude_regex=False")


@dataclass
class BWList:
    white_lists: list[WhiteList] = field(default_factory=list)


@dataclass
class MappingPolicy:
    path: str = ""

    @classmethod
    def default(cls) -> MappingPolicy:
        return cls()


@dataclass
class SyncPolicy:
    """OpenBay honours upload_policy.auto_upload and download_policy.auto_download; a context
    is one archive of the whole directory, so the other policies are accepted and kept as given."""
    upload_policy: UploadPolicy | None = None
    download_policy: DownloadPolicy | None = None
    delete_policy: DeletePolicy | None = None
    extract_policy: ExtractPolicy | None = None
    recycle_policy: RecyclePolicy | None = None
    bw_list: BWList | None = None
    mapping_policy: MappingPolicy | None = None

    def __post_init__(self) -> None:
        self.upload_policy = self.upload_policy or UploadPolicy()
        self.download_policy = self.download_policy or DownloadPolicy()
        self.delete_policy = self.delete_policy or DeletePolicy()
        self.extract_policy = self.extract_policy or ExtractPolicy()
        self.recycle_policy = self.recycle_policy or RecyclePolicy()
        self.bw_list = self.bw_list or BWList(white_lists=[WhiteList()])

    @classmethod
    def default(cls) -> SyncPolicy:
        return cls()


@dataclass
class ContextSync:
    context_id: str
    path: str
    policy: SyncPolicy | None = None
    beta_wait_for_completion: bool | None = None

    @classmethod
    def new(cls, context_id: str, path: str, policy: SyncPolicy | None = None,
            beta_wait_for_completion: bool | None = None) -> ContextSync:
        return cls(context_id, path, policy, beta_wait_for_completion)

    def with_policy(self, policy: SyncPolicy) -> ContextSync:
        self.policy = policy
        return self

    def to_wire(self) -> WireContextSync:
        policy = self.policy or SyncPolicy()
        upload = policy.upload_policy.auto_upload if policy.upload_policy else True
        download = policy.download_policy.auto_download if policy.download_policy else True
        return WireContextSync(context_id=self.context_id, path=self.path, policy=WireSyncPolicy(
            upload_policy=WireUploadPolicy(auto_upload=upload),
            download_policy=WireDownloadPolicy(auto_download=download)))


class BrowserSyncMode(Enum):
    MINIMAL = "minimal"
    STANDARD = "standard"


class BrowserContext:
    """A context that keeps the browser's profile (cookies, storage) between sessions; with
    extension_option its extensions are downloaded to /tmp/extensions/, with fingerprint_context
    the persisted fingerprint to /tmp/browser_fingerprint (AgentBay's paths)."""

    def __init__(self, context_id: str, auto_upload: bool = True, sync_mode: BrowserSyncMode | None = None,
                 extension_option: Any = None, fingerprint_context: Any = None):
        self.context_id, self.auto_upload = context_id, auto_upload
        self.sync_mode = sync_mode if sync_mode is not None else BrowserSyncMode.STANDARD
        self.extension_option, self.fingerprint_context = extension_option, fingerprint_context
        self.extension_context_id = extension_option.context_id if extension_option else None
        self.extension_ids = list(extension_option.extension_ids) if extension_option else []
        self.fingerprint_context_id = fingerprint_context.fingerprint_context_id if fingerprint_context else None

    def get_extension_context_syncs(self) -> list[ContextSync]:
        if not self.extension_ids or not self.extension_context_id:
            return []
        policy = SyncPolicy(upload_policy=UploadPolicy(auto_upload=False),
                            bw_list=BWList(white_lists=[WhiteList(path=i) for i in self.extension_ids]))
        return [ContextSync(self.extension_context_id, EXTENSIONS_PATH, policy)]

    def get_fingerprint_context_sync(self) -> ContextSync | None:
        if not self.fingerprint_context_id:
            return None
        return ContextSync(self.fingerprint_context_id, FINGERPRINT_PATH,
                           SyncPolicy(upload_policy=UploadPolicy(auto_upload=True)))


@dataclass
class ListSessionParams:
    max_results: int = 10
    next_token: str = ""
    labels: dict[str, str] = field(default_factory=dict)


class LifecyclePolicy:
    """Minutes: idle_release_timeout (the idle lifetime, default 5) and max_runtime (from
    creation, default 30; checked here, not enforced: an OpenBay session ends when idle or
    deleted); manual_release=True: the session lives until delete() (OpenBay's longest idle
    lifetime, 7 days)."""

    def __init__(self, idle_release_timeout: int | None = None, max_runtime: int | None = None,
                 manual_release: bool = False):
        if manual_release and (idle_release_timeout is not None or max_runtime is not None):
            raise ValueError("idle_release_timeout and max_runtime cannot be set when manual_release=True")
        for name, value in (("idle_release_timeout", idle_release_timeout), ("max_runtime", max_runtime)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be a positive number of minutes")
        self.manual_release = manual_release
        self.idle_release_timeout = 0 if manual_release else (idle_release_timeout or 5)
        self.max_runtime = 0 if manual_release else (max_runtime or 30)

    def timeout_s(self) -> int:
        return MANUAL_RELEASE_S if self.manual_release else self.idle_release_timeout * 60


class CreateSessionParams:
    """AgentBay's CreateSessionParams. OpenBay uses image_id (AgentBay's names map onto
    OpenBay's images), labels, context_syncs, browser_context and idle_release_timeout;
    the others are accepted. `extra_configs` with mobile settings needs AgentBay's cloud phones."""

    def __init__(self, labels: dict[str, str] | None = None, image_id: str | None = None,
                 idle_release_timeout: int | None = None, lifecycle_policy: LifecyclePolicy | None = None,
                 context_syncs: list[ContextSync] | None = None, beta_context_mounts: list | None = None,
                 browser_context: BrowserContext | None = None, policy_id: str | None = None,
                 beta_network_id: str | None = None, enable_browser_replay: bool | None = None,
                 extra_configs: Any = None, framework: str | None = None, load_skills: bool | None = None,
                 skill_names: list[str] | None = None, is_vpc: bool | None = None):
        self.labels = labels or {}
        self.image_id = image_id
        self.idle_release_timeout = idle_release_timeout
        self.lifecycle_policy = lifecycle_policy
        self.context_syncs = list(context_syncs or [])
        self.beta_context_mounts = beta_context_mounts or []
        self.browser_context = browser_context
        self.policy_id = policy_id
        self.beta_network_id = beta_network_id
        self.enable_browser_replay = enable_browser_replay
        self.extra_configs = extra_configs
        self.framework = framework
        self.load_skills = load_skills
        self.skill_names = skill_names
        self.is_vpc = is_vpc

    def all_context_syncs(self) -> list[ContextSync]:
        """The context syncs, with the browser context's extensions and fingerprint and the beta
        context mounts (synced like ContextSyncs; read-only mounts are not uploaded)."""
        syncs = list(self.context_syncs)
        if self.browser_context is not None:
            syncs += self.browser_context.get_extension_context_syncs()
            fingerprint = self.browser_context.get_fingerprint_context_sync()
            syncs += [fingerprint] if fingerprint else []
        for mount in self.beta_context_mounts:
            read_only = getattr(mount.access_mode, "value", "") == "readOnly"
            syncs.append(ContextSync(mount.context_id, mount.path,
                                     SyncPolicy(upload_policy=UploadPolicy(auto_upload=not read_only))))
        return syncs

    def timeout_s(self) -> int | None:
        """The idle lifetime in seconds: lifecycle_policy's, else idle_release_timeout (seconds)."""
        if self.lifecycle_policy is not None:
            return self.lifecycle_policy.timeout_s()
        return self.idle_release_timeout
