"""A throw-away HTTP server on 127.0.0.1 that serves files from a folder and counts requests."""
import functools
import http.server
import threading


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    requests = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requests.append(self.path)
        super().do_GET()


class LocalServer:
    def __init__(self, directory):
        self.requests = []
        handler = functools.partial(type("Handler", (_QuietHandler,), {"requests": self.requests}),
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
