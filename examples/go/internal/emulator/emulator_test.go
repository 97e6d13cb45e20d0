package emulator

import (
	"net/http"
	"os"
	"strings"
	"testing"
)

// Stop keeps the log for Log and removes its file: thousands of test runs
// leave nothing behind in the temporary directory.
func TestStopKeepsTheLogAndRemovesItsFile(t *testing.T) {
	e, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	response, err := client.Get(e.URL + "/v2/" + ProjectID + "/instances") // unsigned: 401, and a log line
	if err != nil {
		t.Fatal(err)
	}
	response.Body.Close()
	if _, err := os.Stat(e.LogPath); err != nil {
		t.Fatalf("while it runs: %v", err)
	}
	e.Stop()
	if _, err := os.Stat(e.LogPath); !os.IsNotExist(err) {
		t.Errorf("after Stop, %s: %v", e.LogPath, err)
	}
	if log := e.Log(); !strings.Contains(log, "GET /v2/"+ProjectID+"/instances 401") {
		t.Errorf("Log after Stop: %q", log)
	}
	e.Stop() // twice: harmless
}

// A fleet file gives the fleet, and is gone once the emulator listens.
func TestStartWithFleet(t *testing.T) {
	seconds := 0.2
	e, err := StartWithFleet([]FleetInstance{
		{ID: "a-1", Name: "alpha", EngineVersion: "6.0", Status: "RUNNING", Tags: map[string]string{"role": "x"},
			RestartSeconds: &seconds},
		{ID: "b-2", EngineVersion: "5.0", Status: "FROZEN", NeverReturns: true},
	}, "--quiet", "--generated-instances", "1")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Stop()
	fleet, err := e.Instances()
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet) != 3 || fleet[0].Name != "alpha" || fleet[0].Tags["role"] != "x" || fleet[1].Name != "b-2" ||
		!fleet[1].NeverReturns || fleet[2].ID != "emu-0001" {
		t.Errorf("fleet %+v", fleet)
	}
	if err := e.SetNeverReturns("a-1", true); err != nil {
		t.Fatal(err)
	}
	if fleet, err := e.Instances(); err != nil || !fleet[0].NeverReturns {
		t.Errorf("after SetNeverReturns: %+v, %v", fleet, err)
	}
}
