package dcs

import (
	"context"
	"strings"
	"sync"
	"testing"
)

// An emulator whose clock is an hour ahead refuses the first signature; the library learns
// the service's time from the answer's Date and sends the request once more, and logs it.
func TestClockSkewIsCorrected(t *testing.T) {
	fresh(t)
	if err := emu.SetClockOffset(3600); err != nil {
		t.Fatal(err)
	}
	defer emu.SetClockOffset(0)
	var mu sync.Mutex
	var warnings []string
	client := testClient(t, func(cfg *Config) {
		cfg.LogLevel = LogWarn
		cfg.Logger = func(level LogLevel, message string) {
			mu.Lock()
			defer mu.Unlock()
			warnings = append(warnings, message)
		}
	})
	results, err := client.Flush(context.Background(), "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef")
	if err != nil || len(results) != 1 || results[0].Outcome != OutcomeSuccess {
		t.Fatalf("Flush = %v, %v", results, err)
	}
	stats, err := emu.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.StatusPuts != 2 {
		t.Errorf("status_puts = %d, expected 2 (refused once, then accepted)", stats.StatusPuts)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "the service's clock is") {
		t.Errorf("warnings = %q", warnings)
	}
}
