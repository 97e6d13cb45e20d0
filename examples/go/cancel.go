package dcs

/*
#include "dcs.h"
*/
import "C"

import (
	"context"
	"sync/atomic"
)

// testHookCancel, when set by a test, hears what happens to each cancel
// token: "trigger" right before dcs_cancel_trigger (the hook may sleep
// there), "triggered" after it, "free" right before dcs_cancel_free.
var testHookCancel atomic.Pointer[func(event string)]

func cancelEvent(event string) {
	if hook := testHookCancel.Load(); hook != nil {
		(*hook)(event)
	}
}

// watchContext gives a call a dcs_cancel token that is triggered as soon as
// ctx is done, the Go 1.19 stand-in for context.AfterFunc. release stops the
// watching goroutine, waits until it no longer touches the token (it may be
// triggering it at that very moment), and only then frees the token: call it
// once, after the C call returned. For a ctx that can never be done (no
// Done channel) no goroutine is started, and the token is nil (the call is
// not cancellable) unless the call needs one anyway: a call with a Progress
// func, which stops the call through the token when the func panics.
func watchContext(ctx context.Context, needToken bool) (token *C.dcs_cancel, release func(), err *Error) {
	done := ctx.Done()
	if done == nil && !needToken {
		return nil, func() {}, nil
	}
	token = C.dcs_cancel_new()
	if token == nil {
		return nil, nil, &Error{Status: StatusNoMemory, Message: "out of memory"}
	}
	free := func() {
		cancelEvent("free")
		C.dcs_cancel_free(token)
	}
	if done == nil {
		return token, free, nil
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		select {
		case <-done:
			cancelEvent("trigger")
			C.dcs_cancel_trigger(token)
			cancelEvent("triggered")
		case <-stop:
		}
	}()
	release = func() {
		close(stop)
		<-finished
		free()
	}
	return token, release, nil
}
