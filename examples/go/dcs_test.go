package dcs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

var ctx = context.Background()

// checkResults fails unless results are exactly ids with these outcomes, in order.
func checkResults(t *testing.T, results []Result, ids []string, outcomes ...Outcome) {
	t.Helper()
	if len(outcomes) == 1 && len(ids) > 1 {
		for len(outcomes) < len(ids) {
			outcomes = append(outcomes, outcomes[0])
		}
	}
	if len(results) != len(ids) {
		t.Fatalf("%d results, expected %d: %v", len(results), len(ids), results)
	}
	for i, r := range results {
		if r.InstanceID != ids[i] || r.Outcome != outcomes[i] {
			t.Errorf("result %d: %s %s, expected %s %s", i, r.InstanceID, r.Outcome, ids[i], outcomes[i])
		}
	}
}

// dcsError fails unless err holds an *Error with this status.
func dcsError(t *testing.T, err error, want Status) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) holds no *dcs.Error", err, err)
	}
	if e.Status != want {
		t.Fatalf("status %s, expected %s: %v", e.Status, want, err)
	}
	return e
}

func requestBodies(t *testing.T) []emulator.StatusBody {
	t.Helper()
	requests, err := emu.Requests()
	if err != nil {
		t.Fatal(err)
	}
	bodies := make([]emulator.StatusBody, len(requests))
	for i, r := range requests {
		if err := json.Unmarshal([]byte(r.Body), &bodies[i]); err != nil {
			t.Fatalf("request %d: %v in %q", i, err, r.Body)
		}
	}
	return bodies
}

func TestStatusAndOutcomeNamesAreTheCNames(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(Version()) {
		t.Errorf("Version() = %q", Version())
	}
	statuses := map[Status]string{
		StatusOK: "DCS_OK", StatusPartial: "DCS_EPARTIAL", StatusInvalid: "DCS_EINVAL",
		StatusConfig: "DCS_ECONFIG", StatusTransport: "DCS_ETRANSPORT", StatusTimeout: "DCS_ETIMEOUT",
		StatusAPI: "DCS_EAPI", StatusProtocol: "DCS_EPROTOCOL", StatusNoMemory: "DCS_ENOMEM",
		StatusCancelled: "DCS_ECANCELED", Status(42): "DCS_UNKNOWN_STATUS", Status(1 << 32): "DCS_UNKNOWN_STATUS",
	}
	for s, name := range statuses {
		if s.String() != name {
			t.Errorf("Status(%d).String() = %q, expected %q", int(s), s.String(), name)
		}
	}
	outcomes := map[Outcome]string{
		OutcomeSuccess: "success", OutcomeFailed: "failed", OutcomeNotSent: "not_sent", OutcomeUnknown: "unknown",
		Outcome(-1): "invalid", Outcome(1 << 32): "invalid",
	}
	for o, name := range outcomes {
		if o.String() != name {
			t.Errorf("Outcome(%d).String() = %q, expected %q", int(o), o.String(), name)
		}
	}
}

func TestSuccessSendsOneSignedRequest(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6, emulator.Running5, emulator.Running4}
	results, err := client.Restart(ctx, ids...)
	if err != nil {
		t.Fatalf("Restart: %v", err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	if s, ok := StatusOf(err); !ok || s != StatusOK {
		t.Errorf("StatusOf(nil) = %v, %v", s, ok)
	}
	requests, err := emu.Requests()
	if err != nil {
		t.Fatal(err)
	}
	if len(requests) != 1 {
		t.Fatalf("%d requests, expected 1", len(requests))
	}
	r := requests[0]
	if r.Method != "PUT" || r.Path != "/v2/"+emulator.ProjectID+"/instances/status" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	body := requestBodies(t)[0]
	if body.Action != "restart" || strings.Join(body.Instances, ",") != strings.Join(ids, ",") {
		t.Errorf("body %+v", body)
	}
}

func TestSoftRestartAndFlushSendTheirAction(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	if _, err := client.SoftRestart(ctx, emulator.Running6); err != nil {
		t.Fatalf("SoftRestart: %v", err)
	}
	if _, err := client.Flush(ctx, emulator.Running6); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	var actions []string
	for _, b := range requestBodies(t) {
		actions = append(actions, b.Action)
	}
	if strings.Join(actions, ",") != "soft_restart,flush" {
		t.Errorf("actions %v", actions)
	}
}

func TestPartialIsAnErrorWithTheResults(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	// Redis 3.0 cannot be flushed, a frozen instance cannot be acted on, an unknown one does not exist.
	ids := []string{emulator.Running6, emulator.Running3, emulator.Frozen, "no-such-instance"}
	results, err := client.Flush(ctx, ids...)
	checkResults(t, results, ids, OutcomeSuccess, OutcomeFailed, OutcomeFailed, OutcomeFailed)
	if err == nil {
		t.Fatal("a partial success returned no error")
	}
	wrapped := fmt.Errorf("flushing: %w", err)
	if !IsPartial(wrapped) || IsAPI(wrapped) {
		t.Errorf("IsPartial/IsAPI of %v", wrapped)
	}
	e := dcsError(t, wrapped, StatusPartial)
	if e.HTTPStatus != 200 || e.RequestID == "" || !strings.Contains(e.Message, "3 of 4") {
		t.Errorf("partial error %+v", *e)
	}
	if s, ok := StatusOf(wrapped); !ok || s != StatusPartial {
		t.Errorf("StatusOf = %v, %v", s, ok)
	}
	if stats(t).APIRequests != 1 {
		t.Errorf("requests: %+v", stats(t))
	}
}

func TestWrongSKIsAnAPIErrorWithTheRequestID(t *testing.T) {
	fresh(t)
	client := testClient(t, func(c *Config) { c.SK = "not-the-secret-key" })
	ids := []string{emulator.Running6, emulator.Running5}
	results, err := client.Restart(ctx, ids...)
	checkResults(t, results, ids, OutcomeFailed)
	e := dcsError(t, err, StatusAPI)
	if !IsAPI(err) || e.HTTPStatus != 401 || e.Code != "APIGW.0301" || len(e.RequestID) != 32 {
		t.Errorf("error %+v", *e)
	}
	if !strings.Contains(e.Error(), "401") || !strings.Contains(e.Error(), e.RequestID) ||
		!strings.Contains(e.Error(), "APIGW.0301") {
		t.Errorf("Error() = %q", e.Error())
	}
	if stats(t).APIRequests != 1 { // a 401 is final: not retried
		t.Errorf("requests: %+v", stats(t))
	}
}

func TestIAMToken(t *testing.T) {
	fresh(t)
	client := testClient(t, func(c *Config) { c.AK, c.SK, c.AuthToken = "", "", emulator.AuthToken })
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatalf("Restart with the IAM token: %v", err)
	}
	requests, err := emu.Requests()
	if err != nil || len(requests) != 1 {
		t.Fatalf("requests %v, %v", requests, err)
	}
	found := false
	for _, h := range requests[0].Headers {
		if strings.EqualFold(h[0], "X-Auth-Token") && h[1] == emulator.AuthToken {
			found = true
		}
	}
	if !found {
		t.Errorf("no X-Auth-Token in %v", requests[0].Headers)
	}

	wrong := testClient(t, func(c *Config) { c.AK, c.SK, c.AuthToken = "", "", "wrong-token" })
	results, err := wrong.Restart(ctx, emulator.Running6)
	checkResults(t, results, []string{emulator.Running6}, OutcomeFailed)
	if e := dcsError(t, err, StatusAPI); e.HTTPStatus != 401 || e.Code != "DCS.1001" {
		t.Errorf("error %+v", *e)
	}
}

// Each fault of the emulator, on a call of two ids with a 1 s request timeout.
func TestEveryFaultGivesItsStatusAndOutcome(t *testing.T) {
	cases := []struct {
		kind     string
		count    int
		params   map[string]interface{}
		status   Status
		outcome  Outcome
		http     int
		code     string
		message  string
		requests int
	}{
		{"status500", 1, nil, StatusAPI, OutcomeUnknown, 500, "DCS.5000", "may have been applied", 1},
		{"html502", 1, nil, StatusAPI, OutcomeUnknown, 502, "", "502", 1},
		{"status503", 1, map[string]interface{}{"retry_after": 0}, StatusOK, OutcomeSuccess, 0, "", "", 2},
		{"status503", 3, map[string]interface{}{"retry_after": 0}, StatusAPI, OutcomeFailed, 503, "APIGW.0308", "after 2 retries", 3},
		{"status429", 3, map[string]interface{}{"retry_after": 0}, StatusAPI, OutcomeFailed, 429, "APIGW.0308", "after 2 retries", 3},
		{"delay", 1, map[string]interface{}{"ms": 3000}, StatusTimeout, OutcomeUnknown, 0, "", "may have been applied", 1},
		{"reset", 1, nil, StatusTransport, OutcomeUnknown, 0, "", "may have been applied", 1},
		{"truncated", 1, nil, StatusTransport, OutcomeUnknown, 0, "", "may have been applied", 1},
		{"not_json", 1, nil, StatusProtocol, OutcomeUnknown, 200, "", "not the expected JSON", 1},
		{"wrong_types", 1, nil, StatusProtocol, OutcomeUnknown, 200, "", "", 1},
		{"missing_results", 1, nil, StatusProtocol, OutcomeUnknown, 200, "", "", 1},
		{"huge", 1, map[string]interface{}{"mb": 8}, StatusProtocol, OutcomeUnknown, 0, "", "larger than 1048576 bytes", 1},
		{"all_failed", 1, nil, StatusPartial, OutcomeFailed, 200, "", "", 1},
	}
	ids := []string{emulator.Running6, emulator.Running5}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s_x%d", c.kind, c.count), func(t *testing.T) {
			fresh(t)
			client := testClient(t, func(cfg *Config) { cfg.ConnectTimeout, cfg.Timeout = time.Second, time.Second })
			fault(t, c.kind, c.count, 0, c.params)
			results, err := client.Restart(ctx, ids...)
			checkResults(t, results, ids, c.outcome)
			if c.status == StatusOK {
				if err != nil {
					t.Fatalf("error %v, expected none", err)
				}
			} else {
				e := dcsError(t, err, c.status)
				if e.HTTPStatus != c.http || e.Code != c.code || !strings.Contains(e.Message, c.message) {
					t.Errorf("error %+v", *e)
				}
				if c.http != 0 && e.RequestID == "" {
					t.Errorf("no request id: %+v", *e)
				}
				if errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%v wraps context.DeadlineExceeded, but no context had a deadline", err)
				}
			}
			if got := stats(t).APIRequests; got != c.requests {
				t.Errorf("%d requests, expected %d", got, c.requests)
			}
		})
	}
}

func TestConnectionRefusedIsNotSent(t *testing.T) {
	closed, err := emulator.ClosedURL()
	if err != nil {
		t.Fatal(err)
	}
	retries := 0
	client := testClient(t, func(c *Config) { c.Endpoint, c.MaxRetries = closed, &retries })
	ids := []string{emulator.Running6, emulator.Running5}
	results, err := client.Restart(ctx, ids...)
	checkResults(t, results, ids, OutcomeNotSent)
	e := dcsError(t, err, StatusTransport)
	if !IsTransport(err) || e.HTTPStatus != 0 || !strings.Contains(e.Message, "not sent") {
		t.Errorf("error %+v", *e)
	}
}

// The client's timeout is 30 s, the answer comes after 4 s: the context's
// 500 ms deadline ends the call.
func TestContextDeadlineCutsASlowAnswer(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 4000})
	deadlineCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	ids := []string{emulator.Running6, emulator.Running5}
	started := time.Now()
	results, err := client.Restart(deadlineCtx, ids...)
	elapsed := time.Since(started)
	checkResults(t, results, ids, OutcomeUnknown)
	dcsError(t, err, StatusTimeout)
	if !IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v: IsTimeout %v, wraps DeadlineExceeded %v", err, IsTimeout(err),
			errors.Is(err, context.DeadlineExceeded))
	}
	if elapsed < 400*time.Millisecond || elapsed > 1500*time.Millisecond {
		t.Errorf("returned after %v, expected about 500 ms", elapsed)
	}
	if got := stats(t).APIRequests; got != 1 {
		t.Errorf("%d requests", got)
	}
}

// A deadline longer than the call needs changes nothing.
func TestContextDeadlineInTimeIsSuccess(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	deadlineCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	results, err := client.Flush(deadlineCtx, emulator.Running6)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, []string{emulator.Running6}, OutcomeSuccess)
}

func TestContextAlreadyDoneSendsNothing(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6, emulator.Running5}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	results, err := client.Restart(cancelled, ids...)
	checkResults(t, results, ids, OutcomeNotSent)
	dcsError(t, err, StatusCancelled)
	if !IsCancelled(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not wrap context.Canceled", err)
	}

	expired, cancel2 := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel2()
	results, err = client.Flush(expired, ids...)
	checkResults(t, results, ids, OutcomeNotSent)
	dcsError(t, err, StatusTimeout)
	if !IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v: not a timeout wrapping context.DeadlineExceeded", err)
	}

	if s := stats(t); s.APIRequests != 0 || s.APIConnections != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	cases := []struct {
		ids     []string
		message string
	}{
		{[]string{emulator.Running6, "abc\x00def"}, "instance_ids[1] holds a NUL byte"}, // caught in Go
		{nil, "count is 0"},
		{[]string{}, "count is 0"},
		{[]string{""}, "instance_ids[0] is empty"},
		{[]string{emulator.Running6, "abc\ndef"}, "instance_ids[1] holds a control character"},
		{[]string{"abc\xff\xfe"}, "instance_ids[0] is not valid UTF-8"},
		{[]string{strings.Repeat("a", MaxIDBytes+1)}, "longer than 128 bytes"},
		{[]string{emulator.Running6, emulator.Running5, emulator.Running6}, "instance_ids[2] repeats instance_ids[0]"},
		{make([]string, MaxIDsPerCall+1), "count"},
	}
	for _, c := range cases {
		results, err := client.Restart(ctx, c.ids...)
		if results != nil {
			t.Errorf("%q: results %v, expected none", c.message, results)
		}
		e := dcsError(t, err, StatusInvalid)
		if !IsInvalid(err) || e.HTTPStatus != 0 || !strings.Contains(e.Message, c.message) {
			t.Errorf("%q: error %+v", c.message, *e)
		}
	}
	if s := stats(t); s.APIRequests != 0 || s.APIConnections != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestLongestIDAndUnusualIDReachTheServiceIntact(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	unusual := "quote\"back\\slash/café-日本-🔥"
	long := strings.Repeat("b", MaxIDBytes)
	ids := []string{unusual, long, emulator.Running6}
	results, err := client.Restart(ctx, ids...)
	checkResults(t, results, ids, OutcomeFailed, OutcomeFailed, OutcomeSuccess)
	if !IsPartial(err) {
		t.Errorf("error %v", err)
	}
	if body := requestBodies(t)[0]; strings.Join(body.Instances, "\n") != strings.Join(ids, "\n") {
		t.Errorf("sent %q", body.Instances)
	}
}

func Test120IDsInOrderInThreeRequests(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	var ids []string
	for n := 120; n >= 1; n-- { // reversed: the order cannot come from the fleet
		ids = append(ids, fmt.Sprintf("emu-%04d", n))
	}
	results, err := client.Flush(ctx, ids...)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, ids, OutcomeSuccess)
	var sizes []int
	var sent []string
	for _, b := range requestBodies(t) {
		sizes = append(sizes, len(b.Instances))
		sent = append(sent, b.Instances...)
	}
	if fmt.Sprint(sizes) != "[50 50 20]" || strings.Join(sent, ",") != strings.Join(ids, ",") {
		t.Errorf("requests of %v ids, sent %v", sizes, sent)
	}
}

// A 500 on the second of three requests: the first keeps its outcomes, the
// second is unknown, the third is not sent.
func TestFaultOnSecondRequestKeepsEveryOutcome(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "status500", 1, 1, nil)
	var ids []string
	var want []Outcome
	for n := 1; n <= 120; n++ {
		ids = append(ids, fmt.Sprintf("emu-%04d", n))
		switch {
		case n <= 50:
			want = append(want, OutcomeSuccess)
		case n <= 100:
			want = append(want, OutcomeUnknown)
		default:
			want = append(want, OutcomeNotSent)
		}
	}
	results, err := client.Flush(ctx, ids...)
	checkResults(t, results, ids, want...)
	if e := dcsError(t, err, StatusAPI); e.HTTPStatus != 500 {
		t.Errorf("error %+v", *e)
	}
	if got := stats(t).APIRequests; got != 2 {
		t.Errorf("%d requests, expected 2", got)
	}
}

// Each result carries the request id of the answer that decided it: the
// first 50 the 200's, the next 50 the 500's (the error's), the rest none.
func TestResultsCarryTheRequestIDOfTheirAnswer(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "status500", 1, 1, nil)
	var ids []string
	for n := 1; n <= 120; n++ {
		ids = append(ids, fmt.Sprintf("emu-%04d", n))
	}
	results, err := client.Flush(ctx, ids...)
	e := dcsError(t, err, StatusAPI)
	first, second := results[0].RequestID, results[50].RequestID
	if len(first) != 32 || len(second) != 32 || first == second || second != e.RequestID {
		t.Fatalf("request ids %q and %q, the error's %q", first, second, e.RequestID)
	}
	for i, r := range results {
		want := ""
		switch {
		case i < 50:
			want = first
		case i < 100:
			want = second
		}
		if r.RequestID != want {
			t.Errorf("result %d: request id %q, expected %q", i, r.RequestID, want)
		}
	}
	// A wait sends no action: no answer decided its results.
	waited, err := client.WaitRunning(ctx, time.Minute, emulator.Running6)
	if err != nil || waited[0].RequestID != "" {
		t.Errorf("wait: %+v, %v", waited, err)
	}
}

// CheckInstanceIDs says what a call would say about the same ids, sends
// nothing, and needs no client.
func TestCheckInstanceIDsIsTheCallsCheck(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	for _, ids := range [][]string{
		{emulator.Running6, "abc\x00def"}, nil, {""}, {emulator.Running6, "abc\ndef"}, {"abc\xff"},
		{strings.Repeat("a", MaxIDBytes+1)}, {emulator.Running6, emulator.Running5, emulator.Running6},
		make([]string, MaxIDsPerCall+1),
	} {
		checked := dcsError(t, CheckInstanceIDs(ids...), StatusInvalid)
		_, err := client.Restart(ctx, ids...)
		if called := dcsError(t, err, StatusInvalid); checked.Message != called.Message {
			t.Errorf("%q: checked %q, called %q", ids, checked.Message, called.Message)
		}
	}
	if err := CheckInstanceIDs(emulator.Running6, "café", strings.Repeat("b", MaxIDBytes)); err != nil {
		t.Errorf("good ids: %v", err)
	}
	if s := stats(t); s.APIRequests != 0 || s.APIConnections != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// LibcurlVersion is the version of the system's libcurl, the one libdcs.so
// links (the build's, as pkg-config knows it, on the machines that run these
// tests).
func TestLibcurlVersion(t *testing.T) {
	out, err := exec.Command("pkg-config", "--modversion", "libcurl").Output()
	if err != nil {
		t.Fatalf("pkg-config --modversion libcurl: %v", err)
	}
	if want := strings.TrimSpace(string(out)); LibcurlVersion() != want {
		t.Errorf("LibcurlVersion() = %q, pkg-config says %q", LibcurlVersion(), want)
	}
}
