"""An overall deadline for one HTTP download.

Socket timeouts bound each read, not the whole: a server that sends one byte a second
keeps every read short and the download endless, in its headers as in its body. The
watchdog remembers every socket the download opens (redirects open more) and, when the
deadline passes, shuts them down: whatever read is blocked returns at once, and the
download sees ``expired``.
"""
import socket
import threading


class Watchdog:
    def __init__(self, seconds):
        self.seconds = seconds
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()

    def watch(self, sock):
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)
        return sock

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def urlopen(self, url, timeout):
        """``urllib.request.urlopen(url, timeout)`` with every connection watched."""
        import urllib.request

        return urllib.request.build_opener(*_handlers(self)).open(url, timeout=timeout)


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _handlers(watchdog):
    import http.client
    import urllib.request

    def watched(base):
        class Connection(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # The raw TCP socket, registered before any byte (TLS included) is read.
                create = self._create_connection
                self._create_connection = lambda *a, **k: watchdog.watch(create(*a, **k))
        return Connection

    http_connection = watched(http.client.HTTPConnection)
    https_connection = watched(http.client.HTTPSConnection)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_connection, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_connection, req, context=self._context)

    return HTTPHandler, HTTPSHandler
