"""A fault-injecting HTTP proxy between an AwsSession and the moto server (stdlib only).

The session's endpoint_url points at the proxy, which forwards to moto. `tag_operations(aws)`
makes every request carry its operation and wire protocol in headers, so the proxy knows what it
is answering without parsing bodies. Faults, settable while running: deny operations (an
AccessDenied error in the operation's protocol), throttle a fraction of calls (seeded), add
latency, and go down (close connections without answering).
"""

from __future__ import annotations

import fnmatch
import http.client
import json
import random
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from botocore.config import Config

OP_HEADER, PROTOCOL_HEADER = "x-wk-op", "x-wk-protocol"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


# -- tagging the requests ---------------------------------------------------------------------
def tag_operations(aws: Any, *, max_attempts: int | None = None) -> Any:
    """Make `aws` (an AwsSession) send x-wk-op and x-wk-protocol; call it before its first client
    is made (a client copies the session's event handlers when it is created). `max_attempts`
    replaces the session's retry budget (adaptive mode kept)."""
    assert not aws._clients, "tag the session before it makes clients"

    def tag(model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model
        params["headers"][OP_HEADER] = f"{service.service_name}:{model.name}"
        params["headers"][PROTOCOL_HEADER] = service.resolved_protocol

    aws._boto.events.register("before-call.*.*", tag)
    if max_attempts is not None:
        aws._config = aws._config.merge(Config(retries={"mode": "adaptive", "max_attempts": max_attempts}))
    return aws


# -- error bodies in each protocol --------------------------------------------------------------
def cbor_text(text: str) -> bytes:
    data = text.encode()
    return cbor_head(3, len(data)) + data


def cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    if length < 0x100:
        return bytes([major << 5 | 24, length])
    if length < 0x10000:
        return bytes([major << 5 | 25]) + struct.pack(">H", length)
    return bytes([major << 5 | 26]) + struct.pack(">I", length)


def cbor_map(items: dict[str, str]) -> bytes:
    """A CBOR map of text strings (major type 5 of major type 3 pairs): all an error body needs."""
    return cbor_head(5, len(items)) + b"".join(cbor_text(k) + cbor_text(v) for k, v in items.items())


def error_response(protocol: str, code: str, message: str, status: int) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of an AWS error `code` as a service speaking `protocol` sends it."""
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        kind = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        return status, {"x-amzn-ErrorType": code, "Content-Type": kind}, body
    if protocol == "smithy-rpc-v2-cbor":
        return status, {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}, cbor_map(
            {"__type": code, "message": message})
    if protocol == "ec2":
        body = (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>x</RequestID></Response>")
        return status, {"Content-Type": "text/xml"}, body.encode()
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>x</RequestId></ErrorResponse>")  # query (and rest-xml reads it too)
    return status, {"Content-Type": "text/xml"}, body.encode()


def denied(protocol: str, operation: str) -> tuple[int, dict[str, str], bytes]:
    message = f"User: arn:aws:iam::123456789012:user/test is not authorized to perform: {operation}"
    if protocol == "json" or protocol == "smithy-rpc-v2-cbor":
        return error_response(protocol, "AccessDeniedException", message, 400)
    if protocol == "rest-json":
        return error_response(protocol, "AccessDeniedException", message, 403)
    if protocol == "ec2":
        return error_response(protocol, "UnauthorizedOperation", message, 403)
    return error_response(protocol, "AccessDenied", message, 403)


def throttled(protocol: str) -> tuple[int, dict[str, str], bytes]:
    if protocol == "ec2":
        return error_response(protocol, "RequestLimitExceeded", "Request limit exceeded.", 503)
    if protocol == "query":
        return error_response(protocol, "Throttling", "Rate exceeded", 400)
    return error_response(protocol, "ThrottlingException", "Rate exceeded", 429 if protocol == "rest-json" else 400)


# -- the proxy ----------------------------------------------------------------------------------
class FaultProxy:
    """Forwards to `upstream`; faults are attributes, changed at any time from the test."""

    def __init__(self, upstream: str, *, seed: int = 7) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.reset()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def handle_any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fault-proxy", daemon=True)
        self.thread.start()

    def reset(self) -> None:
        """No faults, counters cleared."""
        with self.lock:
            self.deny: set[str] = set()  # "service:Operation" patterns (fnmatch: "ecs:*")
            self.throttle = 0.0  # fraction of calls answered with a throttling error
            self.latency = 0.0  # seconds slept before forwarding...
            self.latency_ops: set[str] = {"*"}  # ...for operations matching these
            self.down = False  # close every connection without answering
            self.counts: Counter[str] = Counter()  # requests that reached the proxy, by operation
            self.in_flight: Counter[str] = Counter()
            self.max_in_flight: Counter[str] = Counter()
            self.denials: Counter[str] = Counter()
            self.throttles = 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @staticmethod
    def matches(op: str, patterns: Iterable[str]) -> bool:
        return any(fnmatch.fnmatchcase(op, p) for p in patterns)

    @contextmanager
    def counting(self, op: str) -> Iterator[None]:
        with self.lock:
            self.counts[op] += 1
            self.in_flight[op] += 1
            self.max_in_flight[op] = max(self.max_in_flight[op], self.in_flight[op])
        try:
            yield
        finally:
            with self.lock:
                self.in_flight[op] -= 1

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        op = request.headers.get(OP_HEADER, "?:?")
        protocol = request.headers.get(PROTOCOL_HEADER, "json")
        if self.down:
            request.close_connection = True  # no answer at all: the client sees the connection drop
            return
        with self.counting(op):
            if self.latency and self.matches(op, self.latency_ops):
                time.sleep(self.latency)
            with self.lock:
                deny = self.matches(op, self.deny)
                throttle = not deny and self.throttle > 0 and self.random.random() < self.throttle
                self.denials[op] += deny
                self.throttles += throttle
            if deny:
                self.answer(request, *denied(protocol, op))
                return
            if throttle:
                self.answer(request, *throttled(protocol))
                return
            self.forward(request, body)

    def forward(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        conn = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(request.command, request.path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"server", "date"}}
            self.answer(request, response.status, kept, data)
        except OSError:
            request.close_connection = True  # upstream gone: the client sees a dropped connection
        finally:
            conn.close()

    @staticmethod
    def answer(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(body)
