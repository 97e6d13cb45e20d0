// Command dcsctl restarts, soft-restarts or flushes DCS instances: the Go
// twin of examples/c/dcsctl.c, with the same command line, output and exit
// codes.
//
//	dcsctl ACTION ID...        ACTION: restart, soft_restart, flush
//
// Configured from the environment only (dcs.NewClientFromEnv):
// HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN,
// HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION.
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

	"libdcs.local/dcs"
)

type operation func(*dcs.Client, context.Context, ...string) ([]dcs.Result, error)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		return usage(stderr)
	}
	var call operation
	switch args[0] {
	case "restart":
		call = (*dcs.Client).Restart
	case "soft_restart":
		call = (*dcs.Client).SoftRestart
	case "flush":
		call = (*dcs.Client).Flush
	default:
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

	results, err := call(client, context.Background(), args[1:]...)
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
	fmt.Fprintln(stderr, "usage: dcsctl restart|soft_restart|flush ID...")
	return 2
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
