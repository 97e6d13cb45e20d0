// Package emulator starts and drives dcs-emulator for the tests, as
// Tests/harness/emulator.py does for the Python and C tests: one process on a
// free loopback port, its control API over plain HTTP.
package emulator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Credentials the emulators are started with. Test values only; they exist
// so that a test can check that none of them ever shows in an error.
const (
	AK            = "HPUAEMUTESTAK0000001"
	SK            = "emu-test-sk-Qz7Lw3Rt5Xv1Np8Km2Hj6Gf4Dc9Ba" // nothing of 8 characters in common with ProjectID
	AuthToken     = "emu-test-iam-token-MIIXtoken0000+/="
	SecurityToken = "emu-test-security-token/with+chars=="
	ProjectID     = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
)

// Instances of the default fleet.
const (
	Running6 = "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
	Running5 = "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"
	Running4 = "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"
	Running3 = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f" // Redis 3.0: cannot be flushed
	Frozen   = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
)

const (
	startupTimeout  = 30 * time.Second
	listeningPrefix = "dcs-emulator listening on "
)

// Binary is the emulator named by $DCS_EMULATOR; an error says what is wrong.
func Binary() (string, error) {
	path := os.Getenv("DCS_EMULATOR")
	if path == "" {
		return "", fmt.Errorf("DCS_EMULATOR is not set: point it at a dcs-emulator binary " +
			"(swift build --product dcs-emulator makes one in <repo>/.build/debug)")
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("DCS_EMULATOR=%s: %v", path, err)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("DCS_EMULATOR=%s is not an executable file", path)
	}
	return path, nil
}

// Emulator is one running dcs-emulator.
type Emulator struct {
	URL     string // http://127.0.0.1:PORT
	LogPath string // its stderr

	cmd    *exec.Cmd
	exited chan struct{}
	http   *http.Client
}

// Start runs $DCS_EMULATOR with the test credentials (AK/SK, project id, IAM
// token), the extra args, and --port 0.
func Start(args ...string) (*Emulator, error) {
	binary, err := Binary()
	if err != nil {
		return nil, err
	}
	log, err := os.CreateTemp("", "dcs-emulator-*.log")
	if err != nil {
		return nil, err
	}
	defer log.Close()
	command := append([]string{"--ak", AK, "--sk", SK, "--project-id", ProjectID, "--auth-token", AuthToken},
		args...)
	command = append(command, "--port", "0")
	cmd := exec.Command(binary, command...)
	cmd.Stderr = log
	// Should the test process die without Stop (a panic), the emulator goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %v", binary, err)
	}
	e := &Emulator{
		LogPath: log.Name(),
		cmd:     cmd,
		exited:  make(chan struct{}),
		// No proxy: the emulator is on loopback.
		http: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second},
	}

	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, stdout) // nothing more is expected; never block the emulator
	}()
	go func() {
		_ = cmd.Wait()
		close(e.exited)
	}()
	select {
	case line := <-lines:
		if !strings.HasPrefix(line, listeningPrefix) {
			e.Stop()
			return nil, fmt.Errorf("emulator did not start (first line %q); log %s:\n%s", line, e.LogPath, e.Log())
		}
		e.URL = strings.TrimSpace(strings.TrimPrefix(line, listeningPrefix))
	case <-time.After(startupTimeout):
		e.Stop()
		return nil, fmt.Errorf("no listening line from the emulator within %v; log %s", startupTimeout, e.LogPath)
	}
	return e, nil
}

// Stop ends the emulator: SIGTERM, then SIGKILL after 10 s.
func (e *Emulator) Stop() {
	if e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-e.exited:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// Log is what the emulator wrote on stderr so far.
func (e *Emulator) Log() string {
	data, _ := os.ReadFile(e.LogPath)
	return string(data)
}

func (e *Emulator) control(method, path string, document, answer interface{}) error {
	var body io.Reader
	if document != nil {
		data, err := json.Marshal(document)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, e.URL+path, body)
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := e.http.Do(request)
	if err != nil {
		return fmt.Errorf("%s %s: %v", method, path, err)
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %v", method, path, err)
	}
	if response.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, response.StatusCode, data)
	}
	if answer == nil {
		return nil
	}
	if err := json.Unmarshal(data, answer); err != nil {
		return fmt.Errorf("%s %s: %v in %q", method, path, err, data)
	}
	return nil
}

// Stats are the emulator's counters since its start or last Reset.
type Stats struct {
	APIRequests    int `json:"api_requests"`
	APIConnections int `json:"api_connections"`
	StatusPuts     int `json:"status_puts"`
	StatusGets     int `json:"status_gets"` // GET /v2/{project}/instances/{id}: status polls
}

// Stats reads the counters.
func (e *Emulator) Stats() (Stats, error) {
	var s Stats
	err := e.control("GET", "/_emulator/stats", nil, &s)
	return s, err
}

// Reset puts counters, recorded requests, faults and the fleet back to how
// they were at start.
func (e *Emulator) Reset() error {
	return e.control("POST", "/_emulator/reset", nil, nil)
}

// Request is one recorded API request (needs --record-requests).
type Request struct {
	Method  string     `json:"method"`
	Path    string     `json:"path"`
	Query   string     `json:"query"`
	Headers [][]string `json:"headers"`
	Body    string     `json:"body"`
}

// StatusBody is the JSON body of PUT .../instances/status.
type StatusBody struct {
	Instances []string `json:"instances"`
	Action    string   `json:"action"`
}

// Requests are the recorded API requests, oldest first.
func (e *Emulator) Requests() ([]Request, error) {
	var r []Request
	err := e.control("GET", "/_emulator/requests", nil, &r)
	return r, err
}

// Fault queues kind for the next count API requests after skip of them, with
// the fault's parameters (retry_after, ms, mb). Kinds include "delay" ({"ms":
// N}: the answer comes N ms late), "status503" ({"retry_after": S}) and
// "busy" (400 DCS.4111, the instance is restarting).
func (e *Emulator) Fault(kind string, count, skip int, params map[string]interface{}) error {
	document := map[string]interface{}{"kind": kind, "count": count, "skip": skip}
	for name, value := range params {
		document[name] = value
	}
	return e.control("POST", "/_emulator/faults", document, nil)
}

// Instance is one instance of the fleet as it stands now.
type Instance struct {
	ID            string `json:"id"`
	EngineVersion string `json:"engine_version"`
	Status        string `json:"status"`
}

// Instances is the fleet as it stands now.
func (e *Emulator) Instances() ([]Instance, error) {
	var fleet []Instance
	err := e.control("GET", "/_emulator/instances", nil, &fleet)
	return fleet, err
}

// SetInstanceStatus gives an instance status ("RUNNING", "ERROR", "FROZEN",
// "RESTARTING"...) from now on; a pending restart of it is cancelled. Reset
// puts it back.
func (e *Emulator) SetInstanceStatus(id, status string) error {
	return e.control("POST", "/_emulator/instances/"+url.PathEscape(id), map[string]string{"status": status}, nil)
}

// SetClockOffset runs the emulator's clock seconds off real time (its Date
// header and its X-Sdk-Date check); Reset puts back the start value.
func (e *Emulator) SetClockOffset(seconds int) error {
	return e.control("POST", "/_emulator/clock", map[string]int{"offset_seconds": seconds}, nil)
}

// ClosedURL is a loopback URL on which nothing listens.
func ClosedURL() (string, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := listener.Addr().String()
	listener.Close()
	return "http://" + addr, nil
}
