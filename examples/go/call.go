package dcs

/*
#include <stdint.h>
#include "dcs.h"

// dcsGoProgress is exported by progress.go.
extern void dcsGoProgress(dcs_progress *progress, uintptr_t handle);

// The progress function given to the library; user is the cgo.Handle of the
// call's progressState.
static void dcs_go_progress(const dcs_progress *progress, void *user) {
	dcsGoProgress((dcs_progress *)progress, (uintptr_t)user);
}

// dcs_call_options_init starts from the library's defaults, so that a field a
// later header adds keeps its default; the version it sets says which fields
// the loaded library reads. progress 0: no progress reports.
static dcs_call_options dcs_go_call_options(uint32_t deadline_ms, dcs_cancel *cancel, uint32_t wait_running_ms,
                                            size_t wave_size, uint32_t wave_pause_ms, int keep_going,
                                            uintptr_t progress) {
	dcs_call_options options;
	dcs_call_options_init(&options, sizeof options);
	options.deadline_ms = deadline_ms;
	options.cancel = cancel;
	options.wait_running_ms = wait_running_ms;
	options.wave_size = wave_size;
	options.wave_pause_ms = wave_pause_ms;
	options.keep_going = keep_going;
	if (progress != 0) {
		options.progress = dcs_go_progress;
		options.progress_user = (void *)progress;
	}
	return options;
}
*/
import "C"

import (
	"context"
	"fmt"
	"runtime/cgo"
	"time"
)

// Action is what a call does to its instances, dcs_action in C.
type Action int

const (
	ActionRestart     Action = C.DCS_ACTION_RESTART      // force restart of the instance
	ActionSoftRestart Action = C.DCS_ACTION_SOFT_RESTART // restart of the Redis process only
	ActionFlush       Action = C.DCS_ACTION_FLUSH        // delete all data (Redis 4.0 and later): cannot be undone
)

// String is the action as the service and dcsctl name it: "restart",
// "soft_restart", "flush"; "Action(N)" for another value.
func (a Action) String() string {
	switch a {
	case ActionRestart:
		return "restart"
	case ActionSoftRestart:
		return "soft_restart"
	case ActionFlush:
		return "flush"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// CallOptions are the settings of one Call beyond ctx (dcs_call_options).
// The zero value is a plain call: one wave of every id, no waiting, no
// progress reports.
type CallOptions struct {
	// Wait: 0, return when the service has answered. Otherwise, then wait up
	// to Wait (rounded up to a millisecond; per wave with WaveSize) until the
	// instances the service acted on are RUNNING again, as RestartAndWait
	// does. Negative: StatusInvalid.
	Wait time.Duration

	// WaveSize: 0, one wave of every id. Otherwise a rolling call: the ids
	// are taken in order, WaveSize at a time; each wave is sent (in requests
	// of at most MaxIDsPerRequest), waited on (Wait), then WavePause passes,
	// then the next wave starts. The health gate: after a wave in which an
	// instance did not end RUNNING (failed, unknown, or not RUNNING within
	// Wait), the later waves are not sent (OutcomeNotSent) and the error is
	// StatusStopped (IsStopped), naming the wave and the instances. Without
	// Wait a wave is judged by the service's answers alone, so a rolling
	// restart almost always wants a Wait. Negative: StatusInvalid.
	WaveSize int

	// WavePause is the time between two waves (rounded up to a
	// millisecond); ignored without WaveSize. Negative: StatusInvalid.
	WavePause time.Duration

	// KeepGoing goes on past a wave with failures instead of stopping: every
	// wave is sent, and the error is StatusPartial when an instance did not
	// end RUNNING. A wave whose requests fail (transport, refusal, protocol),
	// ctx's deadline and its cancellation end the call whatever KeepGoing
	// says.
	KeepGoing bool

	// Progress, when set, is called as each wave starts, as each instance's
	// outcome becomes final, as each wave ends, and once when the call is over
	// (ProgressFinished, its counts those of the results); also for a call
	// without WaveSize (one wave). It runs on the goroutine making the call,
	// during the call, one report at a time, so it needs no locking against
	// the caller; it must return quickly and must not use the client (nor
	// Close it). Cancelling ctx from it stops the call before its next step:
	// no later wave is sent. A panic in it is stopped before it reaches the
	// library's C frames: the call is cancelled, Progress is not called again,
	// and the panic goes on, with the same value, once the call has returned
	// and let go of what it held (its results are lost with it). Like a
	// Logger, it must not call runtime.Goexit (t.FailNow): that cannot be
	// stopped before the C frames. Progress is not called for a call that
	// sends nothing because ctx was done before it or an argument was
	// refused.
	Progress func(Progress)
}

// ProgressEvent is what a Progress report is about, dcs_progress_event in C.
// The library only ever appends new ones: a Progress func ignores events it
// does not know.
type ProgressEvent int

const (
	ProgressWaveStart    ProgressEvent = C.DCS_PROGRESS_WAVE_START    // Wave is about to be sent: its ids move from NotStarted to InProgress
	ProgressInstanceDone ProgressEvent = C.DCS_PROGRESS_INSTANCE_DONE // the outcome of InstanceID is final (Outcome)
	ProgressWaveDone     ProgressEvent = C.DCS_PROGRESS_WAVE_DONE     // Wave is over: every id of it is done
	ProgressFinished     ProgressEvent = C.DCS_PROGRESS_FINISHED      // the call is over: the last report, its counts those of the results
)

// String is "wave_start", "instance_done", "wave_done", "finished";
// "ProgressEvent(N)" for another value.
func (e ProgressEvent) String() string {
	switch e {
	case ProgressWaveStart:
		return "wave_start"
	case ProgressInstanceDone:
		return "instance_done"
	case ProgressWaveDone:
		return "wave_done"
	case ProgressFinished:
		return "finished"
	}
	return fmt.Sprintf("ProgressEvent(%d)", int(e))
}

// Progress is the state of a call as a Progress func sees it (dcs_progress).
// In every report:
//
//	Total == Done + InProgress + NotStarted
//	Done  == Succeeded + Failed + Unknown + NotSent
//
// where Succeeded, Failed, Unknown and NotSent count the ids whose outcome is
// final. Ids that a stop (the health gate, ctx) kept from being sent get no
// ProgressInstanceDone report each: they are counted in NotSent by the
// ProgressWaveDone of the wave that stopped and by ProgressFinished.
type Progress struct {
	Event ProgressEvent
	Wave  int // 1 to Waves: the wave concerned (the last one started, for ProgressFinished)
	Waves int // the number of waves the call was planned in
	Total int // the number of ids of the call

	Done       int
	Succeeded  int
	Failed     int
	Unknown    int
	NotSent    int
	InProgress int // ids of the current wave whose outcome is not final yet
	NotStarted int // ids of later waves, not sent yet

	// For ProgressInstanceDone: the id concerned, its index in the call's
	// ids, and its outcome; otherwise "", 0 and OutcomeNotSent.
	InstanceID string
	Index      int
	Outcome    Outcome
}

// Call does action to the instances, with opts: the general form of
// Restart, SoftRestart, Flush and their AndWait forms (dcs_call), and the way
// to a rolling call (opts.WaveSize) and to progress reports (opts.Progress).
//
// Results: one per id, in the order of ids, whatever happened, whenever the
// call got as far as sending (and when ctx had ended before it: all
// OutcomeNotSent). The error is nil only when every instance succeeded (and,
// with Wait, is RUNNING again); StatusPartial when the service answered but
// not every instance ended well; StatusStopped when a rolling call stopped at
// its health gate. Arguments and ctx as for Flush: ctx's deadline bounds the
// whole call, every wave and pause included, and cancelling it ends the call
// during a wave or a pause, what was sent keeping its outcome and the rest
// OutcomeNotSent. Options out of range (see CallOptions) are StatusInvalid,
// nothing sent.
func (c *Client) Call(ctx context.Context, action Action, ids []string, opts CallOptions) ([]Result, error) {
	settings, err := opts.settings()
	if err != nil {
		return nil, err
	}
	return c.run(ctx, ids, settings, opts.Progress, func(h *C.dcs_client, array **C.char, count C.size_t,
		options *C.dcs_call_options, out **C.dcs_results, cerr **C.dcs_error) C.dcs_status {
		return C.dcs_call(h, C.dcs_action(cEnumValue(int(action))), array, count, options, out, cerr)
	})
}

// callSettings are a call's C options beyond what ctx gives (deadline_ms, the
// cancel token).
type callSettings struct {
	waitMs      uint32
	waveSize    int
	wavePauseMs uint32
	keepGoing   bool
	rolling     bool // a field of version 3 is used: the loaded library must know them
}

func (o CallOptions) settings() (callSettings, *Error) {
	negative := func(field string) *Error {
		return &Error{Status: StatusInvalid, Message: "CallOptions." + field + " is negative"}
	}
	switch {
	case o.Wait < 0:
		return callSettings{}, negative("Wait")
	case o.WaveSize < 0:
		return callSettings{}, negative("WaveSize")
	case o.WavePause < 0:
		return callSettings{}, negative("WavePause")
	}
	s := callSettings{waveSize: o.WaveSize, keepGoing: o.KeepGoing}
	if o.Wait > 0 {
		s.waitMs = clampMillis(o.Wait)
	}
	if o.WavePause > 0 {
		s.wavePauseMs = clampMillis(o.WavePause)
	}
	s.rolling = o.WaveSize > 0 || o.WavePause > 0 || o.KeepGoing || o.Progress != nil
	return s, nil
}

// callOptions is the C struct for settings, ctx's part (deadline_ms, token)
// and a progress handle (0: none).
func callOptions(s callSettings, deadlineMs uint32, token *C.dcs_cancel, progress cgo.Handle) C.dcs_call_options {
	keepGoing := 0
	if s.keepGoing {
		keepGoing = 1
	}
	return C.dcs_go_call_options(C.uint32_t(deadlineMs), token, C.uint32_t(s.waitMs), C.size_t(s.waveSize),
		C.uint32_t(s.wavePauseMs), C.int(keepGoing), C.uintptr_t(progress))
}

// rollingVersion is the dcs_call_options version that brought the rolling
// fields and the progress callback.
const rollingVersion = 3

// checkRollingKnown refuses rolling settings that a library older than the
// header would silently ignore (dcs_call_options_init set an older version).
func checkRollingKnown(s callSettings, options *C.dcs_call_options) *Error {
	if s.rolling && options.version < rollingVersion {
		return &Error{Status: StatusInvalid, Message: fmt.Sprintf("the loaded libdcs %s reads call options of version %d: "+
			"WaveSize, WavePause, KeepGoing and Progress need version %d", Version(), uint(options.version), rollingVersion)}
	}
	return nil
}
