package dcs

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"libdcs.dev/go/dcs/internal/emulator"
)

func TestGoroutinesShareOneClient(t *testing.T) {
	const goroutines, calls = 16, 30
	fresh(t)
	client := testClient(t, nil)
	ids := []string{emulator.Running6, emulator.Running5, emulator.Running4}
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				results, err := client.Flush(ctx, ids...)
				if err != nil || len(results) != len(ids) {
					t.Errorf("call: %v, %d results", err, len(results))
					failed.Add(1)
					continue
				}
				for j, r := range results {
					if r.InstanceID != ids[j] || r.Outcome != OutcomeSuccess {
						t.Errorf("result %d: %+v", j, r)
						failed.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
	if s := stats(t); s.APIRequests != goroutines*calls {
		t.Errorf("%d requests, expected %d", s.APIRequests, goroutines*calls)
	}
}

func checkClosedError(t *testing.T, results []Result, err error) {
	t.Helper()
	if results != nil {
		t.Errorf("results %v from a closed client", results)
	}
	e := dcsError(t, err, StatusInvalid)
	if !errors.Is(err, ErrClosed) || e.Message != "client is closed" {
		t.Errorf("error %+v", *e)
	}
}

func TestCallAfterCloseIsInvalid(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	if err := client.Close(); err != nil {
		t.Fatal(err)
	}
	if err := client.Close(); err != nil { // twice is harmless
		t.Fatal(err)
	}
	results, err := client.Restart(ctx, emulator.Running6)
	checkClosedError(t, results, err)
	results, err = client.Flush(ctx, emulator.Running6, "bad\x00id") // Go's own check comes first
	if results != nil || !IsInvalid(err) || errors.Is(err, ErrClosed) {
		t.Errorf("%v, %v", results, err)
	}

	var none *Client
	if _, err := none.SoftRestart(ctx, emulator.Running6); !IsInvalid(err) {
		t.Errorf("nil client: %v", err)
	}
	if err := none.Close(); err != nil {
		t.Errorf("nil client Close: %v", err)
	}
	if s := stats(t); s.APIRequests != 0 {
		t.Errorf("the emulator saw %+v", s)
	}
}

// Close while a call waits for a slow answer: Close waits for it, and the
// call ends normally on a handle that was not freed under it.
func TestCloseWaitsForTheCallInFlight(t *testing.T) {
	fresh(t)
	client := testClient(t, nil)
	fault(t, "delay", 1, 0, map[string]interface{}{"ms": 1000})
	type outcome struct {
		results []Result
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		results, err := client.Restart(ctx, emulator.Running6)
		done <- outcome{results, err}
	}()
	// Close once the request reached the emulator, which holds the answer 1 s.
	for deadline := time.Now().Add(5 * time.Second); stats(t).APIRequests == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the request never arrived")
		}
		time.Sleep(10 * time.Millisecond)
	}
	closing := time.Now()
	client.Close()
	if waited := time.Since(closing); waited < 500*time.Millisecond {
		t.Errorf("Close returned after %v, while the call waited for its answer", waited)
	}
	call := <-done
	if call.err != nil {
		t.Fatalf("the call in flight failed: %v", call.err)
	}
	checkResults(t, call.results, []string{emulator.Running6}, OutcomeSuccess)
	results, err := client.Restart(ctx, emulator.Running6)
	checkClosedError(t, results, err)
}

// Goroutines call while others close: every call either succeeds or reports
// the closed client; nothing crashes, and after Close every call is refused.
func TestCloseRacingWithCalls(t *testing.T) {
	fresh(t)
	for round := 0; round < 5; round++ {
		client := testClient(t, nil)
		var wg sync.WaitGroup
		var succeeded, refused atomic.Int64
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 200; i++ {
					results, err := client.Flush(ctx, emulator.Running6, emulator.Running5)
					switch {
					case err == nil && len(results) == 2:
						succeeded.Add(1)
					case errors.Is(err, ErrClosed) && IsInvalid(err) && results == nil:
						refused.Add(1)
						return
					default:
						t.Errorf("call: %v, %v", results, err)
						return
					}
				}
			}()
		}
		for g := 0; g < 3; g++ { // several closers at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(round) * 5 * time.Millisecond)
				client.Close()
			}()
		}
		wg.Wait()
		results, err := client.Flush(ctx, emulator.Running6)
		checkClosedError(t, results, err)
		t.Logf("round %d: %d calls succeeded, %d refused", round, succeeded.Load(), refused.Load())
	}
}

// A client nobody closed is freed by its finalizer once unreachable.
func TestFinalizerFreesAForgottenClient(t *testing.T) {
	fresh(t)
	awaitFinalizers(t, 1, func() {
		client, err := NewClient(testConfig())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.Restart(ctx, emulator.Running6); err != nil {
			t.Fatal(err)
		}
	})
}
