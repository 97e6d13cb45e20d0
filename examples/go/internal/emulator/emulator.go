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
	"sync"
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
	LogPath string // its stderr while it runs; removed by Stop, after which Log gives what it held

	cmd    *exec.Cmd
	exited chan struct{}
	http   *http.Client

	logMu     sync.Mutex
	stopped   bool
	loggedEnd string // the log as Stop found it
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
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		os.Remove(log.Name())
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
			return nil, fmt.Errorf("emulator did not start (first line %q); log:\n%s", line, e.Log())
		}
		e.URL = strings.TrimSpace(strings.TrimPrefix(line, listeningPrefix))
	case <-time.After(startupTimeout):
		e.Stop()
		return nil, fmt.Errorf("no listening line from the emulator within %v; log:\n%s", startupTimeout, e.Log())
	}
	return e, nil
}

// FleetInstance is one instance of a fleet file (--instances): the
// emulator's fleet instead of the default one.
type FleetInstance struct {
	ID            string            `json:"id"`
	Name          string            `json:"name,omitempty"` // "": the id
	EngineVersion string            `json:"engine_version"`
	Status        string            `json:"status"`
	Tags          map[string]string `json:"tags,omitempty"`
	// RestartSeconds: how long it stays RESTARTING after a restart; nil:
	// --restart-seconds.
	RestartSeconds *float64 `json:"restart_seconds,omitempty"`
	// NeverReturns: once acted on, it stays RESTARTING (or FLUSHING) for good.
	NeverReturns bool `json:"never_returns,omitempty"`
}

// StartWithFleet is Start with fleet as the emulator's fleet (a fleet file,
// read at start and removed once the emulator listens); --generated-instances
// among args adds instances after it.
func StartWithFleet(fleet []FleetInstance, args ...string) (*Emulator, error) {
	data, err := json.Marshal(fleet)
	if err != nil {
		return nil, err
	}
	file, err := os.CreateTemp("", "dcs-emulator-fleet-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(file.Name())
	_, err = file.Write(data)
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return nil, err
	}
	return Start(append([]string{"--instances", file.Name()}, args...)...)
}

// Stop ends the emulator (SIGTERM, then SIGKILL after 10 s), keeps its log
// in memory for Log and removes the file, so that no test leaves one behind.
// Stopping twice is harmless.
func (e *Emulator) Stop() {
	if e.cmd.Process != nil {
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.exited:
		case <-time.After(10 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.exited
		}
	}
	e.logMu.Lock()
	defer e.logMu.Unlock()
	if !e.stopped {
		e.stopped = true
		data, _ := os.ReadFile(e.LogPath)
		e.loggedEnd = string(data)
		_ = os.Remove(e.LogPath)
	}
}

// Log is what the emulator wrote on stderr so far (all of it, once stopped).
func (e *Emulator) Log() string {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	if e.stopped {
		return e.loggedEnd
	}
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
	ListGets       int `json:"list_gets"`   // GET /v2/{project}/instances: pages of listings
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
// "busy" (400 DCS.4111, the instance is restarting). The parameter "on"
// ("put": the status PUT, "get": a status query, "list": a page of a
// listing; "any" by default) makes only those requests count and be hit.
func (e *Emulator) Fault(kind string, count, skip int, params map[string]interface{}) error {
	document := map[string]interface{}{"kind": kind, "count": count, "skip": skip}
	for name, value := range params {
		document[name] = value
	}
	return e.control("POST", "/_emulator/faults", document, nil)
}

// Instance is one instance of the fleet as it stands now.
type Instance struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	EngineVersion string            `json:"engine_version"`
	Status        string            `json:"status"`
	Tags          map[string]string `json:"tags"`
	NeverReturns  bool              `json:"never_returns"`
}

// Instances is the fleet as it stands now, in its order (the listing's).
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

// SetNeverReturns with true makes an operation on the instance (under way,
// or the next one) never end: it stays RESTARTING or FLUSHING until its
// status is set or the emulator reset. With false, one under way ends at its
// own deadline (at once if that has passed).
func (e *Emulator) SetNeverReturns(id string, neverReturns bool) error {
	return e.control("POST", "/_emulator/instances/"+url.PathEscape(id), map[string]bool{"never_returns": neverReturns}, nil)
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
