package dcs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

func TestNewNamesAreTheCNames(t *testing.T) {
	if StatusCancelled.String() != "DCS_ECANCELED" || int(StatusCancelled) != -8 {
		t.Errorf("StatusCancelled = %d %q", int(StatusCancelled), StatusCancelled)
	}
	statuses := map[InstanceStatus]string{
		InstanceOther: "OTHER", InstanceCreating: "CREATING", InstanceCreateFailed: "CREATEFAILED",
		InstanceRunning: "RUNNING", InstanceError: "ERROR", InstanceRestarting: "RESTARTING",
		InstanceFrozen: "FROZEN", InstanceExtending: "EXTENDING", InstanceRestoring: "RESTORING", InstanceFlushing: "FLUSHING",
		InstanceStatus(99): "OTHER", InstanceStatus(-1): "OTHER", InstanceStatus(1<<32 + 3): "OTHER",
	}
	for s, name := range statuses {
		if s.String() != name {
			t.Errorf("InstanceStatus(%d).String() = %q, expected %q", int(s), s, name)
		}
	}
	levels := map[LogLevel]string{
		LogDebug: "debug", LogInfo: "info", LogWarn: "warn", LogError: "error",
		LogLevel(9): "invalid", LogLevel(-1): "invalid", LogLevel(1<<32 + 1): "invalid",
	}
	for l, name := range levels {
		if l.String() != name {
			t.Errorf("LogLevel(%d).String() = %q, expected %q", int(l), l, name)
		}
	}
}

func TestInstanceStatus(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	for id, want := range map[string]InstanceStatus{emulator.Running6: InstanceRunning, emulator.Frozen: InstanceFrozen} {
		got, err := client.InstanceStatus(ctx, id)
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; expected %v", id, got, err, want)
		}
	}
	if err := emu.SetInstanceStatus(emulator.Running5, "ERROR"); err != nil {
		t.Fatal(err)
	}
	if got, err := client.InstanceStatus(ctx, emulator.Running5); err != nil || got != InstanceError {
		t.Errorf("after ERROR was set: %v, %v", got, err)
	}

	got, err := client.InstanceStatus(ctx, "no-such-instance")
	e := dcsError(t, err, StatusAPI)
	if got != InstanceOther || e.HTTPStatus != 404 || e.Code != "DCS.3022" || e.RequestID == "" {
		t.Errorf("unknown instance: %v, %+v", got, *e)
	}

	// Bad arguments: nothing sent.
	for id, message := range map[string]string{
		"bad\nid": "instance_id holds a control character", "bad\x00id": "instance_id holds a NUL byte",
		"": "instance_id is empty",
	} {
		got, err := client.InstanceStatus(ctx, id)
		if e := dcsError(t, err, StatusInvalid); got != InstanceOther || !strings.Contains(e.Message, message) {
			t.Errorf("%q: %v, %+v", id, got, *e)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	got, err = client.InstanceStatus(cancelled, emulator.Running6)
	if got != InstanceOther || !IsCancelled(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v, %v", got, err)
	}
	if s := stats(t); s.StatusGets != 4 || s.APIRequests != 4 {
		t.Errorf("the emulator saw %+v, expected the 4 valid queries", s)
	}

	client.Close()
	_, err = client.InstanceStatus(ctx, emulator.Running6)
	checkClosedError(t, nil, err)
	var none *Client
	if _, err := none.InstanceStatus(ctx, emulator.Running6); !IsInvalid(err) {
		t.Errorf("nil client: %v", err)
	}
}

// ctx ends a status query in the library (dcs_get_instance_status_with): a
// cancel within about 50 ms, a deadline as the query's own; Close then has
// nothing to wait for.
func TestInstanceStatusEndsWhenCtxEnds(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "delay", 2, 0, map[string]interface{}{"ms": 1500})

	cancelled, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(200*time.Millisecond, cancel)
	defer timer.Stop()
	started := time.Now()
	got, err := client.InstanceStatus(cancelled, emulator.Running6)
	if elapsed := time.Since(started); elapsed > scaled(800*time.Millisecond) {
		t.Errorf("returned after %v", elapsed)
	}
	e := dcsError(t, err, StatusCancelled)
	if got != InstanceOther || !errors.Is(err, context.Canceled) || !strings.Contains(e.Message, "cancelled") {
		t.Errorf("%v, %+v", got, *e)
	}

	deadlineCtx, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	started = time.Now()
	got, err = client.InstanceStatus(deadlineCtx, emulator.Running5)
	if elapsed := time.Since(started); elapsed > scaled(800*time.Millisecond) {
		t.Errorf("deadline: returned after %v", elapsed)
	}
	if got != InstanceOther || !IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v, %v", got, err)
	}

	closing := time.Now()
	client.Close() // no query runs any more
	if waited := time.Since(closing); waited > scaled(300*time.Millisecond) {
		t.Errorf("Close returned after %v, with no query in flight", waited)
	}
	if s := stats(t); s.StatusGets != 2 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestWaitRunningWhenAllRun(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6, emulator.Running5}
	results, err := client.WaitRunning(ctx, 10*time.Second, ids...)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	if s := stats(t); s.StatusGets < 4 || s.StatusPuts != 0 { // RUNNING twice in a row each, nothing changed
		t.Errorf("the emulator saw %+v", s)
	}
}

// Restarted instances stay RESTARTING for 0.5 s here.
func TestRestartThenWaitRunning(t *testing.T) {
	quick := startEmulator(t, "--restart-seconds", "0.5")
	client := clientFor(t, quick, nil)
	ids := []string{emulator.Running6, emulator.Running5}
	if _, err := client.Restart(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	if got, err := client.InstanceStatus(ctx, emulator.Running6); err != nil || got != InstanceRestarting {
		t.Fatalf("right after the restart: %v, %v", got, err)
	}
	started := time.Now()
	results, err := client.WaitRunning(ctx, 20*time.Second, ids...)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	if elapsed := time.Since(started); elapsed > scaled(10*time.Second) {
		t.Errorf("waited %v", elapsed)
	}
	if got, err := client.InstanceStatus(ctx, emulator.Running6); err != nil || got != InstanceRunning {
		t.Errorf("after the wait: %v, %v", got, err)
	}
}

// Restarted instances stay RESTARTING for 60 s here.
func TestWaitRunningTimesOutAndFails(t *testing.T) {
	slow := startEmulator(t, "--restart-seconds", "60")
	client := clientFor(t, slow, nil)
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	ids := []string{emulator.Running6, emulator.Frozen, "no-such-instance", emulator.Running5}
	started := time.Now()
	results, err := client.WaitRunning(ctx, 1500*time.Millisecond, ids...)
	elapsed := time.Since(started)
	checkResults(t, results, ids, OutcomeUnknown, OutcomeFailed, OutcomeFailed, OutcomeSuccess)
	e := dcsError(t, err, StatusTimeout)
	if !strings.Contains(e.Message, "1 of 4 instances not RUNNING after 1500 ms") ||
		!strings.Contains(e.Message, emulator.Running6+" (RESTARTING)") {
		t.Errorf("error %+v", *e)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v wraps context.DeadlineExceeded, but ctx had no deadline", err)
	}
	if elapsed < 1400*time.Millisecond || elapsed > scaled(4*time.Second) {
		t.Errorf("waited %v, expected about 1.5 s", elapsed)
	}

	// Without one that timed out: the failed ones make a partial result.
	if err := slow.SetInstanceStatus(emulator.Running4, "ERROR"); err != nil {
		t.Fatal(err)
	}
	settled := []string{emulator.Frozen, emulator.Running5, emulator.Running4}
	results, err = client.WaitRunning(ctx, 5*time.Second, settled...)
	checkResults(t, results, settled, OutcomeFailed, OutcomeSuccess, OutcomeFailed)
	e = dcsError(t, err, StatusPartial)
	if !IsPartial(err) || !strings.Contains(e.Message, emulator.Frozen+" (FROZEN)") ||
		!strings.Contains(e.Message, emulator.Running4+" (ERROR)") {
		t.Errorf("error %+v", *e)
	}

	// ctx's deadline, shorter than the timeout, ends the wait: a timeout wrapping DeadlineExceeded.
	deadlineCtx, cancel := context.WithTimeout(ctx, 700*time.Millisecond)
	defer cancel()
	started = time.Now()
	results, err = client.WaitRunning(deadlineCtx, time.Minute, emulator.Running6)
	checkResults(t, results, []string{emulator.Running6}, OutcomeUnknown)
	if !IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v", err)
	}
	if elapsed := time.Since(started); elapsed > scaled(1500*time.Millisecond) {
		t.Errorf("returned after %v with a 700 ms deadline", elapsed)
	}
}

func TestWaitArgumentsAreChecked(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	for _, d := range []time.Duration{0, -time.Second} {
		results, err := client.WaitRunning(ctx, d, emulator.Running6)
		if e := dcsError(t, err, StatusInvalid); results != nil || !strings.Contains(e.Message, "timeout is "+d.String()) {
			t.Errorf("WaitRunning(%v): %v, %+v", d, results, *e)
		}
		results, err = client.RestartAndWait(ctx, d, emulator.Running6)
		if e := dcsError(t, err, StatusInvalid); results != nil || !strings.Contains(e.Message, "wait is "+d.String()) {
			t.Errorf("RestartAndWait(%v): %v, %+v", d, results, *e)
		}
	}
	results, err := client.WaitRunning(ctx, time.Second, emulator.Running6, emulator.Running6)
	if e := dcsError(t, err, StatusInvalid); results != nil || !strings.Contains(e.Message, "instance_ids[1]") {
		t.Errorf("a repeated id: %v, %+v", results, *e)
	}
	if _, err := client.WaitRunning(ctx, time.Second); !IsInvalid(err) {
		t.Errorf("no ids: %v", err)
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// Restarted instances stay RESTARTING for 0.5 s here: the wait's outcomes
// replace the restart's, in one call.
func TestRestartAndWait(t *testing.T) {
	quick := startEmulator(t, "--restart-seconds", "0.5")
	client := clientFor(t, quick, nil)

	ids := []string{emulator.Running6, emulator.Running5}
	results, err := client.RestartAndWait(ctx, 20*time.Second, ids...)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	for _, id := range ids { // without the wait they would still be RESTARTING
		if got, err := client.InstanceStatus(ctx, id); err != nil || got != InstanceRunning {
			t.Errorf("%s after RestartAndWait: %v, %v", id, got, err)
		}
	}

	ids = []string{emulator.Running6, emulator.Frozen, emulator.Running5}
	results, err = client.SoftRestartAndWait(ctx, 20*time.Second, ids...)
	checkResults(t, results, ids, OutcomeSuccess, OutcomeFailed, OutcomeSuccess)
	dcsError(t, err, StatusPartial)
	if got, err := client.InstanceStatus(ctx, emulator.Running5); err != nil || got != InstanceRunning {
		t.Errorf("after SoftRestartAndWait: %v, %v", got, err)
	}

	results, err = client.FlushAndWait(ctx, 20*time.Second, emulator.Running4)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, []string{emulator.Running4}, OutcomeSuccess)
	s, err := quick.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.StatusPuts != 3 || s.StatusGets < 2*2+2*2+2 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestRestartAndWaitTooShort(t *testing.T) {
	slow := startEmulator(t, "--restart-seconds", "60")
	client := clientFor(t, slow, nil)
	results, err := client.RestartAndWait(ctx, 700*time.Millisecond, emulator.Running6)
	checkResults(t, results, []string{emulator.Running6}, OutcomeUnknown)
	if e := dcsError(t, err, StatusTimeout); !strings.Contains(e.Message, "not RUNNING after 700 ms") {
		t.Errorf("error %+v", *e)
	}
}
