package dcs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

// cancelAfter is a context cancelled after d.
func cancelAfter(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	c, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(d, cancel)
	t.Cleanup(func() {
		timer.Stop()
		cancel()
	})
	return c
}

// checkCancelled: the call ended within 0.8 s, cancelled: StatusCancelled
// wrapping context.Canceled, the library saying so.
func checkCancelled(t *testing.T, err error, elapsed time.Duration) {
	t.Helper()
	e := dcsError(t, err, StatusCancelled)
	if !IsCancelled(err) || !errors.Is(err, context.Canceled) || IsTimeout(err) || !strings.Contains(e.Message, "cancelled") {
		t.Errorf("error %+v", *e)
	}
	if elapsed > scaled(800*time.Millisecond) {
		t.Errorf("the cancelled call returned after %v", elapsed)
	}
}

// The answer comes after 5 s; ctx is cancelled after 300 ms.
func TestCancelDuringADelayedAnswer(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 5000})
	ids := []string{emulator.Running6, emulator.Running5}
	started := time.Now()
	results, err := client.Restart(cancelAfter(t, 300*time.Millisecond), ids...)
	checkCancelled(t, err, time.Since(started))
	checkResults(t, results, ids, OutcomeUnknown) // sent: may have been applied
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// 503 with Retry-After: 5: the cancellation ends the wait for the retry,
// which is never made; the 503 refused the request (not applied).
func TestCancelDuringARetryWait(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "status503", 1, 0, map[string]interface{}{"retry_after": 5})
	started := time.Now()
	results, err := client.Flush(cancelAfter(t, 300*time.Millisecond), emulator.Running6)
	checkCancelled(t, err, time.Since(started))
	checkResults(t, results, []string{emulator.Running6}, OutcomeFailed)
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// A batch of 60 ids is two requests; the first one's answer is slow: the
// second is never sent.
func TestCancelLeavesTheRestNotSent(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 5000})
	ids := generatedIDs(60)
	started := time.Now()
	results, err := client.Flush(cancelAfter(t, 300*time.Millisecond), ids...)
	checkCancelled(t, err, time.Since(started))
	outcomes := make([]Outcome, 60)
	for i := range outcomes {
		outcomes[i] = OutcomeUnknown
		if i >= MaxIDsPerRequest {
			outcomes[i] = OutcomeNotSent
		}
	}
	checkResults(t, results, ids, outcomes...)
	if s := stats(t); s.StatusPuts != 1 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// Waiting for RUNNING, alone or after a restart, ends too; restarted
// instances stay RESTARTING for 60 s here.
func TestCancelAWait(t *testing.T) {
	slow := startEmulator(t, "--restart-seconds", "60")
	client := clientFor(t, slow, nil)
	if _, err := client.Restart(ctx, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	results, err := client.WaitRunning(cancelAfter(t, 300*time.Millisecond), time.Minute, emulator.Running6)
	checkCancelled(t, err, time.Since(started))
	checkResults(t, results, []string{emulator.Running6}, OutcomeUnknown)

	started = time.Now()
	results, err = client.RestartAndWait(cancelAfter(t, 300*time.Millisecond), time.Minute, emulator.Running5)
	checkCancelled(t, err, time.Since(started))
	checkResults(t, results, []string{emulator.Running5}, OutcomeUnknown)
}

func TestCancelledBeforeSendsNothing(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ids := []string{emulator.Running6, emulator.Running5}
	calls := map[string]func() ([]Result, error){
		"Restart":        func() ([]Result, error) { return client.Restart(cancelled, ids...) },
		"SoftRestart":    func() ([]Result, error) { return client.SoftRestart(cancelled, ids...) },
		"Flush":          func() ([]Result, error) { return client.Flush(cancelled, ids...) },
		"RestartAndWait": func() ([]Result, error) { return client.RestartAndWait(cancelled, time.Minute, ids...) },
		"WaitRunning":    func() ([]Result, error) { return client.WaitRunning(cancelled, time.Minute, ids...) },
	}
	for name, call := range calls {
		results, err := call()
		checkResults(t, results, ids, OutcomeNotSent)
		if !IsCancelled(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s := stats(t); s.APIRequests != 0 || s.APIConnections != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// The token outlives the call and the goroutine watching ctx: here that
// goroutine is held up between ctx's end and its trigger, while the call
// ends by itself; the call does not return (nor free the token) before the
// goroutine is done with it.
func TestCancelTokenIsFreedAfterItsLastUse(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	var mu sync.Mutex
	var events []string
	hook := func(event string) {
		if event == "trigger" {
			time.Sleep(400 * time.Millisecond)
		}
		mu.Lock()
		events = append(events, event)
		mu.Unlock()
	}
	testHookCancel.Store(&hook)
	defer testHookCancel.Store(nil)

	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 200})
	started := time.Now()
	// Cancelled after 50 ms, triggered after 450 ms: the answer (200 ms) wins.
	results, err := client.Restart(cancelAfter(t, 50*time.Millisecond), emulator.Running6)
	elapsed := time.Since(started)
	if err != nil {
		t.Fatalf("the call, answered before the token was triggered: %v", err)
	}
	checkResults(t, results, []string{emulator.Running6}, OutcomeSuccess)
	mu.Lock()
	got := strings.Join(events, ",")
	mu.Unlock()
	if got != "trigger,triggered,free" {
		t.Errorf("events %q, expected the token freed after its trigger", got)
	}
	if elapsed < 400*time.Millisecond {
		t.Errorf("the call returned after %v, before the watching goroutine was done", elapsed)
	}

	// A context that can never end gets no token and no goroutine.
	mu.Lock()
	events = nil
	mu.Unlock()
	if _, err := client.Flush(context.Background(), emulator.Running6); err != nil {
		t.Fatal(err)
	}
	// A call that ends first frees its token; its goroutine never triggers it.
	cancellable, cancel := context.WithCancel(ctx)
	if _, err := client.Flush(cancellable, emulator.Running6); err != nil {
		t.Fatal(err)
	}
	cancel()
	mu.Lock()
	got = strings.Join(events, ",")
	mu.Unlock()
	if got != "free" {
		t.Errorf("events %q, expected one token, freed untriggered", got)
	}
}

// Many goroutines share one client (with a logger) and cancel their calls at
// various moments, before, during and after the answer: every call ends as
// one of those, promptly, and the client goes on working. Run with -race.
func TestManyGoroutinesCancelCallsOnASharedClient(t *testing.T) {
	fresh(t)
	var lines atomic.Int64
	client := testClient(t, func(c *Config) {
		c.Logger = func(LogLevel, string) { lines.Add(1) }
	})
	fault(t, "delay", 10000, 0, map[string]interface{}{"ms": 100})
	const goroutines, calls = 16, 8
	delays := []time.Duration{0, time.Millisecond, 40 * time.Millisecond, 90 * time.Millisecond, 2 * time.Second}
	var succeeded, cancelled atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				ids := []string{fmt.Sprintf("emu-%04d", (g*calls+i)%120+1), emulator.Running6}
				callCtx, cancel := context.WithCancel(ctx)
				timer := time.AfterFunc(delays[(g+i)%len(delays)], cancel)
				started := time.Now()
				var results []Result
				var err error
				if i%3 == 2 {
					results, err = client.WaitRunning(callCtx, 10*time.Second, ids...)
				} else {
					results, err = client.Flush(callCtx, ids...)
				}
				elapsed := time.Since(started)
				timer.Stop()
				cancel()
				if len(results) != len(ids) {
					t.Errorf("%d results: %v, %v", len(results), results, err)
					continue
				}
				switch {
				case err == nil:
					succeeded.Add(1)
					for _, r := range results {
						if r.Outcome != OutcomeSuccess {
							t.Errorf("success with %v", results)
						}
					}
				case IsCancelled(err) && errors.Is(err, context.Canceled):
					cancelled.Add(1)
					for _, r := range results {
						if r.Outcome != OutcomeUnknown && r.Outcome != OutcomeNotSent {
							t.Errorf("cancelled with %v", results)
						}
					}
					if elapsed > scaled(2*time.Second) {
						t.Errorf("a cancelled call took %v", elapsed)
					}
				default:
					t.Errorf("call: %v, %v", results, err)
				}
			}
		}(g)
	}
	wg.Wait()
	t.Logf("%d calls succeeded, %d cancelled, %d log lines", succeeded.Load(), cancelled.Load(), lines.Load())
	if cancelled.Load() == 0 || succeeded.Load() == 0 {
		t.Errorf("%d succeeded, %d cancelled: expected both", succeeded.Load(), cancelled.Load())
	}
	if err := emu.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Flush(ctx, emulator.Running6); err != nil {
		t.Errorf("the client after the cancellations: %v", err)
	}
}

func generatedIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("emu-%04d", i+1)
	}
	return ids
}
