"""A TLS front for a plain-HTTP server on loopback, with a certificate from a CA made on the
spot, so that the client's TLS checks meet a real handshake and the request still reaches the
emulator (which verifies its signature).

    with TLSProxy(emulator.port, tmp_path) as proxy:
        proxy.url       # https://127.0.0.1:PORT
        proxy.ca_file   # the test CA's PEM
"""

import socket
import ssl
import subprocess
import threading


def make_test_ca(directory):
    """A CA and a server certificate for 127.0.0.1 and localhost, signed by it (openssl CLI)."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=libdcs test CA")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    # dcs.test: a name that only a proxy can resolve (Tests/harness/forward_proxy.py maps it).
    (directory / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:dcs.test\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "san.cnf")
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def pipe(source, destination, seen=None):
    """Copies what `source` sends to `destination` until either end closes, then closes both;
    `seen(data)` sees each piece on its way."""
    try:
        while data := source.recv(65536):
            if seen is not None:
                seen(data)
            destination.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, destination):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TLSProxy:
    def __init__(self, target_port, directory, target_host="127.0.0.1"):
        self.ca_file, certificate, key = make_test_ca(directory)
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(certificate, key)
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.handshakes_failed = 0
        # Per connection accepted, in order: the requests it carried (request lines seen).
        self.requests_per_connection = []
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stopped:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            client = self._context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            self.handshakes_failed += 1
            raw.close()
            return
        upstream = socket.create_connection(self._target)
        slot = len(self.requests_per_connection)
        self.requests_per_connection.append(0)
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        self._pipe(client, upstream, slot)

    def _pipe(self, source, destination, count_requests_in=None):
        def counted(data):
            if count_requests_in is not None:
                self.requests_per_connection[count_requests_in] += data.count(b" HTTP/1.1\r\n")
        pipe(source, destination, counted)

    def stop(self):
        self._stopped = True
        self._listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
