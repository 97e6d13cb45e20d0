package dcs

import (
	"strings"
	"sync"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

type logLine struct {
	level   LogLevel
	message string
}

// lineLog collects the lines of a Logger, from any goroutine.
type lineLog struct {
	mu    sync.Mutex
	lines []logLine
}

func (l *lineLog) log(level LogLevel, message string) {
	l.mu.Lock()
	l.lines = append(l.lines, logLine{level, message})
	l.mu.Unlock()
}

func (l *lineLog) all() []logLine {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logLine(nil), l.lines...)
}

// find is the first line whose message matches, or fails the test.
func (l *lineLog) find(t *testing.T, what string, match func(string) bool) logLine {
	t.Helper()
	for _, line := range l.all() {
		if match(line.message) {
			return line
		}
	}
	t.Errorf("no line %s among:\n%s", what, l)
	return logLine{level: -1}
}

func (l *lineLog) String() string {
	var b strings.Builder
	for _, line := range l.all() {
		b.WriteString(line.level.String() + " " + line.message + "\n")
	}
	return b.String()
}

// A flush of 60 ids: the first request meets a 503 and is retried, the
// second meets a 500; then a status query. Each kind of line reaches the
// Logger at its level, and no line holds a secret, a signature or a header.
func TestLogLinesReachTheLogger(t *testing.T) {
	fresh(t)
	var lines lineLog
	client := testClient(t, func(c *Config) { c.Logger = lines.log })
	fault(t, "status503", 1, 0, map[string]interface{}{"retry_after": 0})
	fault(t, "status500", 1, 1, nil)
	_, err := client.Flush(ctx, generatedIDs(60)...)
	dcsError(t, err, StatusAPI)
	if _, err := client.InstanceStatus(ctx, emulator.Running4); err != nil {
		t.Fatal(err)
	}

	path := "/v2/" + emulator.ProjectID + "/instances/status"
	expected := []struct {
		level LogLevel
		what  string
		match func(string) bool
	}{
		{LogDebug, "sending the first request", func(m string) bool {
			return m == "sending PUT "+path+": flush of 50 ids, request 1 of 2"
		}},
		{LogWarn, "retrying after the 503", func(m string) bool {
			return strings.HasPrefix(m, "retry 1 of 2 in 0 ms, HTTP 503 APIGW.0308: flush of 50 ids, request 1 of 2")
		}},
		{LogInfo, "for the answer", func(m string) bool {
			return strings.HasPrefix(m, "HTTP 200 in ") && strings.Contains(m, "request id ") &&
				strings.HasSuffix(m, "request 1 of 2")
		}},
		{LogError, "for the failed request", func(m string) bool {
			return strings.HasPrefix(m, "flush of 10 ids, request 2 of 2 failed")
		}},
		{LogDebug, "for the status query", func(m string) bool {
			return strings.HasPrefix(m, "sending GET /v2/") && strings.Contains(m, "status of 9d1e2f3a")
		}},
	}
	for _, e := range expected {
		if line := lines.find(t, e.what, e.match); line.level != e.level && line.level != -1 {
			t.Errorf("%q at level %v, expected %v", line.message, line.level, e.level)
		}
	}

	requests, err := emu.Requests()
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{emulator.SK, "Authorization", "X-Security-Token", "X-Auth-Token"}
	for _, r := range requests {
		for _, h := range r.Headers {
			if strings.EqualFold(h[0], "Authorization") {
				secrets = append(secrets, h[1][strings.Index(h[1], "Signature=")+len("Signature="):])
			}
		}
	}
	if len(secrets) < 4+4 { // a signature for each of the 4 requests
		t.Fatalf("signatures of %d requests", len(requests))
	}
	for _, line := range lines.all() {
		for _, secret := range secrets {
			if strings.Contains(line.message, secret) {
				t.Errorf("%q holds %q", line.message, secret)
			}
		}
		if strings.Contains(line.message, "\n") {
			t.Errorf("%q holds a newline", line.message)
		}
	}
}

// LogLevel is the lowest level passed on.
func TestLogLevelFiltersLines(t *testing.T) {
	fresh(t)
	var lines lineLog
	client := testClient(t, func(c *Config) { c.Logger, c.LogLevel = lines.log, LogWarn })
	fault(t, "status503", 1, 0, map[string]interface{}{"retry_after": 0})
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	all := lines.all()
	if len(all) != 1 || all[0].level != LogWarn || !strings.HasPrefix(all[0].message, "retry 1 of 2") {
		t.Errorf("lines:\n%s", &lines)
	}
}

// A Logger that panics: the panic stays on the Go side, the call goes on.
func TestLoggerPanicDoesNotReachC(t *testing.T) {
	fresh(t)
	var calls lineLog
	client := testClient(t, func(c *Config) {
		c.Logger = func(level LogLevel, message string) {
			calls.log(level, message)
			panic("the logger is broken")
		}
	})
	results, err := client.Restart(ctx, emulator.Running6, emulator.Running5)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, []string{emulator.Running6, emulator.Running5}, OutcomeSuccess)
	if n := len(calls.all()); n < 2 { // sending, answered
		t.Errorf("the logger was called %d times", n)
	}
}

// The handle that carries the Logger through C lives as long as the client:
// deleted by Close, by the finalizer, and when NewClient fails.
func TestLoggerHandleIsDeletedWithTheClient(t *testing.T) {
	fresh(t)
	before := liveLogHandles.Load()
	logger := func(LogLevel, string) {}
	cfg := testConfig()
	cfg.Logger = logger
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := liveLogHandles.Load(); got != before+1 {
		t.Errorf("%d handles with a client, expected %d", got, before+1)
	}
	client.Close()
	if got := liveLogHandles.Load(); got != before {
		t.Errorf("%d handles after Close, expected %d", got, before)
	}

	cfg.ProjectID = "" // dcs_client_new refuses it
	if _, err := NewClient(cfg); !IsConfig(err) {
		t.Fatalf("error %v", err)
	}
	if got := liveLogHandles.Load(); got != before {
		t.Errorf("%d handles after a failed NewClient, expected %d", got, before)
	}

	awaitFinalizers(t, 2, func() {
		client, err := NewClient(testConfig())
		if err != nil {
			t.Fatal(err)
		}
		_ = client
		cfg := testConfig()
		cfg.Logger = logger
		logging, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_ = logging
	})
	if got := liveLogHandles.Load(); got != before {
		t.Errorf("%d handles after the finalizer, expected %d", got, before)
	}
}

// The service refuses the first two requests: 400 DCS.4111, restarting.
func TestBusyRetry(t *testing.T) {
	fresh(t)
	client := testClient(t, func(c *Config) { c.BusyRetry = 10 * time.Second })
	fault(t, "busy", 2, 0, nil)
	results, err := client.Restart(ctx, emulator.Running6)
	if err != nil {
		t.Fatal(err)
	}
	checkResults(t, results, []string{emulator.Running6}, OutcomeSuccess)
	if s := stats(t); s.StatusPuts != 3 {
		t.Errorf("the emulator saw %+v, expected two refusals and the accepted request", s)
	}
}

// Cancelled during the pause before a busy retry: the refused request was
// not applied, so its ids are failed, not unknown.
func TestCancelDuringABusyRetryPause(t *testing.T) {
	fresh(t)
	client := testClient(t, func(c *Config) { c.BusyRetry = 30 * time.Second })
	fault(t, "busy", 10, 0, nil)
	started := time.Now()
	results, err := client.Restart(cancelAfter(t, 300*time.Millisecond), emulator.Running6)
	checkCancelled(t, err, time.Since(started))
	checkResults(t, results, []string{emulator.Running6}, OutcomeFailed)
	if e := dcsError(t, err, StatusCancelled); e.HTTPStatus != 400 || e.Code != "DCS.4111" {
		t.Errorf("error %+v: expected the last refusal's details", *e)
	}
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestBusyRefusalIsFinalByDefault(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "busy", 2, 0, nil)
	results, err := client.Restart(ctx, emulator.Running6)
	checkResults(t, results, []string{emulator.Running6}, OutcomeFailed)
	if e := dcsError(t, err, StatusAPI); e.HTTPStatus != 400 || e.Code != "DCS.4111" {
		t.Errorf("error %+v", *e)
	}
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

func TestConfigStringShowsTheNewFields(t *testing.T) {
	cfg := testConfig()
	cfg.BusyRetry, cfg.Logger, cfg.LogLevel = 90*time.Second, func(LogLevel, string) {}, LogInfo
	if s := cfg.String(); !strings.Contains(s, "BusyRetry:1m30s Logger:set LogLevel:info}") {
		t.Errorf("%s", s)
	}
	if s := testConfig().String(); !strings.Contains(s, "BusyRetry:0s Logger:nil LogLevel:debug}") {
		t.Errorf("%s", s)
	}
}
