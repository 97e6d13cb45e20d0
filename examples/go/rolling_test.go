package dcs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

// rollingIDs are the instances of rollingFleet: three waves of 5, 5 and 2.
var rollingIDs = func() []string {
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("roll-%02d", i+1)
	}
	return ids
}()

// atTheGate is the instance of wave 2 that the gate tests never let come back.
const atTheGate = "roll-07"

// rollingWait bounds each wave's wait: long enough for a restart of 0.2 s to
// be seen RUNNING twice, and what the instance that never comes back costs.
var rollingWait = scaled(2 * time.Second)

// rollingFleet starts an emulator of the test's own whose fleet is the 12
// rollingIDs (restarts take 0.2 s), those of neverReturning staying
// RESTARTING for good once restarted; it records requests.
func rollingFleet(t *testing.T, neverReturning ...string) *emulator.Emulator {
	t.Helper()
	fleet := make([]emulator.FleetInstance, len(rollingIDs))
	for i, id := range rollingIDs {
		fleet[i] = emulator.FleetInstance{ID: id, Name: "rolling-" + id[len("roll-"):], EngineVersion: "6.0",
			Status: "RUNNING", Tags: map[string]string{"role": "session-cache"}}
		for _, never := range neverReturning {
			fleet[i].NeverReturns = fleet[i].NeverReturns || never == id
		}
	}
	e, err := emulator.StartWithFleet(fleet, "--quiet", "--record-requests", "--restart-seconds", "0.2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

// progressLog records the reports of a call. No lock: the reports come on the
// goroutine making the call, during it (the race detector checks this).
type progressLog struct {
	reports []Progress
	then    func(Progress) // called after recording, when set
}

func (l *progressLog) record(p Progress) {
	l.reports = append(l.reports, p)
	if l.then != nil {
		l.then(p)
	}
}

// wavesStarted are the waves a ProgressWaveStart announced, in order.
func (l *progressLog) wavesStarted() []int {
	var waves []int
	for _, p := range l.reports {
		if p.Event == ProgressWaveStart {
			waves = append(waves, p.Wave)
		}
	}
	return waves
}

func (l *progressLog) find(event ProgressEvent, wave int) (Progress, bool) {
	for _, p := range l.reports {
		if p.Event == event && p.Wave == wave {
			return p, true
		}
	}
	return Progress{}, false
}

// checkProgress fails unless the reports keep their promises for a call on
// ids in waves of waveSize (0: one wave) that returned results: the counts
// add up in every report; waves start, report their instances and end in
// order; every id that was sent is reported once, with its index and its
// outcome in the results; the one ProgressFinished comes last and agrees with
// the results.
func checkProgress(t *testing.T, l *progressLog, ids []string, waveSize int, results []Result) {
	t.Helper()
	waves := 1
	if waveSize > 0 {
		waves = (len(ids) + waveSize - 1) / waveSize
	}
	waveOf := func(index int) int {
		if waveSize == 0 {
			return 1
		}
		return index/waveSize + 1
	}
	if len(l.reports) == 0 {
		t.Fatal("no progress report")
	}
	reported := map[int]bool{}
	currentWave, inWave := 0, false
	previous := Progress{NotStarted: len(ids)}
	for n, p := range l.reports {
		where := fmt.Sprintf("report %d (%s of wave %d): %+v", n, p.Event, p.Wave, p)
		if p.Total != len(ids) || p.Waves != waves {
			t.Errorf("%s: expected total %d in %d waves", where, len(ids), waves)
		}
		if p.Total != p.Done+p.InProgress+p.NotStarted || p.Done != p.Succeeded+p.Failed+p.Unknown+p.NotSent {
			t.Errorf("%s: the counts do not add up", where)
		}
		if p.Done < previous.Done || p.NotStarted > previous.NotStarted || p.Succeeded < previous.Succeeded ||
			p.Failed < previous.Failed || p.Unknown < previous.Unknown || p.NotSent < previous.NotSent {
			t.Errorf("%s: a count went backwards from %+v", where, previous)
		}
		if p.Event != ProgressInstanceDone && (p.InstanceID != "" || p.Index != 0 || p.Outcome != OutcomeNotSent) {
			t.Errorf("%s: instance fields outside ProgressInstanceDone", where)
		}
		switch p.Event {
		case ProgressWaveStart:
			if inWave || p.Wave != currentWave+1 {
				t.Errorf("%s: after wave %d (still in it: %v)", where, currentWave, inWave)
			}
			currentWave, inWave = p.Wave, true
		case ProgressInstanceDone:
			switch {
			case !inWave || p.Wave != currentWave:
				t.Errorf("%s: outside wave %d", where, currentWave)
			case p.Index < 0 || p.Index >= len(ids) || ids[p.Index] != p.InstanceID:
				t.Errorf("%s: not the id at its index", where)
			case reported[p.Index]:
				t.Errorf("%s: reported twice", where)
			case waveOf(p.Index) != p.Wave:
				t.Errorf("%s: the id belongs to wave %d", where, waveOf(p.Index))
			case p.Outcome != results[p.Index].Outcome:
				t.Errorf("%s: its result is %s", where, results[p.Index].Outcome)
			}
			reported[p.Index] = true
		case ProgressWaveDone:
			if !inWave || p.Wave != currentWave || p.InProgress != 0 {
				t.Errorf("%s: not the end of wave %d", where, currentWave)
			}
			inWave = false
		case ProgressFinished:
			if n != len(l.reports)-1 {
				t.Errorf("%s: not the last report", where)
			}
		}
		previous = p
	}

	last := l.reports[len(l.reports)-1]
	want := Progress{Event: ProgressFinished, Wave: currentWave, Waves: waves, Total: len(ids), Done: len(ids),
		Outcome: OutcomeNotSent}
	for _, r := range results {
		switch r.Outcome {
		case OutcomeSuccess:
			want.Succeeded++
		case OutcomeFailed:
			want.Failed++
		case OutcomeUnknown:
			want.Unknown++
		case OutcomeNotSent:
			want.NotSent++
		}
	}
	if last != want {
		t.Errorf("the last report %+v, expected %+v from the results", last, want)
	}
	for i, r := range results {
		if r.Outcome != OutcomeNotSent && !reported[i] {
			t.Errorf("%s (%s) was sent but never reported", r.InstanceID, r.Outcome)
		}
	}
}

// putBodies are the status PUTs the emulator saw, oldest first.
func putBodies(t *testing.T, e *emulator.Emulator) [][]string {
	t.Helper()
	requests, err := e.Requests()
	if err != nil {
		t.Fatal(err)
	}
	var bodies [][]string
	for _, r := range requests {
		if r.Method != "PUT" {
			continue
		}
		var body emulator.StatusBody
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("%v in %q", err, r.Body)
		}
		bodies = append(bodies, body.Instances)
	}
	return bodies
}

func outcomesOf(results []Result) []Outcome {
	outcomes := make([]Outcome, len(results))
	for i, r := range results {
		outcomes[i] = r.Outcome
	}
	return outcomes
}

// repeatOutcome is n times o.
func repeatOutcome(o Outcome, n int) []Outcome {
	outcomes := make([]Outcome, n)
	for i := range outcomes {
		outcomes[i] = o
	}
	return outcomes
}

func concatOutcomes(parts ...[]Outcome) []Outcome {
	var all []Outcome
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

// 12 instances in waves of 5; roll-07, in wave 2, never comes back: waves 1
// and 2 are sent, wave 3 is not, and the error says why and names it.
func TestRollingRestartStopsAtTheHealthGate(t *testing.T) {
	e := rollingFleet(t, atTheGate)
	client := clientFor(t, e, nil)
	var progress progressLog
	results, err := client.Call(ctx, ActionRestart, rollingIDs,
		CallOptions{Wait: rollingWait, WaveSize: 5, Progress: progress.record})

	want := concatOutcomes(repeatOutcome(OutcomeSuccess, 6), []Outcome{OutcomeUnknown},
		repeatOutcome(OutcomeSuccess, 3), repeatOutcome(OutcomeNotSent, 2))
	checkResults(t, results, rollingIDs, want...)
	e2 := dcsError(t, err, StatusStopped)
	if !IsStopped(err) || IsPartial(err) || !strings.Contains(e2.Message, atTheGate) || !strings.Contains(e2.Message, "wave 2") {
		t.Errorf("error %+v: expected the gate, naming wave 2 and %s", *e2, atTheGate)
	}
	if bodies := putBodies(t, e); !reflect.DeepEqual(bodies, [][]string{rollingIDs[:5], rollingIDs[5:10]}) {
		t.Errorf("the emulator was sent %v, expected waves 1 and 2 only", bodies)
	}
	if s, err := e.Stats(); err != nil || s.StatusPuts != 2 {
		t.Errorf("the emulator saw %+v (%v)", s, err)
	}

	checkProgress(t, &progress, rollingIDs, 5, results)
	if waves := progress.wavesStarted(); !reflect.DeepEqual(waves, []int{1, 2}) {
		t.Errorf("waves started: %v", waves)
	}
	// The wave that stopped counts the ids it kept from being sent.
	if done, ok := progress.find(ProgressWaveDone, 2); !ok || done.NotSent != 2 || done.NotStarted != 0 || done.Unknown != 1 {
		t.Errorf("the end of wave 2: %+v", done)
	}
}

// The same with KeepGoing: every wave is sent, and the call is partial.
// SetNeverReturns stands in for the fleet file here.
func TestRollingRestartWithKeepGoingSendsEveryWave(t *testing.T) {
	e := rollingFleet(t)
	if err := e.SetNeverReturns(atTheGate, true); err != nil {
		t.Fatal(err)
	}
	client := clientFor(t, e, nil)
	var progress progressLog
	results, err := client.Call(ctx, ActionRestart, rollingIDs,
		CallOptions{Wait: rollingWait, WaveSize: 5, KeepGoing: true, Progress: progress.record})

	want := repeatOutcome(OutcomeSuccess, 12)
	want[6] = OutcomeUnknown
	checkResults(t, results, rollingIDs, want...)
	if !IsPartial(err) {
		t.Errorf("error %v, expected a partial success", err)
	}
	if bodies := putBodies(t, e); !reflect.DeepEqual(bodies, [][]string{rollingIDs[:5], rollingIDs[5:10], rollingIDs[10:]}) {
		t.Errorf("the emulator was sent %v, expected the three waves", bodies)
	}
	checkProgress(t, &progress, rollingIDs, 5, results)
	if waves := progress.wavesStarted(); !reflect.DeepEqual(waves, []int{1, 2, 3}) {
		t.Errorf("waves started: %v", waves)
	}
}

// Cancelling ctx from the Progress func at the end of wave 1: wave 1 is
// reported as it went, nothing after it is sent.
func TestRollingCallCancelledFromProgressBetweenWaves(t *testing.T) {
	e := rollingFleet(t)
	client := clientFor(t, e, nil)
	cancellable, cancel := context.WithCancel(ctx)
	defer cancel()
	progress := progressLog{then: func(p Progress) {
		if p.Event == ProgressWaveDone && p.Wave == 1 {
			cancel()
		}
	}}
	results, err := client.Call(cancellable, ActionRestart, rollingIDs,
		CallOptions{Wait: rollingWait, WaveSize: 5, Progress: progress.record})

	checkResults(t, results, rollingIDs, concatOutcomes(repeatOutcome(OutcomeSuccess, 5), repeatOutcome(OutcomeNotSent, 7))...)
	if !IsCancelled(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, expected a cancellation", err)
	}
	if bodies := putBodies(t, e); !reflect.DeepEqual(bodies, [][]string{rollingIDs[:5]}) {
		t.Errorf("the emulator was sent %v, expected wave 1 only", bodies)
	}
	checkProgress(t, &progress, rollingIDs, 5, results)
	// Without a pause the library may still announce wave 2, whose ids it
	// then finds not sendable: nothing after wave 1 is reported sent.
	for _, p := range progress.reports {
		if p.Event == ProgressInstanceDone && p.Wave > 1 && p.Outcome != OutcomeNotSent {
			t.Errorf("after the cancellation: %+v", p)
		}
	}
	if waves := progress.wavesStarted(); len(waves) > 2 {
		t.Errorf("waves started: %v", waves)
	}
}

// Cancelled from another goroutine during a long pause between waves: the
// call ends at once, not after the pause.
func TestRollingCallCancelledDuringThePause(t *testing.T) {
	e := rollingFleet(t)
	client := clientFor(t, e, nil)
	cancellable, cancel := context.WithCancel(ctx)
	defer cancel()
	waveOneDone := make(chan time.Time, 1)
	progress := progressLog{then: func(p Progress) {
		if p.Event == ProgressWaveDone && p.Wave == 1 {
			waveOneDone <- time.Now()
		}
	}}
	go func() {
		<-waveOneDone
		time.Sleep(200 * time.Millisecond) // into the pause
		cancel()
	}()
	started := time.Now()
	results, err := client.Call(cancellable, ActionRestart, rollingIDs,
		CallOptions{Wait: rollingWait, WaveSize: 5, WavePause: time.Minute, Progress: progress.record})
	elapsed := time.Since(started)

	checkResults(t, results, rollingIDs, concatOutcomes(repeatOutcome(OutcomeSuccess, 5), repeatOutcome(OutcomeNotSent, 7))...)
	if !IsCancelled(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, expected a cancellation", err)
	}
	if elapsed > rollingWait+scaled(time.Second) {
		t.Errorf("the call returned after %v, in a pause of a minute", elapsed)
	}
	if s, err := e.Stats(); err != nil || s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v (%v)", s, err)
	}
	checkProgress(t, &progress, rollingIDs, 5, results)
}

// ctx's deadline, due during a pause, ends the call: StatusTimeout, the later
// waves not sent. (The library sees that the next wave would start after the
// deadline and ends the call at once, before the deadline passes: so the
// error need not wrap context.DeadlineExceeded.)
func TestRollingCallDeadlineDuringThePause(t *testing.T) {
	e := rollingFleet(t)
	client := clientFor(t, e, nil)
	bounded, cancel := context.WithTimeout(ctx, rollingWait+scaled(500*time.Millisecond))
	defer cancel()
	started := time.Now()
	results, err := client.Call(bounded, ActionRestart, rollingIDs, CallOptions{Wait: rollingWait, WaveSize: 5, WavePause: time.Minute})
	elapsed := time.Since(started)

	checkResults(t, results, rollingIDs, concatOutcomes(repeatOutcome(OutcomeSuccess, 5), repeatOutcome(OutcomeNotSent, 7))...)
	if e := dcsError(t, err, StatusTimeout); !strings.Contains(e.Message, "deadline") {
		t.Errorf("error %v, expected the deadline", err)
	}
	if elapsed > rollingWait+scaled(1500*time.Millisecond) {
		t.Errorf("the call returned after %v", elapsed)
	}
	if s, err := e.Stats(); err != nil || s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v (%v)", s, err)
	}
}

// A panic in the Progress func does not reach the C frames: the call stops
// (wave 2 is never sent), the func is not called again, and the panic goes on
// with its value once the call returned and freed what it held. ctx has no
// Done channel: the call gets a cancel token all the same.
func TestProgressPanicIsRepanickedAndStopsTheCall(t *testing.T) {
	e := rollingFleet(t)
	client := clientFor(t, e, nil)
	type boom struct{ wave int }
	calls, afterPanic := 0, 0
	panicked := false
	report := func(p Progress) {
		calls++
		if panicked {
			afterPanic++
		}
		if p.Event == ProgressWaveDone && p.Wave == 1 {
			panicked = true
			panic(&boom{wave: 1})
		}
	}
	var results []Result
	recovered := func() (value interface{}) {
		defer func() { value = recover() }()
		results, _ = client.Call(context.Background(), ActionRestart, rollingIDs,
			CallOptions{Wait: rollingWait, WaveSize: 5, Progress: report})
		return nil
	}()

	if b, ok := recovered.(*boom); !ok || b.wave != 1 {
		t.Fatalf("recovered %#v, expected the Progress func's panic", recovered)
	}
	if results != nil || afterPanic != 0 || calls == 0 {
		t.Errorf("results %v; the func was called %d times, %d after its panic", results, calls, afterPanic)
	}
	if s, err := e.Stats(); err != nil || s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v (%v): wave 2 was sent", s, err)
	}
	if n := liveProgressHandles.Load(); n != 0 {
		t.Errorf("%d progress handles left", n)
	}
	// The client is unharmed.
	if _, err := client.Restart(ctx, rollingIDs[11]); err != nil {
		t.Errorf("a call after the panic: %v", err)
	}
}

// A plain call reports progress too, as one wave; the existing methods work
// unchanged beside it, and every handle is deleted.
func TestProgressOfAPlainCall(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6, emulator.Frozen, emulator.Running5}
	var progress progressLog
	results, err := client.Call(ctx, ActionSoftRestart, ids, CallOptions{Progress: progress.record})
	checkResults(t, results, ids, OutcomeSuccess, OutcomeFailed, OutcomeSuccess)
	if !IsPartial(err) {
		t.Errorf("error %v", err)
	}
	checkProgress(t, &progress, ids, 0, results)
	events := make([]ProgressEvent, len(progress.reports))
	for i, p := range progress.reports {
		events[i] = p.Event
	}
	want := []ProgressEvent{ProgressWaveStart, ProgressInstanceDone, ProgressInstanceDone, ProgressInstanceDone,
		ProgressWaveDone, ProgressFinished}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events %v, expected %v", events, want)
	}
	if bodies := requestBodies(t); len(bodies) != 1 || bodies[0].Action != "soft_restart" {
		t.Errorf("sent %+v", bodies)
	}
	if n := liveProgressHandles.Load(); n != 0 {
		t.Errorf("%d progress handles left", n)
	}
}

// WaveSize and WavePause reach the library: 120 ids in waves of 60 are four
// requests (50 + 10 twice), and the second wave starts a pause after the
// first ended.
func TestWaveSizeAndPauseReachTheLibrary(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := generatedIDs(120)
	pause := 300 * time.Millisecond
	var waveOneDone, waveTwoStart time.Time
	progress := progressLog{then: func(p Progress) {
		switch {
		case p.Event == ProgressWaveDone && p.Wave == 1:
			waveOneDone = time.Now()
		case p.Event == ProgressWaveStart && p.Wave == 2:
			waveTwoStart = time.Now()
		}
	}}
	results, err := client.Call(ctx, ActionFlush, ids, CallOptions{WaveSize: 60, WavePause: pause, Progress: progress.record})
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	var sizes []int
	for _, body := range requestBodies(t) {
		sizes = append(sizes, len(body.Instances))
	}
	if !reflect.DeepEqual(sizes, []int{50, 10, 50, 10}) {
		t.Errorf("requests of %v ids", sizes)
	}
	if gap := waveTwoStart.Sub(waveOneDone); gap < pause-10*time.Millisecond {
		t.Errorf("wave 2 started %v after wave 1 ended, expected the pause of %v", gap, pause)
	}
	checkProgress(t, &progress, ids, 60, results)
}

// Options out of range, an unknown action: StatusInvalid naming them,
// nothing sent, the Progress func never called.
func TestCallArgumentsOutOfRangeSendNothing(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6}
	called := false
	report := func(Progress) { called = true }
	cases := []struct {
		action  Action
		ids     []string
		opts    CallOptions
		message string
	}{
		{ActionRestart, ids, CallOptions{Wait: -time.Second, Progress: report}, "CallOptions.Wait is negative"},
		{ActionRestart, ids, CallOptions{WaveSize: -1, Progress: report}, "CallOptions.WaveSize is negative"},
		{ActionRestart, ids, CallOptions{WaveSize: 1, WavePause: -1, Progress: report}, "CallOptions.WavePause is negative"},
		{Action(7), ids, CallOptions{Progress: report}, "action"},
		{ActionRestart, []string{emulator.Running6, ""}, CallOptions{WaveSize: 1, Progress: report}, "instance_ids[1] is empty"},
		{ActionRestart, nil, CallOptions{WaveSize: 1, Progress: report}, "count"},
	}
	for _, c := range cases {
		results, err := client.Call(ctx, c.action, c.ids, c.opts)
		if e := dcsError(t, err, StatusInvalid); results != nil || !strings.Contains(e.Message, c.message) {
			t.Errorf("%v %v %+v: %v, %v; expected %q", c.action, c.ids, c.opts, results, err, c.message)
		}
	}
	if called {
		t.Error("the Progress func was called")
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
	if n := liveProgressHandles.Load(); n != 0 {
		t.Errorf("%d progress handles left", n)
	}
}

func TestRollingNamesAreTheCNames(t *testing.T) {
	if StatusStopped.String() != "DCS_ESTOPPED" || int(StatusStopped) != -9 {
		t.Errorf("StatusStopped = %d %q", int(StatusStopped), StatusStopped)
	}
	stopped := fmt.Errorf("rolling: %w", &Error{Status: StatusStopped, Message: "stopped after wave 1"})
	if !IsStopped(stopped) || IsPartial(stopped) || IsStopped(&Error{Status: StatusPartial}) || IsStopped(nil) {
		t.Error("IsStopped does not tell StatusStopped")
	}
	actions := map[Action]string{ActionRestart: "restart", ActionSoftRestart: "soft_restart", ActionFlush: "flush",
		Action(9): "Action(9)"}
	for a, name := range actions {
		if a.String() != name {
			t.Errorf("Action(%d).String() = %q", int(a), a)
		}
	}
	events := map[ProgressEvent]string{ProgressWaveStart: "wave_start", ProgressInstanceDone: "instance_done",
		ProgressWaveDone: "wave_done", ProgressFinished: "finished", ProgressEvent(4): "ProgressEvent(4)"}
	for ev, name := range events {
		if ev.String() != name {
			t.Errorf("ProgressEvent(%d).String() = %q", int(ev), ev)
		}
	}
	if ActionRestart != 0 || ActionSoftRestart != 1 || ActionFlush != 2 || ProgressWaveStart != 0 || ProgressFinished != 3 {
		t.Error("the values are not the C values")
	}
}
