"""A tiny SMTP server on loopback that keeps every message it receives (the tests' relay).

Just enough of RFC 5321 for Django's SMTP backend: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT. Each message is kept as (envelope recipients, raw bytes).
"""

from __future__ import annotations

import email
import socketserver
import threading
from email.header import decode_header, make_header
from email.message import Message


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 sink ready")
        rcpt: list[str] = []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.decode("utf-8", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 sink")
            elif verb == "MAIL":
                rcpt = []
                self._say("250 ok")
            elif verb == "RCPT":
                rcpt.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self._say("250 ok")
            elif verb == "DATA":
                self._say("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline(65536)
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append((list(rcpt), bytes(data)))
                self._say("250 queued")
            elif verb in ("RSET", "NOOP"):
                self._say("250 ok")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class Sink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[tuple[list[str], bytes]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def parsed(raw: bytes) -> Message:
    return email.message_from_bytes(raw)


def text_of(raw: bytes) -> str:
    """The whole message as a reader sees it: decoded headers and decoded body parts."""
    msg = parsed(raw)
    out = [f"{k}: {make_header(decode_header(v))}" for k, v in msg.items()]
    for part in msg.walk():
        payload = part.get_payload(decode=True)
        if payload:
            out.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(out)
