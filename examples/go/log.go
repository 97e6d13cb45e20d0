package dcs

/*
#include <stdint.h>
#include "dcs.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
)

// Logger receives the library's log lines (Config.Logger). message is one
// line without newline, already redacted by the library: it names requests
// by method and path, answers by HTTP status, time and request id, and never
// holds a header, a body, a credential or a signature.
//
// The library calls it on the goroutine making the call, so from several
// goroutines at once when the client is shared: it must be safe for
// concurrent use, return quickly, and not call back into the client (nor
// Close it). A panic in it is recovered and the line dropped; it must not
// call runtime.Goexit (t.FailNow): that cannot be stopped before the C frames.
type Logger func(level LogLevel, message string)

// liveLogHandles counts the cgo.Handles of loggers not yet deleted, for the
// tests.
var liveLogHandles atomic.Int64

// dcsGoLog is the C log function's Go half: config.go's dcs_go_log passes
// the cgo.Handle of the client's Logger as handle.
//
//export dcsGoLog
func dcsGoLog(level C.dcs_log_level, message *C.char, handle C.uintptr_t) {
	// A Go panic must never unwind into the library's frames: that kills the
	// process. Recovering here also covers a handle that is somehow stale.
	defer func() { _ = recover() }()
	logger, ok := cgo.Handle(handle).Value().(Logger)
	if !ok {
		return
	}
	logger(LogLevel(level), C.GoString(message))
}
