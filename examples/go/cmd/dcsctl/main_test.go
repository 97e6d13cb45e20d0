package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"unsafe"

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
	name         string
	args         []string
	env          map[string]string
	fault        string // armed before the run
	neverReturns string // an instance that, once restarted, stays RESTARTING
	stdout       string
	stdoutMatch  *regexp.Regexp // when set, instead of stdout
	stderr       *regexp.Regexp // nil: nothing on stderr
	exit         int
	exactly      string // when set, the whole stderr
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
		{name: "no arguments", exit: exitUsage, exactly: usageError("no action given: restart, soft_restart, flush or list")},
		{name: "no ids", args: []string{"restart"}, exit: exitUsage, exactly: noIDs},
		{name: "unknown action", args: []string{"reboot", r6}, exit: exitUsage,
			exactly: usageError("unknown action 'reboot': restart, soft_restart, flush or list")},
		{name: "empty action", args: []string{"", r6}, exit: exitUsage,
			exactly: usageError("unknown action '': restart, soft_restart, flush or list")},
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

// The default fleet as dcsctl list prints it.
var fleetLines = map[string]string{
	emulator.Running6: emulator.Running6 + " RUNNING Redis 6.0 cache-a\n",
	emulator.Running5: emulator.Running5 + " RUNNING Redis 5.0 cache-b\n",
	emulator.Running4: emulator.Running4 + " RUNNING Redis 4.0 cache-c\n",
	emulator.Running3: emulator.Running3 + " RUNNING Redis 3.0 cache-d\n",
	emulator.Frozen:   emulator.Frozen + " FROZEN Redis 5.0 cache-e\n",
}

func lines(ids ...string) string {
	var text string
	for _, id := range ids {
		text += fleetLines[id]
	}
	return text
}

// listScenarios: dcsctl list, its filters, its errors.
func listScenarios(t *testing.T) []scenario {
	t.Helper()
	closedURL, err := emulator.ClosedURL()
	if err != nil {
		t.Fatal(err)
	}
	r6, r5, r4, r3, frozen := emulator.Running6, emulator.Running5, emulator.Running4, emulator.Running3, emulator.Frozen
	refused := func(field string) *regexp.Regexp {
		return regexp.MustCompile(`^dcsctl: DCS_EINVAL http_status=0 code=- request_id=-: ` + regexp.QuoteMeta(field) + `[^\n]*\n$`)
	}
	return []scenario{
		{name: "list", args: []string{"list"}, stdout: lines(r6, r5, r4, r3, frozen)},
		{name: "list a name", args: []string{"list", "--name", "cache-"}, stdout: lines(r6, r5, r4, r3, frozen)},
		{name: "list a name exactly", args: []string{"list", "--exact", "--name=cache-b"}, stdout: lines(r5)},
		{name: "list a part of a name exactly", args: []string{"list", "--name", "cache", "--exact"}},
		{name: "list a status", args: []string{"list", "--status", "FROZEN"}, stdout: lines(frozen)},
		{name: "list tags", args: []string{"--tag", "role=session-cache", "list", "--tag=env=prod"}, stdout: lines(r6, frozen)},
		{name: "list everything at once", args: []string{"list", "--name", "cache", "--status=RUNNING", "--tag", "role=queue"},
			stdout: lines(r4, r3)},
		{name: "list json", args: []string{"list", "--output", "json", "--name", "cache-e"},
			stdout: "{\n  \"action\": \"list\",\n  \"status\": {\"name\": \"DCS_OK\", \"number\": 0},\n  \"http_status\": null,\n" +
				"  \"code\": null,\n  \"request_id\": null,\n  \"message\": null,\n  \"instances\": [\n" +
				"    {\"id\": \"" + frozen + "\", \"name\": \"cache-e\", \"status\": \"FROZEN\", \"engine\": \"Redis\", " +
				"\"engine_version\": \"5.0\"}\n  ]\n}\n"},
		{name: "list nothing in json", args: []string{"list", "--output=json", "--status", "RESTARTING"},
			stdoutMatch: regexp.MustCompile(`"action": "list",\n  "status": \{"name": "DCS_OK", "number": 0\},[^\]]*"instances": \[\]\n\}\n$`)},
		{name: "list an empty status", args: []string{"list", "--status="}, exit: exitUsage, stderr: refused("filter->status is empty")},
		{name: "list a lower-case status", args: []string{"list", "--status", "running"}, exit: exitUsage,
			stderr: refused("filter->status")},
		{name: "list a tag without =", args: []string{"list", "--tag", "role"}, exit: exitUsage, stderr: refused("filter->tags[0]")},
		{name: "list the second tag bad", args: []string{"list", "--tag", "role=queue", "--tag", "=queue"}, exit: exitUsage,
			stderr: refused("the key of filter->tags[1] is empty")},
		{name: "list an empty tag", args: []string{"list", "--tag="}, exit: exitUsage, stderr: refused("filter->tags[0]")},
		{name: "list a tag twice over", args: []string{"list", "--tag", "env=prod", "--tag", "env=test"}},
		{name: "list refused", args: []string{"list"}, env: map[string]string{"HUAWEICLOUD_SDK_SK": "not-the-secret-key"},
			stderr: regexp.MustCompile(`^dcsctl: DCS_EAPI http_status=401 code=APIGW\.0301 request_id=[0-9a-f]{32}: .*\n$`),
			exit:   exitRefused},
		{name: "list against a closed port", args: []string{"list"}, env: map[string]string{"DCS_ENDPOINT": closedURL},
			stderr: regexp.MustCompile(`^dcsctl: DCS_ETRANSPORT http_status=0 code=- request_id=-: .*\n$`), exit: exitOutcomeUnknown},
		{name: "list with a bad environment", args: []string{"list", "--status="},
			env:    map[string]string{"HUAWEICLOUD_SDK_PROJECT_ID": "bad/project"},
			stderr: regexp.MustCompile(`^dcsctl: DCS_ECONFIG http_status=0 code=- request_id=-: .*HUAWEICLOUD_SDK_PROJECT_ID.*\n$`),
			exit:   exitConfiguration},
		{name: "list a page that fails", args: []string{"list", "--output=json"}, fault: "not_json",
			stdoutMatch: regexp.MustCompile(`"status": \{"name": "DCS_EPROTOCOL", "number": -6\},(.|\n)*"instances": \[\]\n\}\n$`),
			stderr:      regexp.MustCompile(`^dcsctl: DCS_EPROTOCOL http_status=200 .*\n$`), exit: exitOutcomeUnknown},

		{name: "list takes no ids", args: []string{"list", r6}, exit: exitUsage, exactly: usageError("list takes no ids")},
		{name: "list takes no dash", args: []string{"list", "-"}, exit: exitUsage, exactly: usageError("list takes no ids")},
		{name: "list with --wait", args: []string{"list", "--wait"}, exit: exitUsage,
			exactly: usageError("--wait is not an option of list")},
		{name: "list options in the order of the help", args: []string{"list", r6, "--yes", "--ids-from=x", "--wave", "5"},
			exit: exitUsage, exactly: usageError("--wave is not an option of list")},
		{name: "list with --dry-run", args: []string{"list", "--dry-run"}, exit: exitUsage,
			exactly: usageError("--dry-run is not an option of list")},
		{name: "list with --keep-going", args: []string{"list", "--keep-going", "--exact"}, exit: exitUsage,
			exactly: usageError("--keep-going is not an option of list")},
		{name: "a list option with an action", args: []string{"restart", "--tag=a=b", "--name=x", r6}, exit: exitUsage,
			exactly: usageError("--name is an option of list")},
		{name: "--status with an action", args: []string{"flush", "--yes", "--status", "RUNNING", r6}, exit: exitUsage,
			exactly: usageError("--status is an option of list")},
		{name: "--exact without --name", args: []string{"list", "--status", "RUNNING", "--exact"}, exit: exitUsage,
			exactly: usageError("--exact needs --name")},
		{name: "--name without a value", args: []string{"list", "--name"}, exit: exitUsage, exactly: usageError("--name needs a value")},
		{name: "--name empty", args: []string{"list", "--name="}, exit: exitUsage, exactly: usageError("--name needs a value")},
		{name: "--name too long", args: []string{"list", "--name", strings.Repeat("x", 256)}, exit: exitUsage,
			exactly: usageError("--name takes 1 to 255 bytes, not 256")},
		{name: "--name longest", args: []string{"list", "--name", strings.Repeat("x", 255)}},
		{name: "--name twice", args: []string{"list", "--name", "a", "--name=b"}, exit: exitUsage,
			exactly: usageError("--name given twice")},
		{name: "--status without a value", args: []string{"list", "--status"}, exit: exitUsage,
			exactly: usageError("--status needs a value")},
		{name: "--status twice", args: []string{"list", "--status=RUNNING", "--status", "FROZEN"}, exit: exitUsage,
			exactly: usageError("--status given twice")},
		{name: "--tag without a value", args: []string{"list", "--tag"}, exit: exitUsage, exactly: usageError("--tag needs a value")},
		{name: "--exact with a value", args: []string{"list", "--exact=yes", "--name", "a"}, exit: exitUsage,
			exactly: usageError("--exact takes no value")},
		{name: "unknown action list-like", args: []string{"LIST"}, exit: exitUsage,
			exactly: usageError("unknown action 'LIST': restart, soft_restart, flush or list")},
	}
}

// rollingScenarios: --wave, --pause, --keep-going. The emulator completes
// restarts at once, but for the instance set never to come back.
func rollingScenarios() []scenario {
	r6, r5, r4, frozen := emulator.Running6, emulator.Running5, emulator.Running4, emulator.Frozen
	waveRange := func(value string) string {
		return usageError("--wave takes a whole number of ids from 1 to 10000, not '" + value + "'")
	}
	pauseRange := func(value string) string {
		return usageError("--pause takes whole seconds from 0 to 86400, not '" + value + "'")
	}
	stopped := regexp.MustCompile(`^dcsctl: DCS_ESTOPPED http_status=0 code=- request_id=-: [^\n]*` + r5 + `[^\n]*\n$`)
	return []scenario{
		{name: "waves", args: []string{"restart", "--wave", "2", r6, r5, r4}, stdout: r6 + " success\n" + r5 + " success\n" + r4 + " success\n"},
		{name: "waves and a pause", args: []string{"soft_restart", "--wave=1", "--pause", "0", "--keep-going", r6, r5},
			stdout: r6 + " success\n" + r5 + " success\n"},
		{name: "wave as strtol reads it", args: []string{"restart", "--wave= +1", "--wait=5", r6}, stdout: r6 + " success\n"},
		{name: "largest wave and pause", args: []string{"flush", "--yes", "--wave", "10000", "--pause=86400", r6, r5},
			stdout: r6 + " success\n" + r5 + " success\n"},
		{name: "the gate", args: []string{"restart", "--wave", "1", "--wait=1", r6, r5, r4}, neverReturns: r5,
			stdout: r6 + " success\n" + r5 + " unknown\n" + r4 + " not_sent\n", stderr: stopped, exit: exitStopped},
		{name: "the gate in json", args: []string{"restart", "--output=json", "--wave", "1", "--wait=1", r6, r5, r4}, neverReturns: r5,
			stdoutMatch: regexp.MustCompile(`"status": \{"name": "DCS_ESTOPPED", "number": -9\},(.|\n)*"outcome": "not_sent"`),
			stderr:      stopped, exit: exitStopped},
		{name: "keep going past the gate", args: []string{"restart", "--keep-going", "--wave", "1", "--wait=1", r6, r5, r4},
			neverReturns: r5, stdout: r6 + " success\n" + r5 + " unknown\n" + r4 + " success\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_EPARTIAL http_status=0 code=- request_id=-: [^\n]*` + r5 + ` \(unknown\)\n$`),
			exit:   exitPartial},
		{name: "the first wave fails", args: []string{"restart", "--wave", "1", frozen, r6},
			stdout: frozen + " failed\n" + r6 + " not_sent\n",
			stderr: regexp.MustCompile(`^dcsctl: DCS_ESTOPPED http_status=0 code=- request_id=-: [^\n]*` + frozen + `[^\n]*\n$`),
			exit:   exitStopped},
		{name: "a dry run of waves", args: []string{"restart", "--dry-run", "--wave", "1", r6},
			stdoutMatch: regexp.MustCompile(`^dry run: nothing is sent\n(.|\n)*at most 600 s\n$`)},

		{name: "wave=0", args: []string{"restart", "--wave", "0", r6}, exit: exitUsage, exactly: waveRange("0")},
		{name: "wave=10001", args: []string{"restart", "--wave=10001", r6}, exit: exitUsage, exactly: waveRange("10001")},
		{name: "wave=", args: []string{"restart", "--wave=", r6}, exit: exitUsage, exactly: waveRange("")},
		{name: "wave=0x10", args: []string{"restart", "--wave=0x10", r6}, exit: exitUsage, exactly: waveRange("0x10")},
		{name: "wave takes the next argument", args: []string{"restart", "--wave", "--pause", "1", r6}, exit: exitUsage,
			exactly: waveRange("--pause")},
		{name: "wave without a value", args: []string{"restart", r6, "--wave"}, exit: exitUsage, exactly: usageError("--wave needs a value")},
		{name: "wave twice", args: []string{"restart", "--wave", "5", "--wave=6", r6}, exit: exitUsage,
			exactly: usageError("--wave given twice")},
		{name: "pause=-1", args: []string{"restart", "--wave", "5", "--pause", "-1", r6}, exit: exitUsage, exactly: pauseRange("-1")},
		{name: "pause=1s", args: []string{"restart", "--wave", "5", "--pause=1s", r6}, exit: exitUsage, exactly: pauseRange("1s")},
		{name: "pause without a value", args: []string{"restart", "--wave", "5", r6, "--pause"}, exit: exitUsage,
			exactly: usageError("--pause needs a value")},
		{name: "pause twice", args: []string{"restart", "--wave", "5", "--pause", "1", "--pause=2", r6}, exit: exitUsage,
			exactly: usageError("--pause given twice")},
		{name: "pause without wave", args: []string{"restart", "--keep-going", "--pause=0", r6}, exit: exitUsage,
			exactly: usageError("--pause needs --wave")},
		{name: "keep going without wave", args: []string{"flush", "--keep-going", "--yes", r6}, exit: exitUsage,
			exactly: usageError("--keep-going needs --wave")},
		{name: "keep going with a value", args: []string{"restart", "--keep-going=1", "--wave", "2", r6}, exit: exitUsage,
			exactly: usageError("--keep-going takes no value")},
		{name: "the options before the ids", args: []string{"restart", "--pause", "5"}, exit: exitUsage,
			exactly: usageError("--pause needs --wave")},
		{name: "a wave without ids", args: []string{"restart", "--wave", "5"}, exit: exitUsage,
			exactly: usageError("no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input")},
	}
}

// allScenarios are what TestOutputAndExitCodes and TestSameAsTheCExample run.
func allScenarios(t *testing.T) []scenario {
	t.Helper()
	all := append(scenarios(t), listScenarios(t)...)
	return append(all, rollingScenarios()...)
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
	if s.neverReturns != "" {
		if err := emu.SetNeverReturns(s.neverReturns, true); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutputAndExitCodes(t *testing.T) {
	for _, s := range allScenarios(t) {
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
			// A usage error and a dry run send nothing; a listing only lists.
			sent := traffic(t)
			if s.exit == exitUsage || strings.HasPrefix(s.stdout, "dry run") {
				if sent.StatusPuts+sent.StatusGets+sent.ListGets != 0 {
					t.Errorf("sent %+v", sent)
				}
			}
			if len(s.args) > 0 && s.args[0] == "list" && sent.StatusPuts+sent.StatusGets != 0 {
				t.Errorf("a listing sent %+v", sent)
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
	for _, s := range allScenarios(t) {
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
			if goTraffic.StatusPuts != cTraffic.StatusPuts || goTraffic.ListGets != cTraffic.ListGets ||
				(goTraffic.StatusGets > 0) != (cTraffic.StatusGets > 0) {
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
		sum.ListGets += s.ListGets
	}
	return sum
}

// openPty opens a pseudo-terminal: the controlling end, and the terminal end
// a child gets as a stream.
func openPty(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	unlock := 0
	var number uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, controller.Fd(), syscall.TIOCSPTLCK,
		uintptr(unsafe.Pointer(&unlock))); errno != 0 {
		t.Fatalf("unlocking the pseudo-terminal: %v", errno)
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, controller.Fd(), syscall.TIOCGPTN,
		uintptr(unsafe.Pointer(&number))); errno != 0 {
		t.Fatalf("naming the pseudo-terminal: %v", errno)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", number), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return controller, terminal
}

// withTerminalStderr runs the Go dcsctl with a pseudo-terminal as its
// standard error and a pipe as its standard output: what the terminal
// showed (its "\r\n" back to "\n"), what the pipe got, the exit status.
func withTerminalStderr(t *testing.T, args ...string) (shown, piped string, exit int) {
	t.Helper()
	controller, terminal := openPty(t)
	defer controller.Close()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(clientEnv(nil), runAsMain+"=1")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, terminal
	read := make(chan []byte)
	go func() {
		data, _ := io.ReadAll(controller) // EIO once the child is gone and the terminal closed
		read <- data
	}()
	err := cmd.Run()
	terminal.Close()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		exit = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(<-read), "\r\n", "\n"), stdout.String(), exit
}

func progressText(wave, waves, total, done, ok, unknown, notSent, toGo int) string {
	return fmt.Sprintf("\rwave %d/%d: %d/%d done (%d ok, 0 failed, %d unknown, %d not sent), %d to go\033[K",
		wave, waves, done, total, ok, unknown, notSent, toGo)
}

// On a terminal, standard error shows the progress line, redrawn at each
// report and ended at the last one; the outcomes go to standard output as
// always. (Off a terminal there is nothing but the error line: the scenarios
// check that.)
func TestProgressLineOnATerminal(t *testing.T) {
	r6, r5, r4 := emulator.Running6, emulator.Running5, emulator.Running4
	arm(t, scenario{})
	shown, piped, exit := withTerminalStderr(t, "restart", "--wave", "2", r6, r5, r4)
	want := progressText(1, 2, 3, 0, 0, 0, 0, 3) + // wave 1 starts
		progressText(1, 2, 3, 1, 1, 0, 0, 2) + progressText(1, 2, 3, 2, 2, 0, 0, 1) + // its two instances
		progressText(1, 2, 3, 2, 2, 0, 0, 1) + // wave 1 done
		progressText(2, 2, 3, 2, 2, 0, 0, 1) + progressText(2, 2, 3, 3, 3, 0, 0, 0) + progressText(2, 2, 3, 3, 3, 0, 0, 0) +
		progressText(2, 2, 3, 3, 3, 0, 0, 0) + "\n" // finished
	if shown != want || exit != exitAllSucceeded || piped != r6+" success\n"+r5+" success\n"+r4+" success\n" {
		t.Errorf("exit %d\nterminal %q\nexpected %q\nstdout %q", exit, shown, want, piped)
	}

	// Stopped at the gate: the line ends, then the error line.
	arm(t, scenario{neverReturns: r5})
	shown, _, exit = withTerminalStderr(t, "restart", "--wave", "1", "--wait=1", r6, r5, r4)
	progress, errorLine, _ := strings.Cut(shown, "\n")
	if exit != exitStopped || !strings.HasSuffix(progress, progressText(2, 3, 3, 3, 1, 1, 1, 0)) ||
		!strings.HasPrefix(errorLine, "dcsctl: DCS_ESTOPPED ") {
		t.Errorf("exit %d, terminal %q", exit, shown)
	}
}
