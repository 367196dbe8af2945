"""A WebSocket echo server in the standard library only, run inside a session by the link
tests (the session's python has no third-party packages). `python3 ws_echo_app.py PORT`:
GET / answers an HTML page; GET /headers the request line and headers it got, as JSON; a
WebSocket on /echo sends each text or binary message back, text prefixed with "echo:".
Messages up to 16 MiB; fragmented messages are joined."""
import asyncio
import base64
import hashlib
import json
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PAGE = b"<!doctype html><title>ws app</title><p>ws app</p>"


async def read_frame(reader):
    b1, b2 = await reader.readexactly(2)
    size = b2 & 0x7F
    if size == 126:
        size = struct.unpack(">H", await reader.readexactly(2))[0]
    elif size == 127:
        size = struct.unpack(">Q", await reader.readexactly(8))[0]
    mask = await reader.readexactly(4) if b2 & 0x80 else b"\0\0\0\0"
    data = bytearray(await reader.readexactly(size))
    for i in range(len(data)):
        data[i] ^= mask[i % 4]
    return b1 & 0x80, b1 & 0x0F, bytes(data)


def frame(opcode, data):
    size = len(data)
    if size < 126:
        head = struct.pack(">BB", 0x80 | opcode, size)
    elif size < 65536:
        head = struct.pack(">BBH", 0x80 | opcode, 126, size)
    else:
        head = struct.pack(">BBQ", 0x80 | opcode, 127, size)
    return head + data


async def serve(reader, writer):
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
    if headers.get("upgrade", "").lower() != "websocket":
        page = PAGE
        if lines[0].split(" ")[1].startswith("/headers"):
            page = json.dumps({"request": lines[0], "headers": headers}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: %d\r\n"
                     b"connection: close\r\n\r\n%b" % (len(page), page))
        await writer.drain()
        writer.close()
        return
    accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest())
    writer.write(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                 b"sec-websocket-accept: " + accept + b"\r\n\r\n")
    parts, kind = [], 1
    try:
        while True:
            fin, opcode, data = await read_frame(reader)
            if opcode == 8:
                writer.write(frame(8, data[:2]))
                break
            if opcode == 9:
                writer.write(frame(10, data))
                continue
            if opcode in (1, 2):
                kind, parts = opcode, [data]
            elif opcode == 0:
                parts.append(data)
            if fin:
                message = b"".join(parts)
                writer.write(frame(kind, b"echo:" + message if kind == 1 else message))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def main(port):
    server = await asyncio.start_server(serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
