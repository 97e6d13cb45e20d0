// Package dcs restarts, soft-restarts and flushes Huawei Cloud DCS (managed
// Redis) instances through libdcs, the C library described by include/dcs.h.
//
//	client, err := dcs.NewClientFromEnv()
//	if err != nil { ... }
//	defer client.Close()
//	results, err := client.Restart(ctx, "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef")
//	for _, r := range results {
//		fmt.Println(r.InstanceID, r.Outcome)
//	}
//	if err != nil { ... } // also when only some instances failed: see IsPartial
//
// A restart is asynchronous: RestartAndWait (and SoftRestartAndWait,
// FlushAndWait) restarts, then waits until the instances run again, in one
// call; WaitRunning and InstanceStatus read statuses on their own.
// Call is the general form, and rolls an action over a fleet in waves with a
// health gate (CallOptions.WaveSize; StatusStopped), reporting progress to a
// func (CallOptions.Progress); ListInstances finds the fleet by name, status
// or tag. Cancelling ctx ends a call in flight (StatusCancelled);
// Config.Logger receives the library's log lines.
//
// Every error this package returns is an *Error carrying the fields of the
// library's dcs_error (status, HTTP status, service error code, message,
// request id). Results are returned alongside the error whenever the call got
// as far as sending, so that an unknown outcome ("it may have been applied")
// is never lost.
//
// Linking: the package takes its flags from `pkg-config dcs`, so it builds
// wherever libdcs is installed or unpacked (PKG_CONFIG_PATH=PREFIX/lib/pkgconfig
// for a prefix pkg-config does not search). Inside the repository, build with
// -tags dcs_intree: the package then compiles against <repo>/include and links
// <repo>/.build/release/libdcs.so (what scripts/build.sh makes), with that
// directory as the run path.
package dcs

/*
#cgo !dcs_intree pkg-config: dcs
#cgo dcs_intree CFLAGS: -I${SRCDIR}/../../include
#cgo dcs_intree LDFLAGS: -L${SRCDIR}/../../.build/release -ldcs -Wl,-rpath,${SRCDIR}/../../.build/release
#include "dcs.h"

// The header found must be the one this package is written for: another major
// version may have changed what the declarations below rely on.
#if DCS_VERSION_MAJOR != 0
#error "this Go package is written for libdcs 0.x (DCS_VERSION_MAJOR 0), and the dcs.h found is another major version"
#endif
*/
import "C"

import "math"

// Limits of one call, from dcs.h.
const (
	MaxIDsPerCall    = C.DCS_MAX_IDS_PER_CALL    // ids one call accepts
	MaxIDsPerRequest = C.DCS_MAX_IDS_PER_REQUEST // ids per HTTP request (the service's limit)
	MaxIDBytes       = C.DCS_MAX_ID_BYTES        // longest id, in bytes
)

// Version is the version of the loaded libdcs, "MAJOR.MINOR.PATCH".
func Version() string {
	return C.GoString(C.dcs_version())
}

// LibcurlVersion is the version of the libcurl the loaded libdcs runs on,
// "7.88.1".
func LibcurlVersion() string {
	return C.GoString(C.dcs_libcurl_version())
}

// Status is the status of a call, dcs_status in C. Its values are the C
// values; the library only ever appends new ones.
type Status int

const (
	StatusOK        Status = C.DCS_OK         // every instance reported success
	StatusPartial   Status = C.DCS_EPARTIAL   // the service answered, but not every instance succeeded
	StatusInvalid   Status = C.DCS_EINVAL     // bad argument: rejected before anything was sent
	StatusConfig    Status = C.DCS_ECONFIG    // configuration missing or invalid
	StatusTransport Status = C.DCS_ETRANSPORT // network, DNS or TLS failure
	StatusTimeout   Status = C.DCS_ETIMEOUT   // no complete answer in time
	StatusAPI       Status = C.DCS_EAPI       // the service answered with an error status
	StatusProtocol  Status = C.DCS_EPROTOCOL  // the answer could not be understood
	StatusNoMemory  Status = C.DCS_ENOMEM     // out of memory
	StatusCancelled Status = C.DCS_ECANCELED  // ctx was cancelled during the call
	StatusStopped   Status = C.DCS_ESTOPPED   // a rolling call stopped at its health gate: later waves not sent
)

// String is the C name of the status, "DCS_EAPI" for StatusAPI, and
// "DCS_UNKNOWN_STATUS" for a value the loaded library does not know.
func (s Status) String() string {
	return C.GoString(C.dcs_status_name(C.dcs_status(cEnumValue(int(s)))))
}

// Outcome is what happened to one instance, dcs_outcome in C.
type Outcome int

const (
	OutcomeSuccess Outcome = C.DCS_OUTCOME_SUCCESS  // the service reported success
	OutcomeFailed  Outcome = C.DCS_OUTCOME_FAILED   // the service reported failure or refused the request: not applied
	OutcomeNotSent Outcome = C.DCS_OUTCOME_NOT_SENT // no request for it reached the service: certainly not applied
	OutcomeUnknown Outcome = C.DCS_OUTCOME_UNKNOWN  // sent, but no answer says what happened: it may have been applied
)

// String is the name the examples print: "success", "failed", "not_sent",
// "unknown"; "invalid" for a value the loaded library does not know.
func (o Outcome) String() string {
	return C.GoString(C.dcs_outcome_name(C.dcs_outcome(cEnumValue(int(o)))))
}

// cEnumValue keeps a value that does not fit a C enum (32 bits) from wrapping
// around into a known one: it becomes math.MinInt32, which no status or
// outcome will ever be.
func cEnumValue(v int) int32 {
	if int(int32(v)) != v {
		return math.MinInt32
	}
	return int32(v)
}

// Result is the outcome of one instance of a call.
type Result struct {
	InstanceID string
	Outcome    Outcome
	// RequestID is the X-Request-Id of the service's answer to the request
	// that carried the instance (what Huawei's support asks for), shared by
	// the instances of one request of at most MaxIDsPerRequest; "" when no
	// answer came for it (OutcomeNotSent, or OutcomeUnknown after a timeout
	// or a reset) and for the results of WaitRunning, which sends no action.
	RequestID string
}

// InstanceStatus is the status the service reports for an instance,
// dcs_instance_status in C. Only InstanceRunning serves traffic.
type InstanceStatus int

const (
	InstanceOther        InstanceStatus = C.DCS_INSTANCE_OTHER // a status the loaded library does not know
	InstanceCreating     InstanceStatus = C.DCS_INSTANCE_CREATING
	InstanceCreateFailed InstanceStatus = C.DCS_INSTANCE_CREATEFAILED
	InstanceRunning      InstanceStatus = C.DCS_INSTANCE_RUNNING // the only status that serves traffic
	InstanceError        InstanceStatus = C.DCS_INSTANCE_ERROR
	InstanceRestarting   InstanceStatus = C.DCS_INSTANCE_RESTARTING
	InstanceFrozen       InstanceStatus = C.DCS_INSTANCE_FROZEN
	InstanceExtending    InstanceStatus = C.DCS_INSTANCE_EXTENDING
	InstanceRestoring    InstanceStatus = C.DCS_INSTANCE_RESTORING
	InstanceFlushing     InstanceStatus = C.DCS_INSTANCE_FLUSHING // its data being cleared (a flush under way)
)

// String is the service's name of the status: "RUNNING", "RESTARTING"...;
// "OTHER" for InstanceOther and values the loaded library does not know.
func (s InstanceStatus) String() string {
	return C.GoString(C.dcs_instance_status_name(C.dcs_instance_status(cEnumValue(int(s)))))
}

// LogLevel is how much a log line matters, dcs_log_level in C.
type LogLevel int

const (
	LogDebug LogLevel = C.DCS_LOG_DEBUG // each request about to be sent; each status poll
	LogInfo  LogLevel = C.DCS_LOG_INFO  // each answer: HTTP status, milliseconds, request id; an instance done waiting
	LogWarn  LogLevel = C.DCS_LOG_WARN  // a retry and its reason; a clock correction; a transfer without answer
	LogError LogLevel = C.DCS_LOG_ERROR // a request of a batch failed and the rest is not sent; a wait stopped
)

// String is "debug", "info", "warn" or "error"; "invalid" for another value.
func (l LogLevel) String() string {
	return C.GoString(C.dcs_log_level_name(C.dcs_log_level(cEnumValue(int(l)))))
}
