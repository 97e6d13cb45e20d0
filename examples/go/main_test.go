package dcs

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

// emu is the one emulator of this package's tests: the default fleet plus
// emu-0001..emu-0120, restarts complete at once so that calls can repeat.
var emu *emulator.Emulator

func TestMain(m *testing.M) {
	var err error
	// --record-secrets: TestIAMToken checks the token that was sent.
	emu, err = emulator.Start("--record-requests", "--record-secrets", "--restart-seconds", "0", "--generated-instances", "120", "--quiet")
	if err != nil {
		fmt.Fprintf(os.Stderr, "dcs tests need dcs-emulator: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	emu.Stop()
	os.Exit(code)
}

// fresh resets the emulator: zero counters, no recorded requests or faults.
func fresh(t *testing.T) *emulator.Emulator {
	t.Helper()
	if err := emu.Reset(); err != nil {
		t.Fatal(err)
	}
	return emu
}

func testConfig() Config {
	return configFor(emu)
}

func configFor(e *emulator.Emulator) Config {
	return Config{Endpoint: e.URL, ProjectID: emulator.ProjectID, AK: emulator.AK, SK: emulator.SK}
}

// testClient makes a client for the emulator, changed by adjust, closed at the
// end of the test.
func testClient(t *testing.T, adjust func(*Config)) *Client {
	t.Helper()
	return clientFor(t, emu, adjust)
}

// clientFor is testClient for another emulator.
func clientFor(t *testing.T, e *emulator.Emulator, adjust func(*Config)) *Client {
	t.Helper()
	cfg := configFor(e)
	if adjust != nil {
		adjust(&cfg)
	}
	client, err := NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// awaitFinalizers runs forget, which drops clients without closing them, and
// waits until the finalizer has freed count of them (testHookFinalized).
func awaitFinalizers(t *testing.T, count int, forget func()) {
	t.Helper()
	finalized := make(chan struct{}, count)
	hook := func() { finalized <- struct{}{} }
	testHookFinalized.Store(&hook)
	defer testHookFinalized.Store(nil)
	forget()
	for deadline, seen := time.Now().Add(10*time.Second), 0; seen < count; {
		runtime.GC()
		select {
		case <-finalized:
			seen++
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d finalizers ran", seen, count)
		}
	}
}

func stats(t *testing.T) emulator.Stats {
	t.Helper()
	s, err := emu.Stats()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fault(t *testing.T, kind string, count, skip int, params map[string]interface{}) {
	t.Helper()
	if err := emu.Fault(kind, count, skip, params); err != nil {
		t.Fatal(err)
	}
}

// startEmulator starts an emulator of the test's own (quiet, with args),
// stopped at its end.
func startEmulator(t *testing.T, args ...string) *emulator.Emulator {
	t.Helper()
	e, err := emulator.Start(append([]string{"--quiet"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Stop)
	return e
}

// scaled multiplies a time bound by DCS_TEST_TIME_SCALE (default 1), as the C
// tests do, for slow machines and debuggers.
func scaled(d time.Duration) time.Duration {
	scale, err := strconv.ParseFloat(os.Getenv("DCS_TEST_TIME_SCALE"), 64)
	if err != nil || scale < 1 {
		scale = 1
	}
	return time.Duration(float64(d) * scale)
}
