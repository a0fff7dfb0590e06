"""A stand-in for Google Translate's speech endpoint, answering gTTS's POSTs on 127.0.0.1.

Replies use the batchexecute format gTTS parses (a line holding `jQ1olc` and the audio
as base64) and carry real MP3 made by ffmpeg. Modes: "normal", "slow" (answers only long
after any client timeout) and "garbage" (base64 of something that is not audio).
"""

import base64
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs

NOT_AUDIO = b"<html><body>Our systems have detected unusual traffic</body></html>" * 4


def tone_mp3(frequency: int, seconds: float = 0.3) -> bytes:
    """A sine tone as bare MP3 frames at 24 kHz mono, the shape of Google's replies."""
    command = ["ffmpeg", "-v", "error", "-f", "lavfi"]
    command += ["-i", f"sine=frequency={frequency}:duration={seconds}:sample_rate=24000"]
    # No ID3 tag and no Xing header, so that parts can be joined byte-wise.
    command += ["-ac", "1", "-c:a", "libmp3lame", "-b:a", "32k"]
    command += ["-id3v2_version", "0", "-write_xing", "0", "-f", "mp3", "pipe:1"]
    return subprocess.run(command, capture_output=True, check=True).stdout


def batchexecute_reply(audio: bytes) -> bytes:
    """The body Google sends for one part: an XSSI prefix, a length, then the RPC result."""
    payload = json.dumps([base64.b64encode(audio).decode()])
    envelope = json.dumps(
        [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]], separators=(",", ":")
    )
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n".encode()


def spoken_request(body: bytes) -> tuple[str, str, object]:
    """(text, lang, speed) out of gTTS's `f.req=` form body."""
    rpc = json.loads(parse_qs(body.decode())["f.req"][0])
    text, lang, speed, _ = json.loads(rpc[0][0][1])
    return text, lang, speed


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class FakeGoogle:
    """The fake endpoint; it records what it was asked and how many requests overlapped."""

    def __init__(
        self,
        tones: Sequence[bytes],
        *,
        mode: str = "normal",
        delay: Callable[[int], float] = lambda _arrival: 0.0,
        slow_for: float = 10.0,
    ) -> None:
        self.tones, self.mode, self.delay, self.slow_for = list(tones), mode, delay, slow_for
        self.requests: list[tuple[str, str, object]] = []  # (text, lang, speed) as they arrive
        self.served: dict[str, bytes] = {}  # text -> the MP3 sent back for it
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()
        self.release = threading.Event()  # set on stop: slow replies give up waiting
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # A short poll interval: shutdown() waits for serve_forever's next look (0.5 s by default).
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """Where gTTS should send its requests instead of Google."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def texts(self) -> list[str]:
        """The texts asked for, in order of arrival (retries included)."""
        return [text for text, _, _ in self.requests]

    def __enter__(self) -> "FakeGoogle":
        self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()  # joins the handler threads, closing their sockets
        self.thread.join()

    def answer(self, body: bytes) -> bytes | None:
        """The reply body for one POST, or None when the client has gone meanwhile."""
        with self.lock:
            self.requests.append(spoken_request(body))
            arrival = len(self.requests) - 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.mode == "slow":
                self.release.wait(self.slow_for)
                return None
            time.sleep(self.delay(arrival))
            if self.mode == "garbage":
                return batchexecute_reply(NOT_AUDIO)
            audio = self.tones[arrival % len(self.tones)]
            with self.lock:
                self.served[self.requests[arrival][0]] = audio
            return batchexecute_reply(audio)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """A request handler class bound to this fake."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = fake.answer(body)
                if reply is None:
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest's output clean

        return Handler
