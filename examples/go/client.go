package dcs

/*
#include <stdlib.h>
#include "dcs.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
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
	mu        sync.RWMutex
	handle    *C.dcs_client // nil once closed
	logHandle cgo.Handle    // Config.Logger, the user pointer of the C log function; 0 without one
}

// testHookFinalized, when set by a test, runs after the finalizer freed a
// client.
var testHookFinalized atomic.Pointer[func()]

func newClientFromHandle(handle *C.dcs_client, logHandle cgo.Handle) *Client {
	c := &Client{handle: handle, logHandle: logHandle}
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
		// No call runs any more, so the library logs no more lines.
		deleteLogHandle(c.logHandle)
		c.logHandle = 0
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// Restart force-restarts the instances. See Client.Flush for results, errors
// and ctx.
func (c *Client) Restart(ctx context.Context, ids ...string) ([]Result, error) {
	return c.Call(ctx, ActionRestart, ids, CallOptions{})
}

// SoftRestart restarts the Redis process of the instances only. See
// Client.Flush for results, errors and ctx.
func (c *Client) SoftRestart(ctx context.Context, ids ...string) ([]Result, error) {
	return c.Call(ctx, ActionSoftRestart, ids, CallOptions{})
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
// OutcomeNotSent and the *Error wraps ctx.Err() (StatusCancelled for a
// cancellation, StatusTimeout for a passed deadline). A deadline bounds the
// whole call, retries included (dcs_call's deadline_ms: the time left,
// rounded up to a millisecond); a call it cuts short is StatusTimeout and,
// when it ended within 20 ms of the deadline, also wraps
// context.DeadlineExceeded. Cancelling ctx during the call ends it within
// about 50 ms (a dcs_cancel token): StatusCancelled wrapping
// context.Canceled, the request in flight OutcomeUnknown (it was sent and may
// have been applied), the requests not yet sent OutcomeNotSent; a request
// the service refused, waiting for a retry, keeps its outcome
// (OutcomeFailed after a busy refusal) and the error its HTTP status and code.
func (c *Client) Flush(ctx context.Context, ids ...string) ([]Result, error) {
	return c.Call(ctx, ActionFlush, ids, CallOptions{})
}

// RestartAndWait restarts the instances, then waits up to wait (and within
// ctx's deadline) until those the service restarted are RUNNING again, in
// one call (dcs_call_options.wait_running_ms). The outcome of a restarted
// instance becomes the wait's: OutcomeSuccess once it runs again (RUNNING
// twice in a row), OutcomeFailed when it went to ERROR, FROZEN or
// CREATEFAILED, OutcomeUnknown when it was not RUNNING in time; instances the
// restart failed for keep the restart's outcome and are not waited for.
//
// The error: the restart's when it failed; else the wait's when it failed
// (StatusTimeout naming the instances not RUNNING in time, StatusCancelled);
// else StatusPartial when any instance did not end RUNNING; nil when all did.
// wait must be positive (rounded up to a millisecond); otherwise the call is
// StatusInvalid and nothing is sent. ctx as for Flush: cancelling it also
// ends the wait.
func (c *Client) RestartAndWait(ctx context.Context, wait time.Duration, ids ...string) ([]Result, error) {
	return c.callAndWait(ctx, ActionRestart, wait, ids)
}

// SoftRestartAndWait soft-restarts the instances, then waits as
// RestartAndWait does.
func (c *Client) SoftRestartAndWait(ctx context.Context, wait time.Duration, ids ...string) ([]Result, error) {
	return c.callAndWait(ctx, ActionSoftRestart, wait, ids)
}

// FlushAndWait flushes the instances, then waits as RestartAndWait does. A
// flush does not stop an instance, so the wait only confirms that the
// flushed ones serve (it polls each at least twice); dcsctl flush --wait
// does this.
func (c *Client) FlushAndWait(ctx context.Context, wait time.Duration, ids ...string) ([]Result, error) {
	return c.callAndWait(ctx, ActionFlush, wait, ids)
}

// callAndWait is Call with a Wait that must be positive: 0 would not wait.
func (c *Client) callAndWait(ctx context.Context, action Action, wait time.Duration, ids []string) ([]Result, error) {
	if _, err := positiveMillis("wait", wait); err != nil {
		return nil, err
	}
	return c.Call(ctx, action, ids, CallOptions{Wait: wait})
}

// WaitRunning waits until each instance is RUNNING (reported twice in a
// row), or settled in a status it will not leave by itself, or timeout (and
// ctx's deadline) has passed; it only reads statuses, asking one instance at
// a time, round after round (250 ms growing to 2 s between rounds).
//
// Results: one per id, in order, also with an error: OutcomeSuccess running,
// OutcomeFailed ERROR, FROZEN, CREATEFAILED or no such instance,
// OutcomeUnknown not RUNNING in time. The error is nil when all run;
// StatusPartial when the others failed (the message names them and their
// status); StatusTimeout when some were still not RUNNING (the message names
// them); StatusAPI when the service refused a poll for good (400, 401, 403);
// StatusCancelled when ctx was cancelled. timeout must be positive (rounded
// up to a millisecond); otherwise StatusInvalid, nothing sent. Arguments and
// ctx otherwise as for Flush.
func (c *Client) WaitRunning(ctx context.Context, timeout time.Duration, ids ...string) ([]Result, error) {
	ms, err := positiveMillis("timeout", timeout)
	if err != nil {
		return nil, err
	}
	return c.run(ctx, ids, callSettings{}, nil, func(h *C.dcs_client, array **C.char, count C.size_t,
		options *C.dcs_call_options, out **C.dcs_results, cerr **C.dcs_error) C.dcs_status {
		return C.dcs_wait_running_with(h, array, count, C.uint32_t(ms), options, out, cerr)
	})
}

// CheckInstanceIDs checks ids exactly as a call checks them
// (dcs_check_instance_ids), sending nothing and needing no client: nil when a
// call would accept them, else an *Error with StatusInvalid naming the first
// id at fault ("instance_ids[3] is empty"). An id holding a NUL byte is
// refused as the calls refuse it.
func CheckInstanceIDs(ids ...string) error {
	if err := checkNoNUL(ids); err != nil {
		return err
	}
	array, free, err := cStrings(ids)
	if err != nil {
		return err
	}
	defer free()
	var cerr *C.dcs_error
	if status := C.dcs_check_instance_ids(array, C.size_t(len(ids)), &cerr); status != C.DCS_OK {
		return takeError(status, cerr)
	}
	return nil
}

// positiveMillis converts a wait to whole milliseconds, rounded up, at most
// math.MaxUint32 (49 days); 0 and negative durations are StatusInvalid.
func positiveMillis(name string, d time.Duration) (uint32, error) {
	if d <= 0 {
		return 0, &Error{Status: StatusInvalid, Message: fmt.Sprintf("%s is %v: give a positive time to wait", name, d)}
	}
	return clampMillis(d), nil
}

func clampMillis(d time.Duration) uint32 {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		ms = math.MaxUint32
	}
	return uint32(ms)
}

// cCall is one C function taking ids and call options.
type cCall func(h *C.dcs_client, array **C.char, count C.size_t, options *C.dcs_call_options,
	out **C.dcs_results, cerr **C.dcs_error) C.dcs_status

// run makes one C call on ids: Go's own checks, the ids copied into C
// memory, ctx turned into deadline_ms and a cancel token, report (nil: none)
// reached through a cgo.Handle, the results and error copied back into Go.
func (c *Client) run(ctx context.Context, ids []string, settings callSettings, report func(Progress),
	call cCall) ([]Result, error) {
	if c == nil {
		return nil, &Error{Status: StatusInvalid, Message: "client is nil"}
	}
	if ctx == nil {
		return nil, &Error{Status: StatusInvalid, Message: "ctx is nil"}
	}
	if err := checkNoNUL(ids); err != nil {
		return nil, err
	}

	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, &Error{Status: StatusInvalid, Message: ErrClosed.Error(), cause: ErrClosed}
	}

	array, free, copyErr := cStrings(ids)
	if copyErr != nil {
		return nil, copyErr
	}
	defer free()
	count := len(ids)

	var progress *progressState
	var progressHandle cgo.Handle
	if report != nil {
		progress = &progressState{report: report, ctx: ctx}
		progressHandle = newProgressHandle(progress)
		// Deleted once the call returned, also when the panic of report goes on.
		defer deleteProgressHandle(progressHandle)
	}
	options, bounds, berr := boundCall(ctx, settings, progressHandle)
	if berr != nil {
		return notSent(ids), berr
	}
	if err := checkRollingKnown(settings, &options); err != nil {
		bounds.release()
		return nil, err
	}
	if progress != nil {
		progress.token = options.cancel
	}
	var cresults *C.dcs_results
	var cerr *C.dcs_error
	status := call(c.handle, array, C.size_t(count), &options, &cresults, &cerr)
	runtime.KeepAlive(c) // the finalizer must not free the handle during the call
	bounds.release()

	results := takeResults(cresults)
	if progress != nil && progress.panicked {
		C.dcs_error_free(cerr)
		panic(progress.panicValue)
	}
	if status == C.DCS_OK {
		C.dcs_error_free(cerr) // NULL on DCS_OK; freed should a library ever differ
		return results, nil
	}
	return results, bounds.explain(ctx, takeError(status, cerr))
}

// callBounds is what ctx gives one C call besides its options (deadline_ms
// and a cancel token that is triggered when ctx is done).
type callBounds struct {
	deadline    time.Time
	hasDeadline bool
	release     func() // after the C call returned: the token outlived the call
}

// boundCall measures ctx's deadline right before the call; a ctx already done
// is the error of a call that sends nothing. progress is the handle of the
// call's progressState (0: none). The options are returned apart: cgo may be
// given a pointer to them, not to memory that holds Go pointers.
func boundCall(ctx context.Context, settings callSettings, progress cgo.Handle) (C.dcs_call_options, *callBounds, *Error) {
	var b callBounds
	var options C.dcs_call_options
	var deadlineMs uint32
	b.deadline, b.hasDeadline = ctx.Deadline()
	if err := ctx.Err(); err != nil {
		return options, nil, contextError(err)
	}
	if b.hasDeadline {
		left := time.Until(b.deadline)
		if left <= 0 {
			return options, nil, contextError(context.DeadlineExceeded)
		}
		deadlineMs = clampMillis(left)
	}
	// Should ctx end from here on, the token stops the call (at once, with
	// nothing sent, when that happens before the call starts).
	// A progress func stops the call through the token when it panics.
	token, release, werr := watchContext(ctx, progress != 0)
	if werr != nil {
		return options, nil, werr
	}
	b.release = release
	options = callOptions(settings, deadlineMs, token, progress)
	return options, &b, nil
}

// explain ties a cancelled or timed-out call's error to ctx, so that
// errors.Is matches context.Canceled or context.DeadlineExceeded.
func (b *callBounds) explain(ctx context.Context, err *Error) *Error {
	switch {
	case err.Status == StatusCancelled:
		// The token is triggered when ctx is done (by the watching goroutine,
		// or by a Progress func's trampoline), or when a Progress func
		// panicked, which never returns here.
		err.cause = ctx.Err()
		if errors.Is(err.cause, context.DeadlineExceeded) {
			// ctx ended by its deadline, a moment before the library's own
			// measure of it: a timeout, as when the library ends it.
			err.Status = StatusTimeout
		}
	case err.Status == StatusTimeout && b.hasDeadline && time.Until(b.deadline) < deadlineSlack:
		// The library measures the deadline itself (libcurl to the
		// millisecond), so a call it cut short may end a little before ctx's
		// deadline passes.
		err.cause = context.DeadlineExceeded
	}
	return err
}

// checkNoNUL refuses an id holding a NUL byte: a C string ends there, so the
// id would reach the service cut short.
func checkNoNUL(ids []string) *Error {
	for i, id := range ids {
		if strings.IndexByte(id, 0) >= 0 {
			return &Error{Status: StatusInvalid, Message: fmt.Sprintf("instance_ids[%d] holds a NUL byte", i)}
		}
	}
	return nil
}

// cStrings copies ids, checked by checkNoNUL, into C memory (C may not hold
// Go pointers): an array
// that is never NULL, even for no ids, so that the library reports the count,
// not the pointer. free releases the array and its strings.
func cStrings(ids []string) (array **C.char, free func(), err *Error) {
	slots := len(ids)
	if slots == 0 {
		slots = 1
	}
	array = (**C.char)(C.calloc(C.size_t(slots), C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	if array == nil {
		return nil, nil, &Error{Status: StatusNoMemory, Message: "out of memory"}
	}
	cids := unsafe.Slice(array, slots)
	for i, id := range ids {
		cids[i] = C.CString(id)
	}
	return array, func() {
		for _, p := range cids {
			C.free(unsafe.Pointer(p))
		}
		C.free(unsafe.Pointer(array))
	}, nil
}

// InstanceStatus is the current status of one instance (GET
// /v2/{project_id}/instances/{id}). An unknown instance is StatusAPI with
// HTTPStatus 404 (Code "DCS.3022"); a bad id is StatusInvalid, nothing sent.
// On any error the status is InstanceOther.
//
// ctx bounds the query as it bounds the other calls: its deadline is the
// query's, and cancelling it ends the query within about 50 ms
// (StatusCancelled, or StatusTimeout for a deadline, wrapping ctx.Err()).
func (c *Client) InstanceStatus(ctx context.Context, id string) (InstanceStatus, error) {
	if c == nil {
		return InstanceOther, &Error{Status: StatusInvalid, Message: "client is nil"}
	}
	if ctx == nil {
		return InstanceOther, &Error{Status: StatusInvalid, Message: "ctx is nil"}
	}
	if strings.IndexByte(id, 0) >= 0 {
		return InstanceOther, &Error{Status: StatusInvalid, Message: "instance_id holds a NUL byte"}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return InstanceOther, &Error{Status: StatusInvalid, Message: ErrClosed.Error(), cause: ErrClosed}
	}
	options, bounds, berr := boundCall(ctx, callSettings{}, 0)
	if berr != nil {
		return InstanceOther, berr
	}
	cid := C.CString(id)
	defer C.free(unsafe.Pointer(cid))
	var out C.dcs_instance_status
	var cerr *C.dcs_error
	st := C.dcs_get_instance_status_with(c.handle, cid, &options, &out, &cerr)
	runtime.KeepAlive(c)
	bounds.release()
	if st == C.DCS_OK {
		C.dcs_error_free(cerr)
		return InstanceStatus(out), nil
	}
	return InstanceOther, bounds.explain(ctx, takeError(st, cerr))
}

// deadlineSlack: a timeout this close to ctx's deadline is the deadline's.
const deadlineSlack = 20 * time.Millisecond

// contextError is the error of a call that ctx ended before it started.
func contextError(ctxErr error) *Error {
	status := StatusCancelled
	if errors.Is(ctxErr, context.DeadlineExceeded) {
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

// takeResults copies the entries into Go, with one C call
// (dcs_results_copy), and frees the dcs_results.
func takeResults(r *C.dcs_results) []Result {
	if r == nil {
		return nil
	}
	defer C.dcs_results_free(r)
	count := int(C.dcs_results_count(r))
	if count == 0 {
		return []Result{}
	}
	// Go memory that holds no Go pointer, which C may fill with its own.
	ids := make([]*C.char, count)
	requestIDs := make([]*C.char, count)
	outcomes := make([]C.dcs_outcome, count)
	count = int(C.dcs_results_copy(r, 0, C.size_t(count), &ids[0], &outcomes[0], &requestIDs[0]))
	results := make([]Result, 0, count)
	// The entries of one request share one request id (one C string): one Go copy of it.
	var lastRequestID *C.char
	var requestID string
	for i := 0; i < count; i++ {
		if requestIDs[i] != lastRequestID {
			lastRequestID, requestID = requestIDs[i], C.GoString(requestIDs[i])
		}
		results = append(results, Result{InstanceID: C.GoString(ids[i]), Outcome: Outcome(outcomes[i]), RequestID: requestID})
	}
	return results
}
