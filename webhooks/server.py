"""The web server's worker: gunicorn's threaded worker, safe from slow clients.

gunicorn hands a connection to a thread as soon as its first bytes arrive; the thread then
reads the rest of the headers and the body blocking, with no time limit. A client that
sends a request a byte at a time (slowloris) holds a thread for as long as it likes, and
`--threads` such clients stop the app answering anyone. Here the worker's event loop
gathers each request (headers, and a body up to `GATHER_BYTES`) without a thread, and a
request that has not arrived whole within `REQUEST_READ_SECONDS` is dropped; a thread
gets only complete requests (and reads anything larger under the same deadline).
"""

from __future__ import annotations

import contextlib
import errno
import re
import selectors
import socket
import time
from collections import deque
from functools import partial

from gunicorn.workers import gthread

from webhooks.settings import MAX_BODY_BYTES

REQUEST_READ_SECONDS = 5.0
GATHER_BYTES = MAX_BODY_BYTES + 64 * 1024  # a larger body is refused (413) before it is read
_CODING = re.compile(rb"\r\ntransfer-encoding:([^\r\n]*)")
_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d{1,18})")


def request_complete(data: bytes) -> bool:
    """True when `data` holds a whole request head and its body (or as much as is useful:
    a body over `GATHER_BYTES`, or a client waiting for ``100 Continue``)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:  # gunicorn refuses an oversized head, or one ended by bare newlines
        return len(data) > GATHER_BYTES or b"\n\n" in data
    head, body = b"\r\n" + data[:end].lower(), len(data) - end - 4
    if b"\r\nexpect:" in head or body > GATHER_BYTES:
        return True
    coding = _CODING.search(head)
    if coding:  # chunked: the last chunk, trailers, a blank line (other codings: refused)
        chunked = coding.group(1).split(b",")[-1].strip() == b"chunked"
        return not chunked or (body > 0 and data.endswith(b"\r\n\r\n"))
    length = _LENGTH.search(head)
    return length is None or body >= int(length.group(1)) or int(length.group(1)) > GATHER_BYTES
SEND_SECONDS = 60.0  # writing an answer to a slow but honest reader (the CSV download)


class DeadlineSocket(socket.socket):
    """A client socket whose reads share one deadline, set each time gunicorn's thread
    takes the connection up (it makes the socket blocking then)."""

    deadline: float | None = None

    def setblocking(self, flag: bool) -> None:
        super().setblocking(flag)
        self.deadline = time.monotonic() + REQUEST_READ_SECONDS if flag else None
        if flag:
            super().settimeout(REQUEST_READ_SECONDS)

    def _arm(self) -> None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request did not arrive in time")
            super().settimeout(left)

    def recv(self, *args):  # noqa: D102 (socket.socket's)
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args):  # noqa: D102
        self._arm()
        return super().recv_into(*args)

    def sendall(self, *args):  # noqa: D102
        if self.deadline is not None:
            super().settimeout(SEND_SECONDS)
        return super().sendall(*args)

    def send(self, *args):  # noqa: D102
        if self.deadline is not None:
            super().settimeout(SEND_SECONDS)
        return super().send(*args)

    def sendfile(self, *args, **kwargs):  # noqa: D102 (static files)
        if self.deadline is not None:
            super().settimeout(SEND_SECONDS)
        return super().sendfile(*args, **kwargs)


class ThreadWorker(gthread.ThreadWorker):
    """gunicorn's ``gthread`` worker: requests are gathered in the event loop, then run on a
    thread (`DeadlineSocket` connections)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gathering: deque = deque()

    def accept(self, listener):
        try:
            client_sock, client_addr = listener.accept()
            self.nr_conns += 1
            client = DeadlineSocket(client_sock.family, client_sock.type, client_sock.proto,
                                    fileno=client_sock.detach())
            conn = gthread.TConn(self.cfg, client, client_addr, listener.getsockname())
            self._gather(conn)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection's next request is gathered like a new one."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._gather(conn)

    def _gather(self, conn) -> None:
        conn.sock.setblocking(False)
        conn.gathered = b""
        conn.timeout = time.monotonic() + REQUEST_READ_SECONDS
        self.gathering.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ,
                             partial(self._on_gathering_readable, conn))

    def _on_gathering_readable(self, conn, client) -> None:
        try:
            chunk = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if chunk:
            conn.gathered += chunk
            if not request_complete(conn.gathered):
                return
        self.poller.unregister(client)
        self.gathering.remove(conn)
        if not chunk:  # the client went away
            self.nr_conns -= 1
            conn.close()
            return
        self.enqueue_req(conn)

    def handle(self, conn):
        """Put the gathered bytes in front of gunicorn's parser, then serve the request."""
        data, conn.gathered = getattr(conn, "gathered", b""), b""
        if data:
            conn.data_ready = True
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(data)
        return super().handle(conn)

    def murder_pending(self):
        """Also drop the connections whose request did not arrive in time."""
        super().murder_pending()
        now = time.monotonic()
        while self.gathering and self.gathering[0].timeout <= now:
            conn = self.gathering.popleft()
            with contextlib.suppress(OSError, KeyError, ValueError):
                self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            conn.close()
