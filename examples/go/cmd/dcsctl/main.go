// Command dcsctl restarts, soft-restarts or flushes DCS instances: the Go
// twin of examples/c/dcsctl.c, with the same command line, output and exit
// codes.
//
//	dcsctl ACTION [--wait[=SECONDS]] ID...      ACTION: restart, soft_restart, flush
//
// --wait: after the action, wait until the instances it was applied to are
// RUNNING again (at most SECONDS, 1 to 86400, default 600); their outcome is
// then the wait's: success (running again), failed (ERROR, FROZEN...),
// unknown (not RUNNING in time). Only right after the action; SECONDS is read
// as C's strtol reads it (leading white space and a sign allowed).
//
// Configured from the environment only (dcs.NewClientFromEnv):
// HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN,
// HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION (and
// HUAWEICLOUD_SDK_REGION_DCS_{REGION}), then Huawei's credentials file.
//
// stdout: one line per instance, "ID OUTCOME", nothing else.
// stderr: on anything but full success, one line with the status, HTTP
// status, error code, request id and message.
// exit:   0 all succeeded, 1 partial, 2 error.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"libdcs.local/dcs"
)

type (
	operation        func(*dcs.Client, context.Context, ...string) ([]dcs.Result, error)
	waitingOperation func(*dcs.Client, context.Context, time.Duration, ...string) ([]dcs.Result, error)
)

const defaultWaitSeconds = 600

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		return usage(stderr)
	}
	var call operation
	var callAndWait waitingOperation
	switch args[0] {
	case "restart":
		call, callAndWait = (*dcs.Client).Restart, (*dcs.Client).RestartAndWait
	case "soft_restart":
		call, callAndWait = (*dcs.Client).SoftRestart, (*dcs.Client).SoftRestartAndWait
	case "flush":
		call, callAndWait = (*dcs.Client).Flush, (*dcs.Client).FlushAndWait
	default:
		return usage(stderr)
	}
	ids := args[1:]
	seconds := waitSeconds(args[1])
	if seconds < 0 {
		return usage(stderr)
	}
	if seconds > 0 {
		ids = args[2:]
		wait := time.Duration(seconds) * time.Second
		call = func(client *dcs.Client, ctx context.Context, ids ...string) ([]dcs.Result, error) {
			return callAndWait(client, ctx, wait, ids...)
		}
	}
	if len(ids) == 0 {
		return usage(stderr)
	}

	client, err := dcs.NewClientFromEnv()
	if err != nil {
		if status, _ := dcs.StatusOf(err); status == dcs.StatusNoMemory {
			// As the C example says when dcs_config_new fails.
			fmt.Fprintln(stderr, "dcsctl: DCS_ENOMEM http_status=0 code=- request_id=-: out of memory")
		} else {
			printError(stderr, err)
		}
		return 2
	}
	defer client.Close()

	results, err := call(client, context.Background(), ids...)
	out := bufio.NewWriter(stdout)
	for _, r := range results {
		fmt.Fprintf(out, "%s %s\n", r.InstanceID, r.Outcome)
	}
	out.Flush() // the results come before the error line, also on error
	if err != nil {
		printError(stderr, err)
	}
	return exitCode(err)
}

func usage(stderr io.Writer) int {
	fmt.Fprintln(stderr, "usage: dcsctl restart|soft_restart|flush [--wait[=SECONDS]] ID...")
	return 2
}

// waitSeconds is the C example's wait_seconds: for "--wait" or
// "--wait=SECONDS" (1 to 86400) the seconds; 0 when arg is not the flag; -1
// when it is the flag with a bad value.
func waitSeconds(arg string) int64 {
	if arg == "--wait" {
		return defaultWaitSeconds
	}
	if !strings.HasPrefix(arg, "--wait=") {
		return 0
	}
	seconds, ok := strtol(strings.TrimPrefix(arg, "--wait="))
	if !ok || seconds < 1 || seconds > 86400 {
		return -1
	}
	return seconds
}

// strtol reads text as C's strtol(text, &end, 10) does, and is true when it
// converted digits and end is the end of text: white space (C locale) and a
// sign may come first. Values beyond the accepted range saturate.
func strtol(text string) (int64, bool) {
	i := 0
	for i < len(text) && strings.IndexByte(" \t\n\v\f\r", text[i]) >= 0 {
		i++
	}
	negative := false
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		negative = text[i] == '-'
		i++
	}
	digits := i
	var value int64
	for ; i < len(text) && text[i] >= '0' && text[i] <= '9'; i++ {
		if value < 1<<40 { // far beyond 86400; saturates as strtol does at LONG_MAX
			value = value*10 + int64(text[i]-'0')
		}
	}
	if i == digits || i != len(text) {
		return 0, false
	}
	if negative {
		value = -value
	}
	return value, true
}

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}

func printError(stderr io.Writer, err error) {
	var e *dcs.Error
	if !errors.As(err, &e) { // the package returns none such; said plainly should it ever
		fmt.Fprintf(stderr, "dcsctl: %v\n", err)
		return
	}
	fmt.Fprintf(stderr, "dcsctl: %s http_status=%d code=%s request_id=%s: %s\n",
		e.Status, e.HTTPStatus, orDash(e.Code), orDash(e.RequestID), e.Message)
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case dcs.IsPartial(err):
		return 1
	default:
		return 2
	}
}
