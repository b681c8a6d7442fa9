"""A throw-away HTTP server on 127.0.0.1 that serves files from a folder and counts requests.

``routes`` answers chosen paths with a hostile behaviour instead of a file (``trickle``,
``endless``); each is bounded in bytes and time, so a client that hangs up or a test that
fails never leaves a thread running for long.
"""
import functools
import http.server
import threading
import time


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests = None
    routes = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requests.append(self.path)
        route = self.routes.get(self.path)
        if route is None:
            super().do_GET()
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up: as it should
            pass


class LocalServer:
    def __init__(self, directory, routes=None):
        self.requests = []
        attributes = {"requests": self.requests, "routes": dict(routes or {})}
        handler = functools.partial(type("Handler", (_QuietHandler,), attributes),
                                    directory=str(directory))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def trickle(data, delay, in_headers=False, max_seconds=10):
    """A route sending a response one byte every ``delay`` seconds: the body (announced
    with its true length), or with ``in_headers`` the status line and headers themselves."""
    def route(handler):
        head = (f"HTTP/1.0 200 OK\r\nContent-Length: {len(data)}\r\n\r\n").encode()
        if not in_headers:
            handler.wfile.write(head)
            handler.wfile.flush()
        stop = time.monotonic() + max_seconds
        for i in range(len(head) + len(data) if in_headers else len(data)):
            if time.monotonic() > stop:
                return
            byte = (head + data)[i:i + 1] if in_headers else data[i:i + 1]
            handler.wfile.write(byte)
            handler.wfile.flush()
            time.sleep(delay)
    return route


def endless(sent, announce=None, limit=64 << 20):
    """A route answering 200 with junk (up to ``limit`` bytes), announcing ``announce``
    bytes when given (no Content-Length otherwise); ``sent`` (a list) gets the byte count."""
    def route(handler):
        handler.send_response(200)
        if announce is not None:
            handler.send_header("Content-Length", str(announce))
        handler.end_headers()
        chunk, total = b"junk" * (1 << 14), 0
        try:
            while total < limit:
                handler.wfile.write(chunk)
                total += len(chunk)
        finally:
            sent.append(total)
    return route
