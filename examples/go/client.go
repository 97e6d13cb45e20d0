package dcs

/*
#include <stdlib.h>
#include "dcs.h"

// DCS_CALL_OPTIONS_INIT is an initializer, which Go cannot use: starting from
// it here keeps the defaults of any field a later header adds.
static dcs_call_options dcs_go_call_options(uint32_t deadline_ms) {
	dcs_call_options options = DCS_CALL_OPTIONS_INIT;
	options.deadline_ms = deadline_ms;
	return options;
}
*/
import "C"

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Client acts on instances. It is safe for concurrent use: share one among
// goroutines (the library runs each call on its own connection and keeps
// connections for reuse). Close it when done; a finalizer frees a forgotten
// one, but only at the garbage collector's leisure.
type Client struct {
	// Calls hold mu for reading during the C call; Close takes it for
	// writing, so it waits for calls in flight and never frees the handle
	// under them.
	mu     sync.RWMutex
	handle *C.dcs_client // nil once closed
}

// testHookFinalized, when set by a test, runs after the finalizer freed a
// client.
var testHookFinalized atomic.Pointer[func()]

func newClientFromHandle(handle *C.dcs_client) *Client {
	c := &Client{handle: handle}
	runtime.SetFinalizer(c, func(c *Client) {
		c.Close()
		if hook := testHookFinalized.Load(); hook != nil {
			(*hook)()
		}
	})
	return c
}

// Close frees the client and closes its connections. It waits for calls in
// flight to return; calls made afterwards fail with StatusInvalid and wrap
// ErrClosed. Closing twice is harmless. The error is always nil.
func (c *Client) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.dcs_client_free(c.handle)
		c.handle = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Restart force-restarts the instances. See Client.Flush for results, errors
// and ctx.
func (c *Client) Restart(ctx context.Context, ids ...string) ([]Result, error) {
	return c.call(ctx, C.DCS_ACTION_RESTART, ids)
}

// SoftRestart restarts the Redis process of the instances only. See
// Client.Flush for results, errors and ctx.
func (c *Client) SoftRestart(ctx context.Context, ids ...string) ([]Result, error) {
	return c.call(ctx, C.DCS_ACTION_SOFT_RESTART, ids)
}

// Flush deletes all data of the instances (Redis 4.0 and later); it cannot be
// undone.
//
// Results: one per id, in the order of ids, whenever the call got as far as
// sending (and when ctx had ended before it: all OutcomeNotSent), also
// together with an error. The error is nil only when every instance
// succeeded; a partial success is an *Error with StatusPartial.
//
// Arguments the library rejects (no ids, more than MaxIDsPerCall, an empty,
// repeated or too long id, invalid UTF-8, a control character) give
// StatusInvalid, no results, and nothing is sent; an id holding a NUL byte is
// rejected the same way in Go, before the library is called.
//
// ctx: a context that is already done sends nothing: every id is
// OutcomeNotSent and the *Error wraps ctx.Err() (StatusTimeout for a passed
// deadline, StatusInvalid for a cancellation). A deadline bounds the whole
// call, retries included (dcs_call's deadline_ms: the time left, rounded up
// to a millisecond); a call it cuts short is StatusTimeout and, when it
// ended within 20 ms of the deadline, also wraps context.DeadlineExceeded.
// A cancellation while the call runs is not seen
// by the library: the call runs to its end (bounded by the client's timeouts
// and the deadline) and its results and error are returned as they are,
// because its requests may have been applied.
func (c *Client) Flush(ctx context.Context, ids ...string) ([]Result, error) {
	return c.call(ctx, C.DCS_ACTION_FLUSH, ids)
}

func (c *Client) call(ctx context.Context, action C.dcs_action, ids []string) ([]Result, error) {
	if c == nil {
		return nil, &Error{Status: StatusInvalid, Message: "client is nil"}
	}
	if ctx == nil {
		return nil, &Error{Status: StatusInvalid, Message: "ctx is nil"}
	}
	for i, id := range ids {
		// C strings end at a NUL: such an id would reach the service cut short.
		if strings.IndexByte(id, 0) >= 0 {
			return nil, &Error{Status: StatusInvalid, Message: fmt.Sprintf("instance_ids[%d] holds a NUL byte", i)}
		}
	}

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, &Error{Status: StatusInvalid, Message: ErrClosed.Error(), cause: ErrClosed}
	}

	// The array and the strings live in C memory: C may not hold Go pointers.
	count := len(ids)
	slots := count
	if slots == 0 {
		slots = 1 // a non-NULL array, so that the library reports the count, not the pointer
	}
	array := (**C.char)(C.calloc(C.size_t(slots), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	if array == nil {
		return nil, &Error{Status: StatusNoMemory, Message: "out of memory"}
	}
	cids := unsafe.Slice(array, slots)
	defer func() {
		for _, p := range cids {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(array))
	}()
	for i, id := range ids {
		cids[i] = C.CString(id)
	}

	// The deadline is measured last, right before the call.
	var deadlineMs uint32
	deadline, hasDeadline := ctx.Deadline()
	if err := ctx.Err(); err != nil {
		return notSent(ids), contextError(err)
	}
	if hasDeadline {
		left := time.Until(deadline)
		if left <= 0 {
			return notSent(ids), contextError(context.DeadlineExceeded)
		}
		ms := (left + time.Millisecond - 1) / time.Millisecond
		if ms > math.MaxUint32 {
			ms = math.MaxUint32
		}
		deadlineMs = uint32(ms)
	}
	options := C.dcs_go_call_options(C.uint32_t(deadlineMs))

	var cresults *C.dcs_results
	var cerr *C.dcs_error
	status := C.dcs_call(c.handle, action, array, C.size_t(count), &options, &cresults, &cerr)
	runtime.KeepAlive(c) // the finalizer must not free the handle during the call

	results := takeResults(cresults)
	if status == C.DCS_OK {
		C.dcs_error_free(cerr) // NULL on DCS_OK; freed should a library ever differ
		return results, nil
	}
	err := takeError(status, cerr)
	// The library measures the deadline itself (libcurl to the millisecond), so
	// a call it cut short may end a little before ctx's deadline passes.
	if err.Status == StatusTimeout && hasDeadline && time.Until(deadline) < deadlineSlack {
		err.cause = context.DeadlineExceeded
	}
	return results, err
}

// deadlineSlack: a timeout this close to ctx's deadline is the deadline's.
const deadlineSlack = 20 * time.Millisecond

// contextError is the error of a call that ctx ended before it started.
func contextError(ctxErr error) *Error {
	status := StatusInvalid
	if ctxErr == context.DeadlineExceeded {
		status = StatusTimeout
	}
	return &Error{Status: status, Message: "not sent: " + ctxErr.Error(), cause: ctxErr}
}

func notSent(ids []string) []Result {
	results := make([]Result, len(ids))
	for i, id := range ids {
		results[i] = Result{InstanceID: id, Outcome: OutcomeNotSent}
	}
	return results
}

// takeResults copies the entries into Go and frees the dcs_results.
func takeResults(r *C.dcs_results) []Result {
	if r == nil {
		return nil
	}
	defer C.dcs_results_free(r)
	results := make([]Result, 0, int(C.dcs_results_count(r)))
	var id *C.char
	var outcome C.dcs_outcome
	for C.dcs_results_next(r, &id, &outcome) != 0 {
		results = append(results, Result{InstanceID: C.GoString(id), Outcome: Outcome(outcome)})
	}
	return results
}
