"""Uploads through the real server (uvicorn on a loopback port): nothing is read before it is
allowed, and an upload over CALLQA_MAX_UPLOAD_MB is cut off at the limit."""

from __future__ import annotations

import socket
from pathlib import Path

from fastapi.testclient import TestClient

from api.http.app import create_app
from runtime.settings import Settings
from tests.support.api import token


def _send_until_refused(port: int, head: bytes, total: int, chunk: bytes = b"\0" * 65536) -> tuple[str, int]:
    """Send `head`, then `chunk`s until the server answers or `total` bytes went; returns the
    whole answer and how many body bytes the server took before it."""
    sent = 0
    answer = b""
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(0.05)
        connection.sendall(head)
        while sent < total and not answer:
            try:
                sent += connection.send(chunk)
            except OSError:
                break
            try:
                answer = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
        connection.settimeout(2)
        while b"}" not in answer:
            try:
                more = connection.recv(65536)
            except OSError:
                break
            if not more:
                break
            answer += more
    return answer.decode(errors="replace"), sent


def _files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_unauthenticated_50_mb_upload_is_refused_before_its_body(live_server: tuple[int, Settings]) -> None:
    port, settings = live_server
    size = 50_000_000
    head = (
        f"POST /calls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n\r\n"
    ).encode()
    answer, sent = _send_until_refused(port, head, size)
    assert answer.startswith("HTTP/1.1 401"), answer[:200]
    assert sent < 5_000_000, f"{sent} bytes were taken before the refusal"
    assert _files_under(settings.resolved_audio_dir) == []


def _admin_upload_head(settings: Settings, framing: str) -> bytes:
    """The request line and headers of an admin's upload, with `framing` (the body's length)."""
    with TestClient(create_app(settings)) as local:
        secret = token(local, "admin")["Authorization"]
    return (
        f"POST /calls HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {secret}\r\n{framing}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n\r\n"
    ).encode()


def test_chunked_upload_is_cut_off_at_the_limit(live_server: tuple[int, Settings]) -> None:
    port, settings = live_server
    head = _admin_upload_head(settings, "Transfer-Encoding: chunked")
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n\r\n'
    first = f"{len(part):x}\r\n".encode() + part + b"\r\n"
    chunk = b"10000\r\n" + b"\0" * 65536 + b"\r\n"
    answer, sent = _send_until_refused(port, head + first, 50_000_000, chunk)
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "CALLQA_MAX_UPLOAD_MB" in answer
    assert sent < 12_000_000
    assert _files_under(settings.resolved_audio_dir) == []


def test_declared_oversize_is_413_before_the_body(live_server: tuple[int, Settings]) -> None:
    port, settings = live_server
    head = _admin_upload_head(settings, "Content-Length: 50000000")
    answer, sent = _send_until_refused(port, head, 50_000_000)
    assert answer.startswith("HTTP/1.1 413") and sent < 5_000_000
