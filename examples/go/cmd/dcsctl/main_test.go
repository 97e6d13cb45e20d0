package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"libdcs.dev/go/dcs/internal/emulator"
)

// runAsMain makes the test binary act as dcsctl itself: the tests run it
// with this variable set, so that main, its exit code and its two streams
// are the real ones.
const runAsMain = "DCSCTL_TEST_RUN_MAIN"

// emu completes restarts at once; slowEmu keeps restarted instances
// RESTARTING for 60 s.
var emu, slowEmu *emulator.Emulator

func TestMain(m *testing.M) {
	if os.Getenv(runAsMain) == "1" {
		main()
		return
	}
	var err error
	emu, err = emulator.Start("--restart-seconds", "0", "--quiet")
	if err == nil {
		slowEmu, err = emulator.Start("--restart-seconds", "60", "--quiet")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "dcsctl tests need dcs-emulator: %v\n", err)
		if emu != nil {
			emu.Stop()
		}
		os.Exit(1)
	}
	code := m.Run()
	emu.Stop()
	slowEmu.Stop()
	os.Exit(code)
}

type runResult struct {
	stdout, stderr string
	exit           int
}

// clientEnv is the environment dcs_config_from_env reads, pointing at the
// emulator, changed by changes ("" unsets).
func clientEnv(changes map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HUAWEICLOUD_SDK_") && !strings.HasPrefix(kv, "DCS_") &&
			!strings.HasPrefix(kv, runAsMain+"=") {
			env = append(env, kv)
		}
	}
	values := map[string]string{
		"DCS_ENDPOINT": emu.URL, "HUAWEICLOUD_SDK_AK": emulator.AK, "HUAWEICLOUD_SDK_SK": emulator.SK,
		"HUAWEICLOUD_SDK_PROJECT_ID": emulator.ProjectID,
	}
	for name, value := range changes {
		values[name] = value
	}
	for name, value := range values {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	return env
}

func execute(t *testing.T, program string, env []string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(program, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running %s: %v", program, err)
	}
	return runResult{stdout.String(), stderr.String(), code}
}

// dcsctl runs the Go dcsctl (this test binary as main).
func dcsctl(t *testing.T, changes map[string]string, args ...string) runResult {
	t.Helper()
	return execute(t, os.Args[0], append(clientEnv(changes), runAsMain+"=1"), args...)
}

type scenario struct {
	name        string
	args        []string
	env         map[string]string
	fault       string // armed before the run
	stdout      string
	stdoutMatch *regexp.Regexp // when set, instead of stdout
	stderr      *regexp.Regexp // nil: nothing on stderr
	exit        int
	exactly     string // when set, the whole stderr
}

// usageError is the whole stderr of a usage error found in the command line.
func usageError(message string) string {
	return "dcsctl: " + message + "\n" + usageHint
}

// scenarios are the cases both tests run; "connection refused" uses a
// loopback port on which nothing listens.
func scenarios(t *testing.T) []scenario {
	t.Helper()
	closedURL, err := emulator.ClosedURL()
	if err != nil {
		t.Fatal(err)
	}
	r6, r5, r3, frozen := emulator.Running6, emulator.Running5, emulator.Running3, emulator.Frozen
	idsFile := filepath.Join(t.TempDir(), "ids.txt")
	if err := os.WriteFile(idsFile, []byte("# two\n"+r6+"\n\n  "+r5+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badLines := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(badLines, []byte(r6+"\n#\n"+r6+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rid := `[0-9a-f]{32}`
	noIDs := usageError("no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input")
	badWait := func(value string) string {
		return usageError("--wait takes whole seconds from 1 to 86400, not '" + value + "'")
	}
	return []scenario{
		{name: "no arguments", exit: exitUsage, exactly: usageError("no action given: restart, soft_restart or flush")},
		{name: "no ids", args: []string{"restart"}, exit: exitUsage, exactly: noIDs},
		{name: "unknown action", args: []string{"reboot", r6}, exit: exitUsage,
			exactly: usageError("unknown action 'reboot': restart, soft_restart or flush")},
		{name: "empty action", args: []string{"", r6}, exit: exitUsage,
			exactly: usageError("unknown action '': restart, soft_restart or flush")},
		{name: "restart", args: []string{"restart", r6, r5}, stdout: r6 + " success\n" + r5 + " success\n"},
		{name: "soft_restart", args: []string{"soft_restart", r6}, stdout: r6 + " success\n"},
		{name: "flush", args: []string{"flush", "--yes", r6}, stdout: r6 + " success\n"},
		{name: "partial", args: []string{"flush", "--yes", r6, r3, frozen, "no-such-instance"},
			stdout: r6 + " success\n" + r3 + " failed\n" + frozen + " failed\nno-such-instance failed\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EPARTIAL http_status=200 code=- request_id=` + rid + `: .*3 of 4.*\n$`),
			exit:   exitPartial},
		{name: "wrong sk", args: []string{"restart", r6}, env: map[string]string{"HUAWEICLOUD_SDK_SK": "not-the-secret-key"},
			stdout: r6 + " failed\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EAPI http_status=401 code=APIGW\.0301 request_id=` + rid + `: .*\n$`),
			exit:   exitRefused},
		{name: "500", args: []string{"restart", r6, r5}, fault: "status500",
			stdout: r6 + " unknown\n" + r5 + " unknown\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EAPI http_status=500 code=DCS\.5000 request_id=` + rid + `: .*may have been applied.*\n$`),
			exit:   exitRefused},
		{name: "not json", args: []string{"restart", r6}, fault: "not_json", stdout: r6 + " unknown\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EPROTOCOL http_status=200 code=- request_id=` + rid + `: .*\n$`),
			exit:   exitOutcomeUnknown},
		{name: "connection refused", args: []string{"restart", r6}, env: map[string]string{"DCS_ENDPOINT": closedURL},
			stdout: r6 + " not_sent\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_ETRANSPORT http_status=0 code=- request_id=-: .*not sent.*\n$`),
			exit:   exitOutcomeUnknown},
		{name: "invalid id", args: []string{"restart", r6, ""},
			stderr: regexp.MustCompile(`^dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: instance_ids\[1\] is empty\n$`),
			exit:   exitUsage},
		{name: "bad environment", args: []string{"restart", r6}, env: map[string]string{"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"},
			stderr: regexp.MustCompile(`^dcsctl: DCS_ECONFIG http_status=0 code=- request_id=-: .*HUAWEICLOUD_SDK_PROJECT_ID.*\n$`),
			exit:   exitConfiguration},
		{name: "no endpoint", args: []string{"restart", r6}, env: map[string]string{"DCS_ENDPOINT": ""},
			stderr: regexp.MustCompile(`^dcsctl: DCS_ECONFIG http_status=0 code=- request_id=-: .*no endpoint.*\n$`),
			exit:   exitConfiguration},

		// Options are options, anywhere before "--".
		{name: "typo of wait", args: []string{"restart", "--wiat=30", r6}, exit: exitUsage,
			exactly: usageError("unknown option '--wiat=30'; an id that starts with '-' goes after '--'")},
		{name: "id with a dash", args: []string{"restart", "-" + r6}, exit: exitUsage,
			exactly: usageError("unknown option '-" + r6 + "'; an id that starts with '-' goes after '--'")},
		{name: "double dash", args: []string{"restart", "--", "-dash"}, stdout: "-dash failed\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EPARTIAL .*\n$`), exit: exitPartial},
		{name: "flag with a value", args: []string{"restart", "--yes=no", r6}, exit: exitUsage,
			exactly: usageError("--yes takes no value")},
		{name: "help", args: []string{"restart", "--help"}, stdout: helpText},
		{name: "version", args: []string{"--version"},
			stdoutMatch: regexp.MustCompile(`^libdcs \d+\.\d+\.\d+\nlibcurl \d+\.\d+\.\d+\S*\n$`)},
		{name: "json", args: []string{"restart", "--output", "json", r6},
			stdoutMatch: regexp.MustCompile(`^\{\n  "action": "restart",\n  "status": \{"name": "DCS_OK", "number": 0\},\n` +
				`  "http_status": null,\n  "code": null,\n  "request_id": null,\n  "message": null,\n  "instances": \[\n` +
				`    \{"id": "` + r6 + `", "outcome": "success", "request_id": "` + rid + `"\}\n  \]\n\}\n$`)},
		{name: "ids from a file", args: []string{"restart", "--ids-from", idsFile}, stdout: r6 + " success\n" + r5 + " success\n"},
		{name: "a bad line", args: []string{"restart", "--ids-from=" + badLines},
			stderr: regexp.MustCompile(`^dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: .*bad\.txt: line 3 repeats line 1: .*\n$`),
			exit:   exitUsage},
		{name: "dry run without credentials", args: []string{"flush", "--dry-run", r6},
			env: map[string]string{"HUAWEICLOUD_SDK_AK": "", "HUAWEICLOUD_SDK_SK": "", "DCS_ENDPOINT": ""},
			stdout: "dry run: nothing is sent\nrequest 1 of 1: PUT /v2/" + emulator.ProjectID +
				"/instances/status action=flush instances=1\n  " + r6 + "\n"},
		{name: "flush refused off a terminal", args: []string{"flush", r6, r5}, exit: exitUsage,
			exactly: "dcsctl: not flushing 2 instances without confirmation: standard input is not a terminal; give --yes to flush\n"},

		// --wait[=SECONDS], anywhere.
		{name: "wait", args: []string{"restart", "--wait", r6, r5}, stdout: r6 + " success\n" + r5 + " success\n"},
		{name: "wait=5 soft_restart", args: []string{"soft_restart", "--wait=5", r6}, stdout: r6 + " success\n"},
		{name: "wait flush", args: []string{"flush", "--yes", "--wait", r6}, stdout: r6 + " success\n"},
		{name: "wait partial", args: []string{"restart", "--wait=30", r6, frozen}, stdout: r6 + " success\n" + frozen + " failed\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EPARTIAL http_status=200 code=- request_id=` + rid + `: 1 of 2 instances failed.*\n$`),
			exit:   exitPartial},
		{name: "wait=1 slow restart", args: []string{"restart", "--wait=1", r6}, env: map[string]string{"DCS_ENDPOINT": slowEmu.URL},
			stdout: r6 + " unknown\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_ETIMEOUT http_status=0 code=- request_id=-: 1 of 1 instances not RUNNING after 1000 ms: ` +
				r6 + ` \(RESTARTING\)\n$`),
			exit: exitOutcomeUnknown},
		{name: "wait as strtol reads it", args: []string{"restart", "--wait= \t+07", r6}, stdout: r6 + " success\n"},
		{name: "wait=x", args: []string{"restart", "--wait=x", r6}, exit: exitUsage, exactly: badWait("x")},
		{name: "wait=", args: []string{"restart", "--wait=", r6}, exit: exitUsage, exactly: badWait("")},
		{name: "wait=0", args: []string{"restart", "--wait=0", r6}, exit: exitUsage, exactly: badWait("0")},
		{name: "wait=-5", args: []string{"restart", "--wait=-5", r6}, exit: exitUsage, exactly: badWait("-5")},
		{name: "wait=86401", args: []string{"restart", "--wait=86401", r6}, exit: exitUsage, exactly: badWait("86401")},
		{name: "wait overflowing", args: []string{"restart", "--wait=99999999999999999999999", r6}, exit: exitUsage,
			exactly: badWait("99999999999999999999999")},
		{name: "wait=5s", args: []string{"restart", "--wait=5s", r6}, exit: exitUsage, exactly: badWait("5s")},
		{name: "wait= ", args: []string{"restart", "--wait= ", r6}, exit: exitUsage, exactly: badWait(" ")},
		{name: "wait without ids", args: []string{"flush", "--wait"}, exit: exitUsage, exactly: noIDs},
		{name: "bad wait before the environment", args: []string{"restart", "--wait=x", r6},
			env: map[string]string{"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"}, exit: exitUsage, exactly: badWait("x")},
		// "--wait" after the ids was once sent as an instance id; it is the option.
		{name: "wait after the ids", args: []string{"flush", "--yes", r6, "--wait"}, stdout: r6 + " success\n"},
	}
}

func arm(t *testing.T, s scenario) {
	t.Helper()
	for _, e := range []*emulator.Emulator{emu, slowEmu} {
		if err := e.Reset(); err != nil {
			t.Fatal(err)
		}
	}
	if s.fault != "" {
		if err := emu.Fault(s.fault, 1, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutputAndExitCodes(t *testing.T) {
	for _, s := range scenarios(t) {
		t.Run(s.name, func(t *testing.T) {
			arm(t, s)
			got := dcsctl(t, s.env, s.args...)
			if got.exit != s.exit {
				t.Errorf("exit %d, expected %d; stderr %q", got.exit, s.exit, got.stderr)
			}
			switch {
			case s.stdoutMatch != nil:
				if !s.stdoutMatch.MatchString(got.stdout) {
					t.Errorf("stdout %q does not match %s", got.stdout, s.stdoutMatch)
				}
			case got.stdout != s.stdout:
				t.Errorf("stdout %q, expected %q", got.stdout, s.stdout)
			}
			switch {
			case s.exactly != "":
				if got.stderr != s.exactly {
					t.Errorf("stderr %q, expected %q", got.stderr, s.exactly)
				}
			case s.stderr == nil:
				if got.stderr != "" {
					t.Errorf("stderr %q, expected nothing", got.stderr)
				}
			case !s.stderr.MatchString(got.stderr):
				t.Errorf("stderr %q does not match %s", got.stderr, s.stderr)
			}
			// A usage error and a dry run send nothing.
			if s.exit == exitUsage || strings.HasPrefix(s.stdout, "dry run") {
				if sent := traffic(t); sent.StatusPuts+sent.StatusGets != 0 {
					t.Errorf("sent %+v", sent)
				}
			}
			for _, secret := range []string{emulator.SK, "not-the-secret-key"} {
				if strings.Contains(got.stdout+got.stderr, secret) {
					t.Errorf("the output shows the secret %q", secret)
				}
			}
		})
	}
}

// libdcsPath is the libdcs.so this test binary loaded.
func libdcsPath(t *testing.T) string {
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	defer maps.Close()
	scanner := bufio.NewScanner(maps)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) >= 6 && strings.HasPrefix(filepath.Base(fields[5]), "libdcs.so") {
			return fields[5]
		}
	}
	t.Fatal("no libdcs.so among the loaded libraries")
	return ""
}

var requestID = regexp.MustCompile(`request_id=[0-9a-f]{32}|"request_id": "[0-9a-f]{32}"`)

// connectTime is libcurl's time to fail a connection, which differs between
// two runs of the same program.
var connectTime = regexp.MustCompile(`(Failed to connect to .* after )\d+( ms)`)

// comparable is a run with what may differ between runs replaced.
func comparable(r runResult) runResult {
	r.stdout = requestID.ReplaceAllString(r.stdout, "request_id=RID")
	r.stderr = requestID.ReplaceAllString(r.stderr, "request_id=RID")
	r.stderr = connectTime.ReplaceAllString(r.stderr, "${1}N${2}")
	return r
}

// The C example, compiled against the same libdcs.so, prints the same bytes
// and exits with the same code in every scenario (request ids aside, which
// the service makes new for each request, and libcurl's time to fail a
// connection), and makes the same requests.
func TestSameAsTheCExample(t *testing.T) {
	source, err := filepath.Abs("../../../c/dcsctl.c")
	if err != nil {
		t.Fatal(err)
	}
	include, err := filepath.Abs("../../../../include")
	if err != nil {
		t.Fatal(err)
	}
	libdir := filepath.Dir(libdcsPath(t))
	cDcsctl := filepath.Join(t.TempDir(), "dcsctl-c")
	compiler := os.Getenv("CC")
	if compiler == "" {
		compiler = "cc"
	}
	build := exec.Command(compiler, "-std=c11", "-O1", "-pthread", "-I"+include, source, "-o", cDcsctl,
		"-L"+libdir, "-ldcs", "-Wl,-rpath,"+libdir)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("compiling %s: %v\n%s", source, err, out)
	}
	for _, s := range scenarios(t) {
		t.Run(s.name, func(t *testing.T) {
			arm(t, s)
			goRun := dcsctl(t, s.env, s.args...)
			goTraffic := traffic(t)
			arm(t, s)
			cRun := execute(t, cDcsctl, clientEnv(s.env), s.args...)
			cTraffic := traffic(t)
			goRun, cRun = comparable(goRun), comparable(cRun)
			if goRun != cRun {
				t.Errorf("Go dcsctl: %+v\nC dcsctl:  %+v", goRun, cRun)
			}
			// The same requests: the actions, and status polls (when waiting)
			// or none; how many polls a timed-out wait made depends on timing.
			if goTraffic.StatusPuts != cTraffic.StatusPuts || (goTraffic.StatusGets > 0) != (cTraffic.StatusGets > 0) {
				t.Errorf("the emulators saw %+v from the Go dcsctl, %+v from the C one", goTraffic, cTraffic)
			}
		})
	}
}

// traffic is what both emulators saw since the last arm.
func traffic(t *testing.T) emulator.Stats {
	t.Helper()
	var sum emulator.Stats
	for _, e := range []*emulator.Emulator{emu, slowEmu} {
		s, err := e.Stats()
		if err != nil {
			t.Fatal(err)
		}
		sum.StatusPuts += s.StatusPuts
		sum.StatusGets += s.StatusGets
	}
	return sum
}
