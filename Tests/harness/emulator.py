"""Start and drive dcs-emulator from Python tests (standard library only).

    with Emulator(["--record-requests"]) as emu:
        emu.fault("status503", retry_after=2)
        ... send API requests to emu.url ...
        assert emu.stats()["api_requests"] == 1

The binary is $DCS_EMULATOR, else <repo>/.build/release/dcs-emulator
(scripts/build.sh builds it).
"""

import json
import os
import pathlib
import queue
import subprocess
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

# Credentials the tests' emulators are started with. Test values only; they exist so that a
# test can check that none of them ever reaches the emulator's log.
TEST_AK = "HPUAEMUTESTAK0000001"
# No run of 8 characters in common with the project id, or the redaction of secrets (any run of 8
# characters of one) would hide parts of the paths that the tests compare.
TEST_SK = "emu-test-sk-Qz7Lw3Rt5Xv1Np8Km2Hj6Gf4Dc9Ba"
TEST_AUTH_TOKEN = "emu-test-iam-token-MIIXtoken0000+/="
TEST_SECURITY_TOKEN = "emu-test-security-token/with+chars=="
TEST_PROJECT_ID = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

STARTUP_TIMEOUT_SECONDS = 30
LISTENING_PREFIX = "dcs-emulator listening on "


def emulator_binary():
    return os.environ.get("DCS_EMULATOR") or str(REPO_ROOT / ".build" / "release" / "dcs-emulator")


def credential_args():
    """The options that give an emulator the test credentials above (no security token)."""
    return ["--ak", TEST_AK, "--sk", TEST_SK, "--project-id", TEST_PROJECT_ID,
            "--auth-token", TEST_AUTH_TOKEN]


class EmulatorError(RuntimeError):
    pass


class Emulator:
    """One dcs-emulator process on a free port, its stderr collected in a file (`log_path`)."""

    def __init__(self, args=(), *, test_credentials=True, binary=None, env=None):
        self.binary = binary or emulator_binary()
        if not os.access(self.binary, os.X_OK):
            raise EmulatorError(f"no emulator binary at {self.binary}: run scripts/build.sh "
                                "or set DCS_EMULATOR")
        command = [self.binary, *(credential_args() if test_credentials else []), *args, "--port", "0"]
        log = tempfile.NamedTemporaryFile(prefix="dcs-emulator-", suffix=".log", delete=False)
        self.log_path = log.name
        self._stopped_log = None  # the log's text once stopped: the file is then removed
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=log, text=True, env=env)
        log.close()
        try:
            line = self._read_listening_line()
        except BaseException:
            self.stop()
            raise
        self.url = line[len(LISTENING_PREFIX):].strip()
        self.netloc = self.url.split("://", 1)[1]
        self.host, port = self.netloc.rsplit(":", 1)
        self.host = self.host.strip("[]")
        self.port = int(port)

    def _read_listening_line(self):
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self._process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_SECONDS)
        except queue.Empty:
            raise EmulatorError(f"no listening line within {STARTUP_TIMEOUT_SECONDS} s; log: {self.log_path}")
        if not line.startswith(LISTENING_PREFIX):
            self._process.wait(timeout=10)
            raise EmulatorError(f"emulator did not start (exit {self._process.returncode}): {self.log_text()}")
        return line

    # Control API ---------------------------------------------------------------------------

    def _control(self, method, path, document=None):
        data = None if document is None else json.dumps(document).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with self._opener.open(request, timeout=30) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise EmulatorError(f"{method} {path}: {error.code} {error.read().decode(errors='replace')}") from None

    def stats(self):
        """{"api_requests", "api_connections", "status_puts", "status_gets", "list_gets"}: status_gets
        counts GET .../instances/{id}, list_gets the listing GET .../instances."""
        return self._control("GET", "/_emulator/stats")

    def reset(self):
        """Counters, recorded requests, faults and instance states back to how they were at start."""
        return self._control("POST", "/_emulator/reset")

    def requests(self):
        """Recorded API requests (needs --record-requests): [{"method","path","query","headers","body"}]."""
        return self._control("GET", "/_emulator/requests")

    def instances(self):
        """[{"id", "name", "engine_version", "status", "tags": {key: value}, "never_returns"}] as the
        fleet stands now, in its order; with --redis also "redis_port" and "redis_pid" (null while
        its process is being replaced)."""
        return self._control("GET", "/_emulator/instances")

    def set_instance_status(self, instance_id, status):
        """Gives an instance `status` (one of the reference's) from now on; a pending restart of it
        is cancelled. Answers the instance as instances() shows it."""
        return self._change_instance(instance_id, {"status": status})

    def set_never_returns(self, instance_id, never_returns=True):
        """With True, an operation on the instance (under way, or the next one) never ends: it stays
        RESTARTING or FLUSHING until its status is set or the emulator reset. With False, one under
        way ends at its own deadline (at once if that has passed). Answers as instances() shows it."""
        return self._change_instance(instance_id, {"never_returns": never_returns})

    def _change_instance(self, instance_id, document):
        path = "/_emulator/instances/" + urllib.parse.quote(instance_id, safe="")
        return self._control("POST", path, document)

    def faults(self):
        """The queued faults, in the order they will act."""
        return self._control("GET", "/_emulator/faults")

    def fault(self, kind, count=1, skip=0, on=None, **params):
        """Queues `kind` for the next `count` API requests after `skip` of them. With `on` ("put": the
        status PUT, "get": GET .../instances/{id}, "list": the listing GET; "any" by default), only
        those requests count and are hit; the others pass, and count for no later fault either."""
        document = {"kind": kind, "count": count, "skip": skip, **params}
        if on is not None:
            document["on"] = on
        return self._control("POST", "/_emulator/faults", document)

    def clear_faults(self):
        return self._control("DELETE", "/_emulator/faults")

    def clock(self):
        """{"offset_seconds", "now", "date"}: the emulator's clock, offset included."""
        return self._control("GET", "/_emulator/clock")

    def set_clock_offset(self, seconds):
        """Runs the emulator's clock `seconds` off real time (reset puts back the start value)."""
        return self._control("POST", "/_emulator/clock", {"offset_seconds": seconds})

    # Process -------------------------------------------------------------------------------

    def log_text(self):
        """What the emulator wrote on stderr so far (all of it, once stopped)."""
        if self._stopped_log is not None:
            return self._stopped_log
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def stop(self):
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()
        # Kept in memory, not in /tmp: a test run starts hundreds of emulators.
        if self._stopped_log is None and os.path.exists(self.log_path):
            self._stopped_log = self.log_text()
            os.unlink(self.log_path)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
