"""session.oss as AgentBay has it, on any S3-compatible object store (MinIO, Ceph, AWS S3,
Alibaba OSS's S3 API): env_init gives the credentials and the endpoint (or OPENBAY_OSS_ENDPOINT,
set by whoever runs OpenBay), upload/download move a file between the session and a bucket.
The bytes go through this client (AWS Signature V4, path-style URLs): the store's credentials
never enter the session, and the server never calls an address a tenant chose."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import os
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from .results import ApiResponse

ENDPOINT_ENV = "OPENBAY_OSS_ENDPOINT"
DEFAULT_REGION = "us-east-1"
TIMEOUT_S = 300
NOT_READY = "call env_init first: it gives the object store's credentials and endpoint"


class OSSClientResult(ApiResponse):
    def __init__(self, request_id: str = "", success: bool = False, client_config: dict[str, Any] | None = None,
                 error_message: str = ""):
        super().__init__(request_id)
        self.success, self.client_config, self.error_message = success, client_config or {}, error_message


class OSSUploadResult(ApiResponse):
    def __init__(self, request_id: str = "", success: bool = False, content: str = "", error_message: str = ""):
        super().__init__(request_id)
        self.success, self.content, self.error_message = success, content, error_message


class OSSDownloadResult(OSSUploadResult):
    pass


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sigv4_headers(method: str, url: str, body: bytes, key_id: str, secret: str, token: str, region: str,
                  now: datetime.datetime | None = None) -> dict[str, str]:
    """The headers that sign one S3 request (AWS Signature Version 4, unsigned query)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    parts = urlsplit(url)
    payload = hashlib.sha256(body).hexdigest()
    headers = {"host": parts.netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp}
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    canonical = "\n".join([method, quote(parts.path or "/", safe="/-_.~%"), parts.query,
                           "".join(f"{n}:{headers[n].strip()}\n" for n in names), ";".join(names), payload])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), "s3"), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(names)}, "
                                f"Signature={signature}")
    del headers["host"]  # httpx sets it from the URL
    return headers


def _answer(cls: Any, r: httpx.Response, done: str) -> Any:
    if r.status_code >= 300:
        return cls(error_message=f"the object store answered HTTP {r.status_code}: {r.text[:300]}")
    return cls(request_id=r.headers.get("x-amz-request-id", ""), success=True, content=done)


def _unreachable(cls: Any, e: Exception) -> Any:
    return cls(error_message=f"the object store could not be reached: {e}")


class _OssState:
    def _setup(self, session: Any) -> None:
        self._session = session
        self._config: dict[str, str] | None = None

    def _init(self, access_key_id: str, access_key_secret: str, security_token: str, endpoint: str | None,
              region: str | None) -> OSSClientResult:
        endpoint = endpoint or os.environ.get(ENDPOINT_ENV, "")
        if not endpoint:
            return OSSClientResult(error_message=f"no object store endpoint: give env_init(endpoint=...) or set "
                                   f"{ENDPOINT_ENV} to an S3-compatible endpoint")
        if "://" not in endpoint:
            endpoint = "https://" + endpoint
        if not access_key_id or not access_key_secret:
            return OSSClientResult(error_message="access_key_id and access_key_secret are required")
        self._config = {"endpoint": endpoint.rstrip("/"), "region": region or DEFAULT_REGION,
                        "key_id": access_key_id, "secret": access_key_secret, "token": security_token or ""}
        return OSSClientResult(success=True, client_config={"endpoint": self._config["endpoint"],
                                                            "region": self._config["region"],
                                                            "access_key_id": access_key_id})

    def _signed(self, method: str, bucket: str, obj: str, body: bytes = b"") -> tuple[str, dict[str, str]] | str:
        """(url, headers) of a signed request, or why there is none."""
        if self._config is None:
            return NOT_READY
        if not bucket or not obj:
            return "bucket and object are required"
        c = self._config
        url = f"{c['endpoint']}/{quote(bucket, safe='')}/{quote(obj.lstrip('/'), safe='/-_.~')}"
        return url, sigv4_headers(method, url, body, c["key_id"], c["secret"], c["token"], c["region"])


def _content(read: Any) -> bytes | str:
    """The bytes of a session file read with format="bytes", or the reason it failed."""
    return bytes(read.content) if read.success else (read.error_message or "the file could not be read")


class Oss(_OssState):
    def __init__(self, session: Any):
        self._setup(session)

    def env_init(self, access_key_id: str, access_key_secret: str, security_token: str,
                 endpoint: str | None = None, region: str | None = None) -> OSSClientResult:
        return self._init(access_key_id, access_key_secret, security_token, endpoint, region)

    def upload(self, bucket: str, object: str, path: str) -> OSSUploadResult:
        """Put the session's file `path` at bucket/object."""
        if self._config is None:
            return OSSUploadResult(error_message=NOT_READY)
        body = _content(self._session.file_system.read_file(path, format="bytes"))
        if isinstance(body, str):
            return OSSUploadResult(error_message=body)
        return self._put(self._signed("PUT", bucket, object, body), body)

    def upload_anonymous(self, url: str, path: str) -> OSSUploadResult:
        """PUT the session's file to a URL that needs no credentials (e.g. a presigned one)."""
        body = _content(self._session.file_system.read_file(path, format="bytes"))
        if isinstance(body, str):
            return OSSUploadResult(error_message=body)
        return self._put((url, {}), body)

    def download(self, bucket: str, object: str, path: str) -> OSSDownloadResult:
        """Save bucket/object as the session's file `path`."""
        return self._get(self._signed("GET", bucket, object), path)

    def download_anonymous(self, url: str, path: str) -> OSSDownloadResult:
        return self._get((url, {}), path)

    def _put(self, signed: tuple[str, dict[str, str]] | str, body: bytes) -> OSSUploadResult:
        if isinstance(signed, str):
            return OSSUploadResult(error_message=signed)
        try:
            r = httpx.put(signed[0], content=body, headers=signed[1], timeout=TIMEOUT_S)
        except httpx.HTTPError as e:
            return _unreachable(OSSUploadResult, e)
        return _answer(OSSUploadResult, r, "Upload success")

    def _get(self, signed: tuple[str, dict[str, str]] | str, path: str) -> OSSDownloadResult:
        if isinstance(signed, str):
            return OSSDownloadResult(error_message=signed)
        try:
            r = httpx.get(signed[0], headers=signed[1], timeout=TIMEOUT_S)
        except httpx.HTTPError as e:
            return _unreachable(OSSDownloadResult, e)
        if r.status_code >= 300:
            return _answer(OSSDownloadResult, r, "")
        written = self._session.file_system.write_file(path, r.content)
        if not written.success:
            return OSSDownloadResult(error_message=written.error_message)
        return _answer(OSSDownloadResult, r, "Download success")


class AsyncOss(_OssState):
    def __init__(self, session: Any):
        self._setup(session)

    async def env_init(self, access_key_id: str, access_key_secret: str, security_token: str,
                       endpoint: str | None = None, region: str | None = None) -> OSSClientResult:
        return self._init(access_key_id, access_key_secret, security_token, endpoint, region)

    async def upload(self, bucket: str, object: str, path: str) -> OSSUploadResult:
        if self._config is None:
            return OSSUploadResult(error_message=NOT_READY)
        body = _content(await self._session.file_system.read_file(path, format="bytes"))
        if isinstance(body, str):
            return OSSUploadResult(error_message=body)
        return await self._put(self._signed("PUT", bucket, object, body), body)

    async def upload_anonymous(self, url: str, path: str) -> OSSUploadResult:
        body = _content(await self._session.file_system.read_file(path, format="bytes"))
        if isinstance(body, str):
            return OSSUploadResult(error_message=body)
        return await self._put((url, {}), body)

    async def download(self, bucket: str, object: str, path: str) -> OSSDownloadResult:
        return await self._get(self._signed("GET", bucket, object), path)

    async def download_anonymous(self, url: str, path: str) -> OSSDownloadResult:
        return await self._get((url, {}), path)

    async def _put(self, signed: tuple[str, dict[str, str]] | str, body: bytes) -> OSSUploadResult:
        if isinstance(signed, str):
            return OSSUploadResult(error_message=signed)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                r = await client.put(signed[0], content=body, headers=signed[1])
        except httpx.HTTPError as e:
            return _unreachable(OSSUploadResult, e)
        return _answer(OSSUploadResult, r, "Upload success")

    async def _get(self, signed: tuple[str, dict[str, str]] | str, path: str) -> OSSDownloadResult:
        if isinstance(signed, str):
            return OSSDownloadResult(error_message=signed)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
                r = await client.get(signed[0], headers=signed[1])
        except httpx.HTTPError as e:
            return _unreachable(OSSDownloadResult, e)
        if r.status_code >= 300:
            return _answer(OSSDownloadResult, r, "")
        written = await self._session.file_system.write_file(path, r.content)
        if not written.success:
            return OSSDownloadResult(error_message=written.error_message)
        return _answer(OSSDownloadResult, r, "Download success")
