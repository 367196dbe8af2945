"""The call layer on httpx.MockTransport (no server, runs in well under a second):
retries, error mapping, pagination, streaming, and the async twins of every path."""
import asyncio
import json

import httpx
import pytest

from openbay import (
    AsyncOpenBay,
    BadRequestError,
    ConflictError,
    GoneError,
    NotFoundError,
    OpenBay,
    OpenBayConnectionError,
    OpenBayTimeoutError,
    PayloadTooLargeError,
    RateLimitError,
    ServerError,
)
from openbay.sdk import transport

SESSION = {"session_id": "s-1", "image_id": "linux", "status": "running", "labels": {},
           "created_at": "2026-01-01T00:00:00Z", "last_active_at": "2026-01-01T00:00:00Z",
           "expires_at": "2026-01-01T01:00:00Z", "timeout_s": 3600}


def error(status: int, code: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": message, "request_id": "req-e"}})


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(transport, "BACKOFF_S", 0.0)


def client(handler) -> OpenBay:
    return OpenBay(api_key="ob_test", base_url="http://openbay.test", transport=httpx.MockTransport(handler))


def aclient(handler) -> AsyncOpenBay:
    return AsyncOpenBay(api_key="ob_test", base_url="http://openbay.test", transport=httpx.MockTransport(handler))


def test_results_carry_the_request_id_and_the_key_is_sent():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SESSION, headers={"x-request-id": "req-1"})

    r = client(handler).create()
    assert r.request_id == "req-1" and r.session.session_id == "s-1"
    assert seen[0].headers["authorization"] == "Bearer ob_test"
    assert json.loads(seen[0].content)["image_id"] == "linux"


@pytest.mark.parametrize("status,code,cls", [
    (400, "bad_request", BadRequestError), (422, "validation_error", BadRequestError),
    (404, "not_found", NotFoundError), (409, "conflict", ConflictError), (410, "gone", GoneError),
    (413, "payload_too_large", PayloadTooLargeError), (429, "rate_limited", RateLimitError),
    (500, "internal", ServerError),
])
def test_error_answers_raise_their_class(status, code, cls):
    bay = client(lambda request: error(status, code, f"it is {code}"))
    with pytest.raises(cls) as e:
        bay.get("s-1")
    assert (e.value.status, e.value.code, e.value.message, e.value.request_id) == (status, code, f"it is {code}",
                                                                                   "req-e")
    assert issubclass(GoneError, NotFoundError)  # an ended session is also "not there"


def test_a_non_json_error_still_raises_with_the_status():
    bay = client(lambda request: httpx.Response(502, text="bad gateway"))
    with pytest.raises(ServerError, match="HTTP 502: bad gateway"):
        bay.list()


def test_idempotent_calls_are_retried_on_connection_errors_others_are_not():
    attempts = {"GET": 0, "POST": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        attempts[request.method] += 1
        if attempts[request.method] < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json=SESSION)

    bay = client(handler)
    assert bay.get("s-1").session.session_id == "s-1" and attempts["GET"] == 3
    with pytest.raises(OpenBayConnectionError, match="cannot reach the server"):
        bay.create()
    assert attempts["POST"] == 1  # a create is never sent twice


def test_retries_give_up_and_timeouts_raise_their_own_class():
    calls = []

    def down(request):
        calls.append(1)
        raise httpx.ConnectError("refused")

    with pytest.raises(OpenBayConnectionError):
        client(down).get("s-1")
    assert len(calls) == transport.RETRIES

    def slow(request):
        raise httpx.ReadTimeout("slow")

    with pytest.raises(OpenBayTimeoutError, match="no answer in time"):
        client(slow).list()


def test_pagination_follows_next_token():
    pages = {None: (["s-3", "s-2"], "t1"), "t1": (["s-1"], None)}

    def handler(request: httpx.Request) -> httpx.Response:
        ids, token = pages[request.url.params.get("next_token")]
        assert request.url.params.get_list("label") == ["team=a"]
        return httpx.Response(200, json={"sessions": [{**SESSION, "session_id": i} for i in ids],
                                         "next_token": token, "total_count": 3, "max_results": 2})

    bay = client(handler)
    seen, token = [], None
    while True:
        page = bay.list(labels={"team": "a"}, limit=2, next_token=token)
        seen += page.session_ids
        token = page.next_token
        if not token:
            break
    assert seen == ["s-3", "s-2", "s-1"] and page.total_count == 3


def _command_stream(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/v1/sessions/s-1":
        return httpx.Response(200, json=SESSION)
    assert request.url.path == "/v1/sessions/s-1/commands/stream"
    lines = [{"type": "stdout", "data": "a\n"}, {"type": "stderr", "data": "oops\n"}, {"type": "stdout", "data": "b\n"},
             {"type": "exit", "result": {"exit_code": 3, "duration_ms": 1.5}}]
    return httpx.Response(200, content="".join(json.dumps(x) + "\n" for x in lines).encode())


def test_streamed_output_reaches_the_callbacks_in_order():
    s = client(_command_stream).get("s-1").session
    out, err = [], []
    r = s.command.execute_command("x", on_stdout=out.append, on_stderr=err.append)
    assert out == ["a\n", "b\n"] and err == ["oops\n"]
    assert (r.output, r.stderr, r.exit_code, r.stdout) == ("a\nb\n", "oops\n", 3, "a\nb\n")


def test_async_client_runs_the_same_calls_with_async_callbacks():
    async def main():
        bay = aclient(_command_stream)
        s = (await bay.get("s-1")).session
        out = []

        async def on_stdout(text):
            await asyncio.sleep(0)
            out.append(text)

        r = await s.command.execute_command("x", on_stdout=on_stdout)
        assert out == ["a\n", "b\n"] and r.exit_code == 3
        with pytest.raises(GoneError):
            await aclient(lambda request: error(410, "gone", "ended")).get("s-1")
        await bay.close()

    asyncio.run(main())


def test_a_download_is_written_whole_or_not_at_all(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/files/info"):
            return httpx.Response(200, json={"size": 6})
        if request.url.path.endswith("/files/content"):
            return httpx.Response(200, stream=httpx.ByteStream(b"abcdef"))
        return httpx.Response(200, json=SESSION)

    s = client(handler).get("s-1").session
    progress = []
    r = s.file_system.download_file("/home/user/f", tmp_path / "f", progress=lambda done, total: progress.append(total))
    assert (tmp_path / "f").read_bytes() == b"abcdef" and r.bytes_received == 6 and set(progress) == {6}

    def missing(request):
        if request.url.path.endswith("/files/info"):
            return httpx.Response(200, json={"size": 6})
        if request.url.path.endswith("/files/content"):
            return error(404, "not_found", "no such file")
        return httpx.Response(200, json=SESSION)

    s = client(missing).get("s-1").session
    with pytest.raises(NotFoundError):
        s.file_system.download_file("/home/user/g", tmp_path / "g")
    assert not (tmp_path / "g").exists() and not (tmp_path / "g.part").exists()


def test_async_classes_are_coroutine_functions_and_sync_ones_are_not():
    import inspect

    from openbay.sdk import AsyncCommandApi, AsyncFileSystemApi, AsyncSession, CommandApi, FileSystemApi, Session
    assert inspect.iscoroutinefunction(AsyncCommandApi.execute_command)
    assert inspect.iscoroutinefunction(AsyncFileSystemApi.read_file)
    assert inspect.iscoroutinefunction(AsyncSession.info) and inspect.iscoroutinefunction(AsyncOpenBay.create)
    assert not inspect.iscoroutinefunction(CommandApi.execute_command)
    assert not inspect.iscoroutinefunction(FileSystemApi.read_file) and not inspect.iscoroutinefunction(Session.info)
    assert "timeout_ms" in inspect.signature(AsyncCommandApi.execute_command).parameters
