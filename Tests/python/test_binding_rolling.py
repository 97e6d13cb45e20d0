"""Rolling actions and progress through the Python binding: wave=, pause=, keep_going=,
progress=, against an emulator fleet of 12 instances that restart in 0.2 s."""

import ctypes
import json
import re
import threading
import time

import pytest

import dcs
from conftest import client_of
from emulator import Emulator

S, F, N, U = dcs.Outcome.SUCCESS, dcs.Outcome.FAILED, dcs.Outcome.NOT_SENT, dcs.Outcome.UNKNOWN
E = dcs.ProgressEvent

FLEET = [f"roll-{n:02d}" for n in range(1, 13)]
WAVES = [FLEET[0:5], FLEET[5:10], FLEET[10:12]]  # wave=5
NEVER_BACK = WAVES[1][1]  # roll-07: restarted, it stays RESTARTING
WAVE_WAIT = 2  # seconds each wave is waited on: how long the gate waits for NEVER_BACK


@pytest.fixture(scope="module")
def fleet_emulator(tmp_path_factory):
    fleet = tmp_path_factory.mktemp("fleet") / "fleet.json"
    fleet.write_text(json.dumps([{"id": i, "name": f"rolling-{i}", "engine_version": "6.0", "status": "RUNNING"}
                                 for i in FLEET]))
    with Emulator(["--instances", str(fleet), "--restart-seconds", "0.2", "--record-requests", "--quiet"]) as emulator:
        yield emulator


@pytest.fixture
def fleet(fleet_emulator):
    """The 12 instances, reset: RUNNING, counters and recorded requests at zero."""
    fleet_emulator.reset()
    return fleet_emulator


@pytest.fixture
def client(fleet):
    with client_of(fleet) as made:
        yield made


@pytest.fixture
def token():
    with dcs.CancelToken() as made:
        yield made


def sent_waves(emu):
    """The ids of each status PUT the emulator received, in order."""
    return [json.loads(r["body"])["instances"] for r in emu.requests() if r["method"] == "PUT"]


def raised(call, cls):
    with pytest.raises(dcs.DcsError) as info:
        call()
    assert type(info.value) is cls
    return info.value


class Recorder:
    """A progress callable that keeps every report and the thread it came on; `then(progress)`
    runs after each one is kept."""

    def __init__(self, then=None):
        self.reports = []
        self.threads = set()
        self.then = then

    def __call__(self, progress):
        self.reports.append(progress)
        self.threads.add(threading.get_ident())
        if self.then is not None:
            self.then(progress)

    def events(self):
        return [(p.event, p.wave) for p in self.reports if p.event is not E.INSTANCE_DONE]


def check_progress(recorder, ids, results, waves):
    """The promises of every report, and that the last one agrees with the results. `waves`: the
    ids of each wave the call was planned in."""
    reports = recorder.reports
    waves_planned = len(waves)
    assert recorder.threads == {threading.get_ident()}  # the calling thread, every time
    done_before = 0
    for p in reports:
        assert p.total == len(ids) == p.done + p.in_progress + p.not_started, p
        assert p.done == p.succeeded + p.failed + p.unknown + p.not_sent, p
        assert p.waves == waves_planned and 1 <= p.wave <= waves_planned, p
        assert p.done >= done_before, p
        done_before = p.done
        if p.event is E.INSTANCE_DONE:
            assert p.instance_id == ids[p.index] and p.outcome is results[p.index].outcome, p
        else:
            assert (p.instance_id, p.index, p.outcome) == (None, None, None), p
    # Waves start in order; each id of a wave started is done once; the ids of waves never
    # started get no INSTANCE_DONE of their own (they are counted in not_sent at the end).
    started = [p.wave for p in reports if p.event is E.WAVE_START]
    assert started == list(range(1, len(started) + 1))
    in_started = [index for index, i in enumerate(ids) if any(i in wave for wave in waves[:len(started)])]
    assert sorted(p.index for p in reports if p.event is E.INSTANCE_DONE) == in_started
    assert [p.event for p in reports].count(E.FINISHED) == 1
    last = reports[-1]
    assert last.event is E.FINISHED and last.wave == len(started)
    assert (last.in_progress, last.not_started, last.done) == (0, 0, len(ids))
    counted = {outcome: sum(r.outcome is outcome for r in results) for outcome in dcs.Outcome}
    assert (last.succeeded, last.failed, last.unknown, last.not_sent) == (counted[S], counted[F], counted[U],
                                                                          counted[N])


# --- the health gate --------------------------------------------------------------------------

def test_a_wave_with_an_instance_that_never_comes_back_stops_the_later_waves(client, fleet):
    fleet.set_never_returns(NEVER_BACK)
    progress = Recorder()
    error = raised(lambda: client.restart(FLEET, wave=5, wait=WAVE_WAIT, progress=progress), dcs.Stopped)
    assert error.status is dcs.Status.ESTOPPED and error.status_name == "DCS_ESTOPPED"
    assert isinstance(error, dcs.DcsError)
    expected = ([dcs.Result(i, S) for i in WAVES[0]] + [dcs.Result(i, U if i == NEVER_BACK else S) for i in WAVES[1]]
                + [dcs.Result(i, N) for i in WAVES[2]])
    assert error.results == expected
    assert NEVER_BACK in error.message and re.search(r"\bwave 2\b", error.message), error.message
    assert not any(i in error.message for i in WAVES[0] + WAVES[2])  # only the one at fault is named
    # Waves 1 and 2 sent, one request each; not one for wave 3.
    assert sent_waves(fleet) == WAVES[:2]
    assert fleet.stats()["status_puts"] == 2
    check_progress(progress, FLEET, error.results, WAVES)
    assert progress.events() == [(E.WAVE_START, 1), (E.WAVE_DONE, 1), (E.WAVE_START, 2), (E.WAVE_DONE, 2),
                                 (E.FINISHED, 2)]


def test_keep_going_sends_every_wave_and_ends_with_a_partial_failure(client, fleet):
    fleet.set_never_returns(NEVER_BACK)
    progress = Recorder()
    error = raised(lambda: client.restart(FLEET, wave=5, wait=WAVE_WAIT, keep_going=True, progress=progress),
                   dcs.PartialFailure)
    assert error.results == [dcs.Result(i, U if i == NEVER_BACK else S) for i in FLEET]
    assert sent_waves(fleet) == WAVES
    check_progress(progress, FLEET, error.results, WAVES)


def test_a_rolling_restart_of_a_healthy_fleet_succeeds_wave_after_wave(client, fleet):
    progress = Recorder()
    started = time.monotonic()
    assert client.restart(FLEET, wave=5, pause=0.3, progress=progress) == [dcs.Result(i, S) for i in FLEET]
    assert time.monotonic() - started >= 2 * 0.3  # the pause, between waves 1-2 and 2-3
    assert sent_waves(fleet) == WAVES
    # wave= waits for each wave by default (DEFAULT_WAIT_SECONDS): every instance was polled.
    assert fleet.stats()["status_gets"] >= 2 * len(FLEET)
    check_progress(progress, FLEET, [dcs.Result(i, S) for i in FLEET], WAVES)
    assert progress.events() == [(E.WAVE_START, 1), (E.WAVE_DONE, 1), (E.WAVE_START, 2), (E.WAVE_DONE, 2),
                                 (E.WAVE_START, 3), (E.WAVE_DONE, 3), (E.FINISHED, 3)]


def test_soft_restart_and_call_roll_the_same_way(client, fleet):
    assert client.soft_restart(FLEET[:4], wave=2, wait=WAVE_WAIT) == [dcs.Result(i, S) for i in FLEET[:4]]
    assert client.call("restart", FLEET[4:7], wave=1) == [dcs.Result(i, S) for i in FLEET[4:7]]
    assert [b["action"] for b in map(json.loads, (r["body"] for r in fleet.requests() if r["method"] == "PUT"))] == \
        ["soft_restart"] * 2 + ["restart"] * 3
    assert sent_waves(fleet) == [FLEET[0:2], FLEET[2:4], [FLEET[4]], [FLEET[5]], [FLEET[6]]]


# --- cancel and deadline between waves ----------------------------------------------------------

def test_a_cancel_at_the_end_of_wave_1_sends_nothing_after(client, fleet, token):
    def cancel_after_wave_1(progress):
        if progress.event is E.WAVE_DONE and progress.wave == 1:
            token.cancel()

    progress = Recorder(then=cancel_after_wave_1)
    error = raised(lambda: client.restart(FLEET, wave=5, cancel=token, progress=progress), dcs.Cancelled)
    assert error.results == [dcs.Result(i, S) for i in WAVES[0]] + [dcs.Result(i, N) for i in WAVES[1] + WAVES[2]]
    assert sent_waves(fleet) == WAVES[:1]
    check_progress(progress, FLEET, error.results, WAVES)


def test_a_cancel_during_the_pause_ends_the_call_at_once(client, fleet, token):
    timers = []

    def cancel_soon_after_wave_1(progress):
        if progress.event is E.WAVE_DONE and progress.wave == 1:
            timers.append(threading.Timer(0.3, token.cancel))  # within the 30 s pause
            timers[-1].start()

    started = time.monotonic()
    error = raised(lambda: client.restart(FLEET, wave=5, pause=30, cancel=token,
                                          progress=Recorder(then=cancel_soon_after_wave_1)), dcs.Cancelled)
    assert time.monotonic() - started < 10  # not the 30 s pause
    for timer in timers:
        timer.join()
    assert error.results == [dcs.Result(i, S) for i in WAVES[0]] + [dcs.Result(i, N) for i in WAVES[1] + WAVES[2]]
    assert sent_waves(fleet) == WAVES[:1]


def test_cancel_all_between_waves_is_a_cancel_too(client, fleet):
    def cancel_all_after_wave_1(progress):
        if progress.event is E.WAVE_DONE and progress.wave == 1:
            client.cancel_all()  # triggers a token: no call into the client's C calls

    error = raised(lambda: client.restart(FLEET, wave=5, progress=cancel_all_after_wave_1), dcs.Cancelled)
    assert [r.outcome for r in error.results] == [S] * 5 + [N] * 7
    assert sent_waves(fleet) == WAVES[:1]


def test_the_deadline_bounds_the_whole_rolling_call(client, fleet):
    started = time.monotonic()
    error = raised(lambda: client.restart(FLEET, wave=5, pause=30, timeout=3), dcs.Timeout)
    assert time.monotonic() - started < 5
    assert [r.outcome for r in error.results] == [S] * 5 + [N] * 7
    assert sent_waves(fleet) == WAVES[:1]


# --- the progress callable ------------------------------------------------------------------------

def test_progress_without_wave_reports_one_wave(client, fleet):
    progress = Recorder()
    results = client.flush(FLEET[:3], progress=progress)
    assert results == [dcs.Result(i, S) for i in FLEET[:3]]
    check_progress(progress, FLEET[:3], results, [FLEET[:3]])
    assert progress.events() == [(E.WAVE_START, 1), (E.WAVE_DONE, 1), (E.FINISHED, 1)]
    assert fleet.stats()["status_gets"] == 0  # no wave=: no wait


def test_progress_of_a_partial_failure_counts_the_failed(client, fleet):
    fleet.set_instance_status(FLEET[1], "FROZEN")
    progress = Recorder()
    error = raised(lambda: client.restart(FLEET[:3], wait=WAVE_WAIT, progress=progress), dcs.PartialFailure)
    assert [r.outcome for r in error.results] == [S, F, S]
    check_progress(progress, FLEET[:3], error.results, [FLEET[:3]])
    assert progress.reports[-1].failed == 1


def test_an_exception_in_progress_cancels_the_call_and_is_raised_after_it(client, fleet):
    class Broken(Exception):
        pass

    calls = []

    def broken_after_wave_1(progress):
        calls.append(progress)
        if progress.event is E.WAVE_DONE:
            raise Broken("the progress bar fell over")

    with pytest.raises(Broken, match="fell over") as info:
        client.restart(FLEET, wave=5, progress=broken_after_wave_1)
    # Not called again once it raised; the call stopped: nothing after wave 1 was sent.
    assert calls[-1].event is E.WAVE_DONE and calls[-1].wave == 1
    assert sent_waves(fleet) == WAVES[:1]
    cancelled = info.value.__context__
    assert type(cancelled) is dcs.Cancelled
    assert [r.outcome for r in cancelled.results] == [S] * 5 + [N] * 7
    # The client is fine afterwards.
    assert client.flush(FLEET[:1]) == [dcs.Result(FLEET[0], S)]


def test_an_exception_at_the_last_report_replaces_the_results(client, fleet):
    def broken_at_the_end(progress):
        if progress.event is E.FINISHED:
            raise ValueError("too late to stop anything")

    with pytest.raises(ValueError, match="too late") as info:
        client.flush(FLEET[:2], progress=broken_at_the_end)
    assert info.value.__context__ is None  # the call itself succeeded
    assert fleet.stats()["status_puts"] == 1


def test_a_keyboard_interrupt_in_progress_is_raised_after_the_call(client, fleet):
    def interrupted(progress):
        if progress.event is E.WAVE_START and progress.wave == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        client.restart(FLEET, wave=5, progress=interrupted)
    assert sent_waves(fleet) == WAVES[:1]  # raised at the start of wave 2: it was not sent


def test_progress_works_from_any_thread_and_in_parallel(client, fleet):
    outcomes = {}

    def roll(ids):
        recorder = Recorder()
        outcomes[ids[0]] = (client.restart(ids, wave=2, progress=recorder), recorder)

    threads = [threading.Thread(target=roll, args=(wave,)) for wave in WAVES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for wave in WAVES:
        results, recorder = outcomes[wave[0]]
        assert results == [dcs.Result(i, S) for i in wave]
        assert {p.instance_id for p in recorder.reports if p.instance_id} == set(wave)  # only its own reports
        assert len(recorder.threads) == 1 and recorder.reports[-1].event is E.FINISHED


def test_progress_records_are_immutable_values():
    p = dcs.Progress(event=E.INSTANCE_DONE, wave=1, waves=1, total=1, done=1, succeeded=1, failed=0, unknown=0,
                     not_sent=0, in_progress=0, not_started=0, instance_id="a", index=0, outcome=S)
    with pytest.raises(AttributeError):
        p.done = 2
    assert p == dcs.Progress(E.INSTANCE_DONE, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, "a", 0, S) and hash(p) == hash(p)
    assert "instance_id='a'" in repr(p)
    assert str(E.WAVE_DONE) == "wave_done" and [e.value for e in E] == [0, 1, 2, 3]


# --- arguments --------------------------------------------------------------------------------------

@pytest.mark.parametrize("options, error, message", [
    ({"pause": 5}, dcs.InvalidArgument, "pause needs wave"),
    ({"keep_going": True}, dcs.InvalidArgument, "keep_going needs wave"),
    ({"wave": 0}, dcs.InvalidArgument, "wave must be from 1 to 10000"),
    ({"wave": 10001}, dcs.InvalidArgument, "wave must be from 1 to 10000"),
    ({"wave": -1}, dcs.InvalidArgument, "wave must be from 1"),
    ({"wave": True}, TypeError, "wave must be an int"),
    ({"wave": 2.0}, TypeError, "wave must be an int"),
    ({"wave": "5"}, TypeError, "wave must be an int"),
    ({"wave": 5, "pause": -1}, dcs.InvalidArgument, "pause must be from 0"),
    ({"wave": 5, "pause": float("nan")}, dcs.InvalidArgument, "pause must be from 0"),
    ({"wave": 5, "pause": "1"}, TypeError, "pause must be a number of seconds"),
    ({"wave": 5, "pause": None}, TypeError, "pause must be a number of seconds"),
    ({"wave": 5, "keep_going": 1}, TypeError, "keep_going must be a bool"),
    ({"progress": "print"}, TypeError, "progress must be callable"),
])
def test_bad_rolling_arguments_are_refused_naming_them_before_any_c_call(fleet, native, options, error, message):
    with client_of(fleet) as client:
        before = native.c_calls()
        with pytest.raises(error, match=message):
            client.restart(FLEET, **options)
        assert native.c_calls() == before
    assert fleet.stats()["api_requests"] == 0


def test_the_options_reach_c_as_the_header_says(client, fleet, monkeypatch):
    """Without the new keywords, the version 3 fields stay at their defaults (the fast path);
    with them, in C's units; wave= implies wait=True unless wait says otherwise."""
    from dcs import _native

    seen = []
    real = _native.library().dcs_call

    def spy(handle, action, ids, count, options, *out):
        o = options._obj
        seen.append((o.version, o.wait_running_ms, o.wave_size, o.wave_pause_ms, o.keep_going, bool(o.progress),
                     o.progress_user))
        return real(handle, action, ids, count, options, *out)

    monkeypatch.setattr(_native.library(), "dcs_call", spy)
    client.flush(FLEET[:1])
    client.restart(FLEET[:1], wait=1.5)
    client.restart(FLEET[:2], wave=1, pause=0.25, keep_going=True, progress=lambda p: None)
    client.restart(FLEET[2:4], wave=1, wait=False)  # not waited on: still restarting after
    client.restart(FLEET[4:6], wave=2, wait=3)
    assert seen == [(3, 0, 0, 0, 0, False, None), (3, 1500, 0, 0, 0, False, None),
                    (3, dcs.DEFAULT_WAIT_SECONDS * 1000, 1, 250, 1, True, None),
                    (3, 0, 1, 0, 0, False, None), (3, 3000, 2, 0, 0, False, None)]


def test_a_version_2_options_struct_still_works_unchanged(client, fleet):
    """A caller built before version 3 passes a 24-byte struct: the library reads none of what
    lies after it (here a wave_size of 1 that would split the call into three requests)."""
    from dcs import _native

    class Version2(ctypes.Structure):
        _fields_ = _native.CallOptions._fields_[:4]

    assert ctypes.sizeof(Version2) == 24
    buffer = _native.CallOptions(2, 0, None, 0, 1)  # version 2, then bytes that are not the caller's
    assert buffer.wave_size == 1
    results, err = _native.ResultsHandle(), _native.ErrorHandle()
    lib = _native.library()
    ids = [i.encode() for i in FLEET[:3]]
    status = lib.dcs_call(client._handle, dcs.Action.FLUSH.value, (ctypes.c_char_p * 3)(*ids), 3,
                          ctypes.byref(buffer), ctypes.byref(results), ctypes.byref(err))
    try:
        assert status == dcs.Status.OK and lib.dcs_results_count(results) == 3
    finally:
        lib.dcs_results_free(results)
        lib.dcs_error_free(err)
    assert sent_waves(fleet) == [FLEET[:3]]  # one request: no waves
