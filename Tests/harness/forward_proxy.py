"""A recording HTTP proxy on loopback, as a corporate proxy would stand between a client and the
service: it tunnels CONNECT to the hosts it knows (`routes`), and answers every plain request
itself with a forged 200, recording what it saw, so that a test can tell a request that went
through it in clear text from one that did not reach it at all.

    with ForwardProxy({"dcs.test:443": ("127.0.0.1", tls_port)}) as proxy:
        proxy.url          # http://127.0.0.2:PORT
        proxy.seen         # [{"line": "CONNECT dcs.test:443 HTTP/1.1", "head": b"..."}]
"""

import socket
import threading

from tls_proxy import pipe

FORGED = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
          b"Connection: close\r\n\r\n{\"results\":[]}")


class ForwardProxy:
    def __init__(self, routes=None, host="127.0.0.2"):
        self.routes = dict(routes or {})
        self.seen = []
        self._lock = threading.Lock()
        self._listener = socket.create_server((host, 0))
        self.url = f"http://{host}:{self._listener.getsockname()[1]}"
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        head = b""
        try:
            while b"\r\n\r\n" not in head and len(head) < 65536:
                data = client.recv(65536)
                if not data:
                    break
                head += data
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            with self._lock:
                self.seen.append({"line": line, "head": head})
            method, target = (line.split(" ") + ["", ""])[:2]
            if method != "CONNECT":
                client.sendall(FORGED)
                return
            route = self.routes.get(target)
            if route is None:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection(route)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
            pipe(client, upstream)
        except OSError:
            pass
        finally:
            client.close()

    def stop(self):
        self._stopped = True
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
