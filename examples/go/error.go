package dcs

/*
#include "dcs.h"
*/
import "C"

import (
	"errors"
	"strconv"
	"strings"
)

// Error is a failed call: the fields of the library's dcs_error. Every error
// this package returns is an *Error (possibly wrapped by the caller); use
// errors.As to reach it, or the Is* helpers.
//
// A partial result (StatusPartial) is an *Error too, returned together with
// the results, so that it can never pass for success.
type Error struct {
	Status     Status // never StatusOK
	HTTPStatus int    // the HTTP status of the service's answer; 0 when there was none
	Code       string // the service's error code ("APIGW.0301"); "" when none
	Message    string // what went wrong; never holds a secret
	RequestID  string // X-Request-Id of the answer, for Huawei's support; "" when none

	cause error // context.Canceled, context.DeadlineExceeded or ErrClosed, for errors.Is
}

// ErrClosed is wrapped by the *Error (StatusInvalid) of a call on a closed
// Client: errors.Is(err, dcs.ErrClosed).
var ErrClosed = errors.New("client is closed")

// Error reads "dcs: STATUS: MESSAGE", followed by the HTTP status, service
// code and request id in parentheses when there are any.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dcs: ")
	b.WriteString(e.Status.String())
	b.WriteString(": ")
	b.WriteString(e.Message)
	var details []string
	if e.HTTPStatus != 0 {
		details = append(details, "http_status="+strconv.Itoa(e.HTTPStatus))
	}
	if e.Code != "" {
		details = append(details, "code="+e.Code)
	}
	if e.RequestID != "" {
		details = append(details, "request_id="+e.RequestID)
	}
	if len(details) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(details, " "))
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap gives the context error (context.Canceled or
// context.DeadlineExceeded) of a call that the context stopped or cut short,
// ErrClosed for a call on a closed client, and nil otherwise.
func (e *Error) Unwrap() error {
	return e.cause
}

// StatusOf is the Status of the *Error in err's chain: StatusOK and true for
// a nil err, false when err holds no *Error.
func StatusOf(err error) (Status, bool) {
	if err == nil {
		return StatusOK, true
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status, true
	}
	return 0, false
}

func hasStatus(err error, s Status) bool {
	got, ok := StatusOf(err)
	return ok && err != nil && got == s
}

// IsPartial: the service answered every request, but not every instance
// succeeded; the results say which.
func IsPartial(err error) bool { return hasStatus(err, StatusPartial) }

// IsInvalid: a bad argument (or a closed client); nothing was sent.
func IsInvalid(err error) bool { return hasStatus(err, StatusInvalid) }

// IsCancelled: the call's context was cancelled, before the call (nothing
// was sent) or during it (the results say what may have been applied). The
// error also wraps context.Canceled.
func IsCancelled(err error) bool { return hasStatus(err, StatusCancelled) }

// IsStopped: a rolling call (CallOptions.WaveSize) stopped at its health
// gate: a wave had an instance that did not end RUNNING, so the later waves
// were not sent (OutcomeNotSent); the message names the wave and the
// instances at fault.
func IsStopped(err error) bool { return hasStatus(err, StatusStopped) }

// IsConfig: the configuration is missing something or does not fit together.
func IsConfig(err error) bool { return hasStatus(err, StatusConfig) }

// IsTransport: a network, DNS or TLS failure.
func IsTransport(err error) bool { return hasStatus(err, StatusTransport) }

// IsTimeout: no complete answer in time (the client's timeout, the
// context's deadline or a wait's timeout).
func IsTimeout(err error) bool { return hasStatus(err, StatusTimeout) }

// IsAPI: the service answered with an error status; see HTTPStatus and Code.
func IsAPI(err error) bool { return hasStatus(err, StatusAPI) }

// IsProtocol: the service's answer could not be understood.
func IsProtocol(err error) bool { return hasStatus(err, StatusProtocol) }

// takeError turns a dcs_error into an *Error and frees it. status is the
// call's own status, used should the library hand out no error object.
func takeError(status C.dcs_status, cerr *C.dcs_error) *Error {
	if cerr == nil {
		s := Status(status)
		return &Error{Status: s, Message: s.String()}
	}
	defer C.dcs_error_free(cerr)
	return &Error{
		Status:     Status(C.dcs_error_status(cerr)),
		HTTPStatus: int(C.dcs_error_http_status(cerr)),
		Code:       C.GoString(C.dcs_error_code(cerr)),
		Message:    C.GoString(C.dcs_error_message(cerr)),
		RequestID:  C.GoString(C.dcs_error_request_id(cerr)),
	}
}
