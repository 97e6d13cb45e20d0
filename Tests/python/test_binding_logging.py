"""The library's log lines through the Python binding: Client(logger=, log_level=) and
dcs_config_set_log, against the emulator."""

import itertools
import logging
import subprocess
import sys
import threading
import time

import pytest

import dcs
from binding_support import GENERATED, RUNNING_4, RUNNING_5, RUNNING_6, client_env, leaked_secrets
from emulator import TEST_AUTH_TOKEN, TEST_PROJECT_ID, TEST_SECURITY_TOKEN, TEST_SK

_names = itertools.count()


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)

    def lines(self):
        return [(record.levelname, record.getMessage()) for record in self.records]


@pytest.fixture
def collected():
    """(a logger of its own at DEBUG, not propagating, and the handler collecting its records)."""
    logger = logging.getLogger(f"dcs-test-{next(_names)}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    handler = Collect()
    logger.addHandler(handler)
    yield logger, handler
    logger.removeHandler(handler)


@pytest.fixture
def dcs_logger():
    """The handler collecting what reaches logging.getLogger("dcs")."""
    logger = logging.getLogger("dcs")
    handler = Collect()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.setLevel(level)
    logger.removeHandler(handler)


def test_log_lines_reach_the_logger_at_mapped_levels(make_client, emu, collected):
    logger, handler = collected
    client = make_client(logger=logger)
    emu.fault("status503", retry_after=0)
    emu.fault("status500", skip=1)  # the second request of the call: after the retried first one
    with pytest.raises(dcs.ApiError):
        client.flush(GENERATED[:60])
    client.instance_status(RUNNING_4)
    lines = handler.lines()
    path = f"/v2/{TEST_PROJECT_ID}/instances/status"
    assert ("DEBUG", f"sending PUT {path}: flush of 50 ids, request 1 of 2") in lines
    assert any(level == "WARNING" and line.startswith("retry 1 of 2 in 0 ms, HTTP 503 APIGW.0308: flush of 50 ids")
               for level, line in lines)
    assert any(level == "INFO" and line.startswith("HTTP 200 in ") and "request id " in line
               and line.endswith("request 1 of 2") for level, line in lines)
    assert any(level == "ERROR" and line.startswith("flush of 10 ids, request 2 of 2 failed") for level, line in lines)
    assert any(level == "DEBUG" and line.startswith("sending GET /v2/") and line.endswith(f"status of {RUNNING_4}")
               for level, line in lines)
    # Every record: the C level's name beside the mapped one, made on the calling thread, by the logger given.
    names = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error"}
    for record in handler.records:
        assert record.dcs_level == names[record.levelname]
        assert record.thread == threading.get_ident() and record.name == logger.name


def test_no_secret_in_any_log_record(make_client, emu, collected):
    logger, handler = collected
    calls = [
        lambda: make_client(logger=logger).restart([RUNNING_6], wait=5),
        lambda: make_client(logger=logger, sk=TEST_SK + "x").flush([RUNNING_6]),  # 401
        lambda: make_client(logger=logger, security_token=TEST_SECURITY_TOKEN).flush([RUNNING_6]),  # 401
        lambda: make_client(logger=logger, ak=None, sk=None, auth_token=TEST_AUTH_TOKEN).wait_running(
            [RUNNING_6, "no-such-instance"], timeout=5),
        lambda: make_client(logger=logger, ak=None, sk=None, auth_token=TEST_AUTH_TOKEN + "x").instance_status(RUNNING_5),
    ]
    for call in calls:
        try:
            call()
        except dcs.DcsError:
            pass
    assert len(handler.records) > 10
    signatures = [dict((n.lower(), v) for n, v in r["headers"]).get("authorization", "").split("Signature=")[-1]
                  for r in emu.requests()]
    signatures = [s for s in signatures if s]
    assert signatures
    texts = [text for record in handler.records for text in (record.getMessage(), str(vars(record)))]
    assert leaked_secrets(*texts) == []
    assert not any(signature in text for signature in signatures for text in texts)
    assert not any("Authorization" in text or "X-Security-Token" in text or "X-Auth-Token" in text for text in texts)


def test_log_level_filters_in_c(make_client, emu, collected, monkeypatch):
    logger, handler = collected
    client = make_client(logger=logger, log_level=logging.WARNING)
    emu.fault("status503", retry_after=0)
    client.restart([RUNNING_6])
    client.instance_status(RUNNING_6)
    # The logger takes DEBUG, but C sent only the retry's warning.
    assert [level for level, _ in handler.lines()] == ["WARNING"]


@pytest.mark.parametrize("log_level, c_level", [
    (None, 0), (logging.DEBUG, 0), (logging.NOTSET, 0), (15, 1), ("info", 1), (logging.INFO, 1), ("WARN", 2),
    (logging.WARNING, 2), ("Warning", 2), (logging.ERROR, 3), ("error", 3),
])
def test_log_levels_map_to_c_levels(make_client, monkeypatch, collected, log_level, c_level):
    from dcs import _native

    seen = []
    set_log = _native.library().dcs_config_set_log

    def spy(cfg, minimum, function, user):
        seen.append(minimum)
        return set_log(cfg, minimum, function, user)

    monkeypatch.setattr(_native.library(), "dcs_config_set_log", spy)
    make_client(logger=collected[0], log_level=log_level)
    assert seen == [c_level]


def test_the_logger_s_own_level_still_decides(make_client, emu, collected):
    logger, handler = collected
    logger.setLevel(logging.INFO)
    make_client(logger=logger).flush([RUNNING_6])
    assert [level for level, _ in handler.lines()] == ["INFO"]  # the DEBUG line was sent by C, dropped here


def test_log_level_alone_logs_to_the_dcs_logger(make_client, emu, dcs_logger):
    make_client(log_level="INFO").flush([RUNNING_6])
    assert [level for level, _ in dcs_logger.lines()] == ["INFO"]
    assert dcs_logger.records[0].name == "dcs"


def test_no_logging_unless_asked(make_client, emu, dcs_logger, native):
    make_client().flush([RUNNING_6])
    assert dcs_logger.records == []
    assert "dcs_config_set_log" not in native.calls


def test_messages_are_passed_as_they_are(make_client, emu, collected):
    logger, handler = collected
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    odd = "x%s%d%%(name)s{0}"
    with pytest.raises(dcs.ApiError):
        make_client(logger=logger).instance_status(odd)  # 404: the id is in the log lines
    (record, *_) = [r for r in handler.records if odd in r.getMessage()]
    assert record.args in ((), None) and record.msg == record.getMessage()
    assert record.getMessage().endswith(f"status of {odd}")
    assert handler.format(record) == f"DEBUG {record.getMessage()}"


def test_exceptions_in_the_logger_never_reach_c(make_client, emu, collected, capfd, monkeypatch):
    """Not even as far as ctypes, which would print them as "Exception ignored on calling ctypes
    callback function" (through sys.unraisablehook)."""
    logger, handler = collected
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)

    def broken(record):
        raise ValueError("a broken filter")

    logger.addFilter(broken)
    try:
        client = make_client(logger=logger)
        assert client.flush([RUNNING_6, RUNNING_5]) == [dcs.Result(i, dcs.Outcome.SUCCESS) for i in (RUNNING_6, RUNNING_5)]
        assert client.instance_status(RUNNING_6) is dcs.InstanceStatus.RUNNING
    finally:
        logger.removeFilter(broken)
    assert handler.records == [] and unraisable == []
    assert "Exception ignored" not in capfd.readouterr().err


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_raised_while_logging_cancels_the_call_and_is_raised_after(make_client, emu, collected,
                                                                                 interrupt):
    """A KeyboardInterrupt (Ctrl-C while the callback runs) or SystemExit cannot go up through C:
    the call is cancelled, and the interrupt raised when it returns."""
    logger, handler = collected
    emu.set_instance_status(RUNNING_6, "RESTARTING")
    polls = []

    class Interrupting(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("sending GET"):
                polls.append(record)
                if len(polls) == 2:
                    raise interrupt()

    interrupting = Interrupting()
    logger.addHandler(interrupting)
    client = make_client(logger=logger)
    started = time.monotonic()
    try:
        with pytest.raises(interrupt) as info:
            client.wait_running([RUNNING_6], timeout=30)
    finally:
        logger.removeHandler(interrupting)
    assert time.monotonic() - started < 3  # the second poll, then at once; not the 30 s
    cancelled = info.value.__context__
    assert type(cancelled) is dcs.Cancelled and cancelled.results == [dcs.Result(RUNNING_6, dcs.Outcome.UNKNOWN)]
    assert len(polls) == 2
    # instance_status is cancelled the same way, and the interrupt raised after it.
    polls.clear()
    logger.addHandler(interrupting)
    try:
        polls.append(None)
        with pytest.raises(interrupt) as info:
            client.instance_status(RUNNING_5)
    finally:
        logger.removeHandler(interrupting)
    assert type(info.value.__context__) is dcs.Cancelled
    assert client.instance_status(RUNNING_5) is dcs.InstanceStatus.RUNNING  # the client is fine


def test_the_callback_lives_as_long_as_the_client(emu):
    """Only the client keeps the ctypes callback: were it collected, C would call freed memory.
    In a fresh interpreter, so that a crash fails this test only."""
    code = """
import gc, logging
import dcs

logger = logging.getLogger("kept")
logger.setLevel(logging.DEBUG)
logger.propagate = False
seen = []
logger.addHandler(type("H", (logging.Handler,), {"emit": lambda self, record: seen.append(record.getMessage())})())

def make():
    return dcs.Client.from_env(logger=logger)  # nothing else refers to the callback

client = make()
gc.collect()
for _ in range(20):
    client.flush(["2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"])
    gc.collect()
client.close()
print(len(seen), sum(line.startswith("HTTP 200") for line in seen))
"""
    done = subprocess.run([sys.executable, "-c", code], env=client_env(emu), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr}"
    assert done.stdout.split() == ["40", "20"]


def test_threads_log_through_one_client(make_client, emu, collected):
    logger, handler = collected
    client = make_client(logger=logger, log_level="INFO")
    callers = set()

    def work():
        callers.add(threading.get_ident())
        for _ in range(10):
            client.flush([RUNNING_6])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(handler.records) == 40
    assert {record.thread for record in handler.records} == callers


def test_from_env_takes_a_logger(emu, collected, monkeypatch):
    logger, handler = collected
    for name, value in client_env(emu).items():
        monkeypatch.setenv(name, value)
    with dcs.Client.from_env(logger=logger, log_level="INFO") as client:
        client.flush([RUNNING_6])
    assert [level for level, _ in handler.lines()] == ["INFO"]


@pytest.mark.parametrize("settings, error, message", [
    ({"logger": "dcs"}, TypeError, "logger must be a logging.Logger"),
    ({"log_level": True}, TypeError, "log_level must be a logging level"),
    ({"log_level": 1.5}, TypeError, "log_level must be a logging level"),
    ({"log_level": "verbose"}, dcs.InvalidArgument, "log_level must be one of DEBUG, INFO, WARNING, ERROR"),
    ({"log_level": logging.CRITICAL}, dcs.InvalidArgument, "log_level must be at most logging.ERROR"),
])
def test_bad_logging_settings_are_refused(make_client, emu, settings, error, message):
    with pytest.raises(error, match=message):
        make_client(**settings)
    assert emu.stats()["api_requests"] == 0


def test_clock_skew_is_corrected_and_logged(make_client, emu, collected):
    """The emulator's clock an hour ahead: the first signature is refused, the library adopts the
    service's time, sends once more, and warns about it."""
    logger, handler = collected
    emu.set_clock_offset(3600)
    client = make_client(logger=logger, log_level=logging.WARNING)
    results = client.flush([RUNNING_6])
    assert [r.outcome for r in results] == [dcs.Outcome.SUCCESS]
    assert emu.stats()["status_puts"] == 2  # refused once, then accepted
    warnings = [message for level, message in handler.lines() if level == "WARNING"]
    assert len(warnings) == 1 and "the service's clock is" in warnings[0]
