"""What tests of any language share about clients of the emulator: the environment that
dcs_config_from_env reads, a port nothing listens on, a secret check that never prints a
secret, and a dcsctl interrupted while it waits."""

import os
import pty
import signal
import socket
import subprocess
import time

from emulator import TEST_AK, TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK

SECRETS = (TEST_SK, TEST_AUTH_TOKEN, TEST_SECURITY_TOKEN)


def client_env(emulator, **extra):
    """os.environ without other DCS settings, pointing at `emulator` with the test credentials.
    DCS_LIBRARY and DCS_EMULATOR are kept: they say what is under test."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUAWEICLOUD_SDK_", "DCS_"))}
    for name in ("DCS_LIBRARY", "DCS_EMULATOR", "DCS_MEMCHECK", "DCS_TEST_TIME_SCALE"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    env.update({
        "DCS_ENDPOINT": emulator.url,
        "HUAWEICLOUD_SDK_AK": TEST_AK,
        "HUAWEICLOUD_SDK_SK": TEST_SK,
        "HUAWEICLOUD_SDK_PROJECT_ID": TEST_PROJECT_ID,
        "DCS_TEST_IAM_TOKEN": TEST_AUTH_TOKEN,
        "DCS_TEST_SECURITY_TOKEN": TEST_SECURITY_TOKEN,
    })
    env.update(extra)
    return env


def closed_port_url():
    """A loopback URL on which nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def leaked(text, secrets=SECRETS):
    """The positions in `secrets` of those found in `text`: only positions, so that a failing
    assertion never prints the secret itself."""
    return [index for index, secret in enumerate(secrets) if secret in text]


def credentials_file(path, **values):
    """Huawei's credentials file at `path`: `values` in [basic], a decoy section before it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# written by the test", "[other]", "ak = not-this-one", "[basic]"]
    lines += [f"{key} = {value}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def without_credentials(env):
    """`env` without the AK, SK and project id variables: they are to come from elsewhere."""
    return {k: v for k, v in env.items()
            if k not in ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID")}


def interrupted_while_waiting(command, emulator, env, *, patience=30):
    """Runs `command` (a dcsctl ... --wait) with standard input closed, sends it SIGINT once
    `emulator` has seen a status poll (it acted, and is waiting), and gives (exit status, stdout,
    stderr) in bytes. `patience`: seconds allowed for the poll to come, and for the end after
    the signal."""
    child = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + patience
        while emulator.stats()["status_gets"] == 0:
            assert time.monotonic() < deadline and child.poll() is None, "no status poll came"
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=patience)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, out, err


def with_one_terminal(command, env, terminal):
    """Runs `command` with a pseudo-terminal as `terminal` ("stdout" or "stderr"), a pipe as the
    other and standard input closed: (what the terminal got, what the pipe got, exit status),
    the terminal's line ends as written."""
    controller, terminal_end = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, terminal: terminal_end}
    child = subprocess.Popen([str(part) for part in command], env=env, stdin=subprocess.DEVNULL, **streams)
    os.close(terminal_end)
    piped = child.communicate(timeout=60)[0 if terminal == "stderr" else 1]
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the program is gone and the terminal drained
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return shown.decode().replace("\r\n", "\n"), piped.decode(), child.returncode
