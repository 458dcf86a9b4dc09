"""A real OpenAI-compatible chat server on 127.0.0.1 for tests, with scripted replies.

``POST /v1/chat/completions`` answers with the next reply in a queue: a chat.completion
(``complete``), an OpenAI-shaped error (``error``), a pause before answering (``sleep``, to make
the client time out) or a reply computed from the request (``compute``). When the queue is empty
the ``default`` reply answers (if set), else a 500. Every request body is recorded in
``requests``. ``close`` releases sleeping handlers and stops the server.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATH = "/v1/chat/completions"
USAGE = {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30}
PASSAGE = re.compile(r'<passage key="(S\d+)" source=".*?">\n(.*?)\n</passage>', re.S)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` (or until the server closes) before sending ``then``."""

    seconds: float
    then: Reply | None = None


Compute = Callable[[dict[str, Any]], Reply]
Scripted = Reply | Sleep | Compute


def completion(
    content: str,
    *,
    model: str = "gpt-4o-mini",
    finish_reason: str = "stop",
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A chat.completion object as OpenAI sends it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": dict(usage or USAGE),
        "system_fingerprint": None,
    }


def error_body(message: str, type_: str, code: str | int | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


def prompt_of(request: dict[str, Any]) -> str:
    """The last user message of a recorded request."""
    users = [m for m in request["messages"] if m["role"] == "user"]
    content = users[-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


STORY = re.compile(r'<story key="(T\d+)"[^>]*>\n(.*?)\n</story>', re.S)


def stories_of(request: dict[str, Any]) -> dict[str, list[str]]:
    """Story key -> the keys of its <passage> blocks, in the prompt's order."""
    users = [m for m in request["messages"] if m["role"] == "user"]
    return {
        key: [k for k, _ in PASSAGE.findall(body)]
        for key, body in STORY.findall(users[0]["content"])
    }


def passages_of(request: dict[str, Any]) -> dict[str, str]:
    """Key -> text of the <passage> blocks in the request's first user message."""
    users = [m for m in request["messages"] if m["role"] == "user"]
    return dict(PASSAGE.findall(users[0]["content"]))


class ChatServer:
    def __init__(self) -> None:
        self.replies: deque[Scripted] = deque()
        self.default: Scripted | None = None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return self.base + "/v1"

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self.released.set()  # sleeping handlers answer now (to a client long gone)
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    # --- scripting ----------------------------------------------------------------------------
    def complete(self, content: str, **kwargs: Any) -> None:
        self.replies.append(Reply(200, completion(content, **kwargs)))

    def json(self, data: dict[str, Any]) -> None:
        self.complete(json.dumps(data))

    def error(
        self,
        status: int,
        message: str,
        type_: str = "server_error",
        code: str | int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.replies.append(Reply(status, error_body(message, type_, code), headers or {}))

    def sleep(self, seconds: float, then: Reply | None = None) -> None:
        self.replies.append(Sleep(seconds, then))

    def compute(self, make: Compute) -> None:
        self.replies.append(make)

    # --- serving --------------------------------------------------------------------------------
    def _next(self) -> Scripted:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
        if self.default is not None:
            return self.default
        return Reply(500, error_body("no scripted reply left", "server_error"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # idle keep-alive connections end instead of lingering

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                with server._lock:
                    server.paths.append(self.path)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.requests.append(json.loads(raw or b"{}"))
                if self.path.split("?")[0] != CHAT_PATH:
                    self._send(Reply(404, error_body(f"no route {self.path}", "not_found")))
                    return
                reply = server._next()
                if isinstance(reply, Sleep):
                    server.released.wait(reply.seconds)
                    reply = reply.then or Reply(200, completion("{}"))
                elif not isinstance(reply, Reply):
                    reply = reply(server.requests[-1])
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                data = json.dumps(reply.body).encode("utf-8")
                with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler
