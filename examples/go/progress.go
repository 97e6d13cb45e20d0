package dcs

/*
#include <stdint.h>
#include "dcs.h"
*/
import "C"

import (
	"context"
	"runtime/cgo"
	"sync/atomic"
)

// progressState is what the C progress function reaches through its
// cgo.Handle: the caller's func, and how to stop the call. The library calls
// the progress function on the thread making the call, inside dcs_call, so
// only the calling goroutine ever touches it.
type progressState struct {
	report func(Progress)
	ctx    context.Context
	token  *C.dcs_cancel // the call's cancel token: triggered to stop the call

	panicked   bool        // report panicked: not called again, the panic goes on after the call
	panicValue interface{} // what it panicked with
}

// liveProgressHandles counts the cgo.Handles of calls with a Progress func
// not yet deleted, for the tests.
var liveProgressHandles atomic.Int64

func newProgressHandle(state *progressState) cgo.Handle {
	liveProgressHandles.Add(1)
	return cgo.NewHandle(state)
}

func deleteProgressHandle(h cgo.Handle) {
	h.Delete()
	liveProgressHandles.Add(-1)
}

// dcsGoProgress is the C progress function's Go half: call.go's
// dcs_go_progress passes the cgo.Handle of the call's progressState as
// handle.
//
//export dcsGoProgress
func dcsGoProgress(progress *C.dcs_progress, handle C.uintptr_t) {
	// A Go panic must never unwind into the library's frames: that kills the
	// process. deliver recovers the func's own; this one covers a handle that
	// is somehow stale.
	defer func() { _ = recover() }()
	state, ok := cgo.Handle(handle).Value().(*progressState)
	if !ok || state.panicked {
		return
	}
	state.deliver(progressOf(progress))
}

// deliver calls the func. A panic is kept for after the call and the call is
// stopped; so is a ctx the func cancelled, at once rather than when the
// goroutine watching ctx gets to it, so that no further wave starts.
func (s *progressState) deliver(p Progress) {
	returned := false
	defer func() {
		if returned {
			return
		}
		// recover is nil for panic(nil) (Go 1.19); returned tells it apart.
		s.panicked, s.panicValue = true, recover()
		C.dcs_cancel_trigger(s.token)
	}()
	s.report(p)
	returned = true
	if s.ctx.Err() != nil {
		C.dcs_cancel_trigger(s.token)
	}
}

func progressOf(p *C.dcs_progress) Progress {
	return Progress{
		Event: ProgressEvent(p.event), Wave: int(p.wave), Waves: int(p.waves), Total: int(p.total),
		Done: int(p.done), Succeeded: int(p.succeeded), Failed: int(p.failed), Unknown: int(p.unknown),
		NotSent: int(p.not_sent), InProgress: int(p.in_progress), NotStarted: int(p.not_started),
		InstanceID: C.GoString(p.instance_id), Index: int(p.index), Outcome: Outcome(p.outcome),
	}
}
