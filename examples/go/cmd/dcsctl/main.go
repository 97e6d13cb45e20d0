// Command dcsctl restarts, soft-restarts or flushes DCS instances, or lists
// them: the Go twin of examples/c/dcsctl.c, with the same command line, the
// same bytes on stdout and stderr and the same exit status (Tests/examples/
// test_three_dcsctl.py compares the three). man/dcsctl.1 is the manual of
// all three.
//
//	dcsctl restart|soft_restart|flush [OPTION]... ID...
//	dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
//	dcsctl restart|soft_restart|flush [OPTION]... -          (the ids from standard input)
//	dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]
//	dcsctl --help | --version
//
// With --wave N an action rolls over the ids N at a time (dcs.CallOptions);
// when standard error is a terminal, a progress line is redrawn there.
//
// Configured from the environment only (dcs.NewClientFromEnv):
// HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN,
// HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION (and
// HUAWEICLOUD_SDK_REGION_DCS_{REGION}), then Huawei's credentials file.
//
// Ctrl-C during the call or the listing cancels its context, which cancels
// it in C.
// Before the confirmation of a flush, Ctrl-C ends the process as it ends
// the C program.
package main

/*
#include <string.h>
#include <unistd.h>
*/
import "C"

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"libdcs.dev/go/dcs"
)

// The exit statuses, by cause (man/dcsctl.1, EXIT STATUS).
const (
	exitAllSucceeded   = 0
	exitPartial        = 1   // the service answered, some instances failed
	exitUsage          = 2   // the command line, an id, or a flush not confirmed: nothing sent
	exitConfiguration  = 3   // StatusConfig: nothing sent
	exitRefused        = 4   // StatusAPI: the service refused the call
	exitOutcomeUnknown = 5   // transport, timeout, protocol (and out of memory): outcomes may be unknown
	exitStopped        = 6   // StatusStopped: a rolling action stopped after a wave with failures
	exitInterrupted    = 130 // Ctrl-C: the call was cancelled
)

var exitByStatus = map[dcs.Status]int{
	dcs.StatusOK: exitAllSucceeded, dcs.StatusPartial: exitPartial, dcs.StatusInvalid: exitUsage,
	dcs.StatusConfig: exitConfiguration, dcs.StatusAPI: exitRefused, dcs.StatusCancelled: exitInterrupted,
	dcs.StatusStopped: exitStopped,
}

var actions = map[string]dcs.Action{
	"restart": dcs.ActionRestart, "soft_restart": dcs.ActionSoftRestart, "flush": dcs.ActionFlush,
}

const listing = "list" // the command word of a listing, where an action goes

const (
	defaultWaitSeconds = 600
	maxWaitSeconds     = 86400
	maxWaveSize        = dcs.MaxIDsPerCall
	maxPauseSeconds    = 86400
	maxNameBytes       = 255
	projectIDVariable  = "HUAWEICLOUD_SDK_PROJECT_ID"
	longestAnswer      = 63 // bytes of a confirmation answer; a longer one is no
)

const usageHint = "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n"

const helpText = `usage: dcsctl restart|soft_restart|flush [OPTION]... ID...
       dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
       dcsctl restart|soft_restart|flush [OPTION]... -
       dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]
       dcsctl --help | --version

Restarts, soft-restarts or flushes Huawei Cloud DCS instances and reports one
outcome per instance: success, failed, not_sent (certainly not applied) or
unknown (it may have been applied).

  restart        force restart of the instances
  soft_restart   restart of the Redis process only
  flush          delete all data of the instances (Redis 4.0 and later); it
                 cannot be undone, so dcsctl asks first
  list           print the project's instances (id, status, engine, engine
                 version, name), found by name, status or tag

Options, anywhere before --:
  --wait[=SECONDS]   after the action, wait until the instances are RUNNING
                     again, at most SECONDS (1 to 86400, default 600)
  --wave N           roll the action over the ids N at a time (1 to 10000): each
                     wave is sent, then waited on until RUNNING (--wait, default
                     600 s per wave), and the next wave is not sent when one of
                     its instances did not end RUNNING
  --pause SECONDS    with --wave: seconds between two waves (0 to 86400, default 0)
  --keep-going       with --wave: go on past a wave with failures
  --name NAME        list: instances whose name contains NAME
  --exact            list: the name must be NAME exactly
  --status STATUS    list: instances in STATUS (RUNNING, RESTARTING...)
  --tag KEY=VALUE    list: instances tagged KEY=VALUE (repeatable: all of them)
  --output FORMAT    text (the default): one "ID OUTCOME" line per instance;
                     json: one JSON document (see dcsctl(1))
  --ids-from FILE    read the ids from FILE ('-': standard input), one per
                     line; blank lines and lines starting with # are skipped
  -                  as the only ID: read the ids from standard input
  --dry-run          print the requests that would be sent; send nothing
  --yes              flush without asking (needed when standard input is not
                     a terminal, or holds the ids)
  -h, --help         print this help
  --version          print the versions of libdcs and of the libcurl it uses
  --                 end of the options: the arguments after it are ids

Configured from the environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or
Huawei's credentials file), HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or
DCS_REGION.

Exit status: 0 all succeeded; 1 some instances failed; 2 usage error, or a
flush not confirmed; 3 configuration error; 4 the service refused the call;
5 transport, timeout or protocol error (outcomes may be unknown); 6 a rolling
action stopped after a wave with failures (later waves not sent); 130
interrupted (Ctrl-C).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// stop ends the program with its exit status, its messages already written:
// panicked by fail, recovered by run only, so that each check reads as one
// line where it is made.
type stop struct{ code int }

// program is one run: its streams, and what it was told.
type program struct {
	stdin          *os.File
	stdout, stderr io.Writer
	cmd            command
}

func run(args []string, stdin *os.File, stdout, stderr io.Writer) (code int) {
	p := &program{stdin: stdin, stdout: stdout, stderr: stderr}
	defer func() {
		if r := recover(); r != nil {
			s, ok := r.(stop)
			if !ok {
				panic(r)
			}
			code = s.code
		}
	}()
	return p.runCommand(args)
}

// fail writes "dcsctl: MESSAGE" and, for a mistake in the arguments
// themselves, the usage line; then ends the program with code.
func (p *program) fail(withUsage bool, code int, format string, args ...interface{}) {
	fmt.Fprintf(p.stderr, "dcsctl: "+format+"\n", args...)
	if withUsage {
		io.WriteString(p.stderr, usageHint)
	}
	panic(stop{code})
}

func (p *program) usageError(format string, args ...interface{}) {
	p.fail(true, exitUsage, format, args...)
}

// The command line ---------------------------------------------------------

type command struct {
	action      string // "list" for a listing
	actionGiven bool
	ids         []string
	stdinDash   bool   // "-" among the ids before "--": read them from standard input
	idsFrom     string // --ids-from FILE
	idsFromSet  bool
	wait        int64 // seconds; 0: no --wait (with --wave: defaultWaitSeconds, see runCommand)
	waitGiven   bool
	wave        int64 // ids per wave; 0: no --wave, one call of all the ids
	pause       int64 // seconds between two waves
	pauseGiven  bool
	keepGoing   bool
	// The filter of a listing, as given.
	name        string
	nameGiven   bool
	exact       bool
	status      string
	statusGiven bool
	tags        []string
	json        bool
	dryRun      bool
	yes         bool
	help        bool
	version     bool
}

func (cmd *command) isListing() bool { return cmd.actionGiven && cmd.action == listing }

// wholeNumber reads the number of --wait, --wave or --pause as C's strtol
// reads it (leading white space, a sign), from least to most; -1 when it is
// not that.
func wholeNumber(text string, least, most int64) int64 {
	number, ok := strtol(text)
	if !ok || number < least || number > most {
		return -1
	}
	return number
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
		if value < 1<<40 { // far beyond 86400 and 10000; saturates as strtol does at LONG_MAX
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

// parseOptions reads args. Mistakes in the options themselves are reported
// here, in order; what the action and the ids must be is checked after
// --help and --version (checkCommand).
func (p *program) parseOptions(args []string) {
	cmd := &p.cmd
	optionsEnded, outputGiven, waveGiven := false, false, false
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if optionsEnded || !strings.HasPrefix(arg, "-") || arg == "-" {
			if !cmd.actionGiven {
				cmd.action, cmd.actionGiven = arg, true
				continue
			}
			if !optionsEnded && arg == "-" {
				cmd.stdinDash = true
			}
			cmd.ids = append(cmd.ids, arg)
			continue
		}
		if arg == "--" {
			optionsEnded = true
			continue
		}
		if arg == "-h" {
			cmd.help = true
			continue
		}
		name, value, hasValue := arg, "", false
		if strings.HasPrefix(arg, "--") {
			if at := strings.IndexByte(arg, '='); at >= 0 {
				name, value, hasValue = arg[:at], arg[at+1:], true
			}
		}
		// The value of an option that takes one: after "=", else the next argument.
		nextValue := func() (string, bool) {
			if hasValue {
				return value, true
			}
			if i+1 < len(args) {
				i++
				return args[i], true
			}
			return "", false
		}
		flags := map[string]*bool{"--help": &cmd.help, "--version": &cmd.version, "--dry-run": &cmd.dryRun,
			"--yes": &cmd.yes, "--keep-going": &cmd.keepGoing, "--exact": &cmd.exact}
		if flag, ok := flags[name]; ok {
			if hasValue {
				p.usageError("%s takes no value", name)
			}
			*flag = true
			continue
		}
		switch name {
		case "--wait":
			if cmd.waitGiven {
				p.usageError("--wait given twice")
			}
			cmd.waitGiven = true
			cmd.wait = defaultWaitSeconds
			if hasValue {
				if cmd.wait = wholeNumber(value, 1, maxWaitSeconds); cmd.wait < 0 {
					p.usageError("--wait takes whole seconds from 1 to %d, not '%s'", maxWaitSeconds, value)
				}
			}
		case "--wave":
			if waveGiven {
				p.usageError("--wave given twice")
			}
			waveGiven = true
			size, ok := nextValue()
			if !ok {
				p.usageError("--wave needs a value")
			}
			if cmd.wave = wholeNumber(size, 1, maxWaveSize); cmd.wave < 0 {
				p.usageError("--wave takes a whole number of ids from 1 to %d, not '%s'", maxWaveSize, size)
			}
		case "--pause":
			if cmd.pauseGiven {
				p.usageError("--pause given twice")
			}
			cmd.pauseGiven = true
			seconds, ok := nextValue()
			if !ok {
				p.usageError("--pause needs a value")
			}
			if cmd.pause = wholeNumber(seconds, 0, maxPauseSeconds); cmd.pause < 0 {
				p.usageError("--pause takes whole seconds from 0 to %d, not '%s'", maxPauseSeconds, seconds)
			}
		case "--name":
			if cmd.nameGiven {
				p.usageError("--name given twice")
			}
			cmd.nameGiven = true
			var ok bool
			if cmd.name, ok = nextValue(); !ok || cmd.name == "" {
				p.usageError("--name needs a value")
			}
			if len(cmd.name) > maxNameBytes {
				p.usageError("--name takes 1 to %d bytes, not %d", maxNameBytes, len(cmd.name))
			}
		case "--status":
			if cmd.statusGiven {
				p.usageError("--status given twice")
			}
			cmd.statusGiven = true
			var ok bool
			if cmd.status, ok = nextValue(); !ok { // its form is the library's to check
				p.usageError("--status needs a value")
			}
		case "--tag":
			tag, ok := nextValue() // its form is the library's to check
			if !ok {
				p.usageError("--tag needs a value")
			}
			cmd.tags = append(cmd.tags, tag)
		case "--output":
			if outputGiven {
				p.usageError("--output given twice")
			}
			outputGiven = true
			output, ok := nextValue()
			if !ok {
				p.usageError("--output needs a value: text or json")
			}
			if output != "text" && output != "json" {
				p.usageError("--output must be text or json, not '%s'", output)
			}
			cmd.json = output == "json"
		case "--ids-from":
			if cmd.idsFromSet {
				p.usageError("--ids-from given twice")
			}
			cmd.idsFromSet = true
			var ok bool
			if cmd.idsFrom, ok = nextValue(); !ok || cmd.idsFrom == "" {
				p.usageError("--ids-from needs a file name")
			}
		default:
			p.usageError("unknown option '%s'; an id that starts with '-' goes after '--'", arg)
		}
	}
}

// misplacedOption is the first option, in the order of the help, that the
// command does not take: an action's with list, one of list's with an
// action; "" when there is none.
func (cmd *command) misplacedOption() string {
	type option struct {
		name  string
		given bool
	}
	options := []option{{"--name", cmd.nameGiven}, {"--exact", cmd.exact}, {"--status", cmd.statusGiven},
		{"--tag", len(cmd.tags) > 0}}
	if cmd.isListing() {
		options = []option{{"--wave", cmd.wave > 0}, {"--pause", cmd.pauseGiven}, {"--keep-going", cmd.keepGoing},
			{"--wait", cmd.waitGiven}, {"--ids-from", cmd.idsFromSet}, {"--dry-run", cmd.dryRun}, {"--yes", cmd.yes}}
	}
	for _, option := range options {
		if option.given {
			return option.name
		}
	}
	return ""
}

// checkCommand checks, once the whole command line is read, what the action
// and the ids must be and the options that go together: the options first,
// then the ids.
func (p *program) checkCommand() {
	cmd := &p.cmd
	_, isAction := actions[cmd.action]
	switch {
	case !cmd.actionGiven:
		p.usageError("no action given: restart, soft_restart, flush or list")
	case !isAction && !cmd.isListing():
		p.usageError("unknown action '%s': restart, soft_restart, flush or list", cmd.action)
	}
	if misplaced := cmd.misplacedOption(); misplaced != "" {
		if cmd.isListing() {
			p.usageError("%s is not an option of list", misplaced)
		}
		p.usageError("%s is an option of list", misplaced)
	}
	switch {
	case cmd.isListing() && len(cmd.ids) > 0:
		p.usageError("list takes no ids")
	case cmd.pauseGiven && cmd.wave == 0:
		p.usageError("--pause needs --wave")
	case cmd.keepGoing && cmd.wave == 0:
		p.usageError("--keep-going needs --wave")
	case cmd.exact && !cmd.nameGiven:
		p.usageError("--exact needs --name")
	case cmd.isListing():
		return
	case cmd.idsFromSet && len(cmd.ids) > 0:
		p.usageError("give the ids as arguments or with --ids-from, not both")
	case cmd.stdinDash && len(cmd.ids) > 1:
		p.usageError("'-' reads the ids from standard input: it must be the only id")
	case !cmd.idsFromSet && len(cmd.ids) == 0:
		p.usageError("no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input")
	}
}

// Ids from a file or standard input: one per line -------------------------

// idList is the ids of the call, from the command line or read from lines.
type idList struct {
	ids         []string
	source      string // "ids.txt", "standard input"; "" for the command line
	fromStdin   bool
	lineNumbers []int // of each id, from 1; nil for the command line
}

// readIDs reads path ("-": standard input): each line without surrounding
// blanks and a CR before its newline; blank lines and lines starting with
// '#' skipped.
func (p *program) readIDs(path string) idList {
	list := idList{source: path, fromStdin: path == "-"}
	var text []byte
	var err error
	if list.fromStdin {
		list.source = "standard input"
		text, err = io.ReadAll(p.stdin)
	} else {
		text, err = os.ReadFile(path)
	}
	if err != nil {
		p.fail(false, exitUsage, "cannot read %s: %s", list.source, reason(err))
	}
	for number, line := range strings.Split(string(text), "\n") {
		line = strings.Trim(strings.TrimSuffix(line, "\r"), " \t")
		if line != "" && !strings.HasPrefix(line, "#") {
			list.ids = append(list.ids, line)
			list.lineNumbers = append(list.lineNumbers, number+1)
		}
	}
	if len(list.ids) == 0 {
		p.fail(false, exitUsage, "%s holds no instance ids", list.source)
	}
	return list
}

// reason is the C library's words for why a read failed (strerror), as the
// C and Python programs say it.
func reason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return C.GoString(C.strerror(C.int(errno)))
	}
	return err.Error()
}

// Output --------------------------------------------------------------------

func orDash(text string) string {
	if text == "" {
		return "-"
	}
	return text
}

// outcome is what a call or a listing (or the checks and configuration
// before it) ended with: the fields of its *dcs.Error, and the results or the
// instances listed.
type outcome struct {
	status     dcs.Status
	httpStatus int
	code       string
	requestID  string
	message    string
	results    []dcs.Result
	instances  []dcs.Instance
}

func outcomeOf(results []dcs.Result, err error) outcome {
	if err == nil {
		return outcome{status: dcs.StatusOK, results: results}
	}
	var e *dcs.Error
	if !errors.As(err, &e) { // the package returns none such; said plainly should it ever
		return outcome{status: dcs.Status(-1000), message: err.Error(), results: results}
	}
	return outcome{status: e.Status, httpStatus: e.HTTPStatus, code: e.Code, requestID: e.RequestID, message: e.Message,
		results: results}
}

// jsonString is a JSON string: RFC 8259's escapes for '"', '\\' and control
// characters, every other byte as it is (the same bytes as the C program's
// json_string; encoding/json would escape <, > and & and replace bytes that
// are not UTF-8).
func jsonString(text string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// jsonStringOrNull is null for "" (no such value).
func jsonStringOrNull(text string) string {
	if text == "" {
		return "null"
	}
	return jsonString(text)
}

// jsonEntries are the members of "instances": the outcomes of an action, or
// the instances of a listing.
func (p *program) jsonEntries(o outcome) []string {
	var entries []string
	if p.cmd.isListing() {
		for _, i := range o.instances {
			entries = append(entries, fmt.Sprintf(`{"id": %s, "name": %s, "status": %s, "engine": %s, "engine_version": %s}`,
				jsonString(i.ID), jsonString(i.Name), jsonString(i.StatusText), jsonString(i.Engine),
				jsonString(i.EngineVersion)))
		}
		return entries
	}
	for _, r := range o.results {
		entries = append(entries, fmt.Sprintf(`{"id": %s, "outcome": %s, "request_id": %s}`, jsonString(r.InstanceID),
			jsonString(r.Outcome.String()), jsonStringOrNull(r.RequestID)))
	}
	return entries
}

func (p *program) printJSON(out io.Writer, o outcome) {
	httpStatus := "null"
	if o.httpStatus != 0 {
		httpStatus = strconv.Itoa(o.httpStatus)
	}
	fmt.Fprintf(out, "{\n  \"action\": %s,\n  \"status\": {\"name\": %s, \"number\": %d},\n  \"http_status\": %s,\n"+
		"  \"code\": %s,\n  \"request_id\": %s,\n  \"message\": %s,\n  \"instances\": [",
		jsonString(p.cmd.action), jsonString(o.status.String()), int(o.status), httpStatus, jsonStringOrNull(o.code),
		jsonStringOrNull(o.requestID), jsonStringOrNull(o.message))
	entries := p.jsonEntries(o)
	for i, entry := range entries {
		separator := ",\n"
		if i == 0 {
			separator = "\n"
		}
		fmt.Fprintf(out, "%s    %s", separator, entry)
	}
	if len(entries) > 0 {
		io.WriteString(out, "\n  ]")
	} else {
		io.WriteString(out, "]")
	}
	io.WriteString(out, "\n}\n")
}

// textField is a field of a listed instance on its text line: "-" for an
// empty one, and each control byte as '?', so that no name can break the
// line or drive the terminal.
func textField(text string) string {
	if text == "" {
		return "-"
	}
	field := []byte(text) // bytes, as C prints them: strings.Map would replace bytes that are not UTF-8
	for i, c := range field {
		if c < 0x20 || c == 0x7f {
			field[i] = '?'
		}
	}
	return string(field)
}

// report writes the outcomes or the instances listed on stdout (text lines,
// or the JSON document); then, unless all succeeded, the error line on
// stderr. It returns the exit status of the outcome's status.
func (p *program) report(o outcome) int {
	out := bufio.NewWriter(p.stdout)
	switch {
	case p.cmd.json:
		p.printJSON(out, o)
	case p.cmd.isListing():
		// One "ID STATUS ENGINE ENGINE_VERSION NAME" line per instance, in the service's order.
		for _, i := range o.instances {
			fmt.Fprintf(out, "%s %s %s %s %s\n", textField(i.ID), textField(i.StatusText), textField(i.Engine),
				textField(i.EngineVersion), textField(i.Name))
		}
	default:
		for _, r := range o.results {
			fmt.Fprintf(out, "%s %s\n", r.InstanceID, r.Outcome)
		}
	}
	out.Flush() // the outcomes come before the error line, also in one pipe
	if o.status != dcs.StatusOK {
		fmt.Fprintf(p.stderr, "dcsctl: %s http_status=%d code=%s request_id=%s: %s\n",
			o.status, o.httpStatus, orDash(o.code), orDash(o.requestID), o.message)
	}
	if code, ok := exitByStatus[o.status]; ok {
		return code
	}
	return exitOutcomeUnknown // transport, timeout, protocol, out of memory, a newer status
}

// instanceIDName is how the library names an id in its messages.
var instanceIDName = regexp.MustCompile(`instance_ids\[([0-9]+)\]`)

// messageInLines is the library's message about ids read from lines, in
// their words: "instance_ids[N]" becomes "line L", and the source comes first
// ("ids.txt: line 7 repeats line 3: ...").
func messageInLines(message string, list idList) string {
	return list.source + ": " + instanceIDName.ReplaceAllStringFunc(message, func(name string) string {
		index, err := strconv.Atoi(instanceIDName.FindStringSubmatch(name)[1])
		if err != nil || index >= len(list.ids) {
			return name
		}
		return fmt.Sprintf("line %d", list.lineNumbers[index])
	})
}

// checkIDs is the library's check of the ids, before anything else needs
// them: StatusInvalid reported as the call would report it (in lines for ids
// read from lines). An id holding a NUL byte, which no C string can carry, is
// refused here as the library refuses control characters, in its turn.
func (p *program) checkIDs(list idList) {
	checked := len(list.ids)
	for i, id := range list.ids {
		if strings.IndexByte(id, 0) >= 0 {
			checked = i
			break
		}
	}
	var message string
	if checked > 0 {
		if err := dcs.CheckInstanceIDs(list.ids[:checked]...); err != nil {
			message = outcomeOf(nil, err).message
		}
	}
	if message == "" {
		if checked == len(list.ids) {
			return
		}
		message = fmt.Sprintf("instance_ids[%d] holds a control character (U+0000)", checked)
	}
	if list.lineNumbers != nil {
		message = messageInLines(message, list)
	}
	panic(stop{p.report(outcome{status: dcs.StatusInvalid, message: message})})
}

// --dry-run -----------------------------------------------------------------

// chunksOf cuts ids into slices of at most size ids, in their order.
func chunksOf(ids []string, size int) [][]string {
	var chunks [][]string
	for start := 0; start < len(ids); start += size {
		end := len(ids)
		if len(ids)-start > size {
			end = start + size
		}
		chunks = append(chunks, ids[start:end])
	}
	return chunks
}

// writeJSONRequests writes the requests carrying chunks as JSON objects, each
// on a line of its own after indent, separated by commas, the last one
// followed by a newline.
func writeJSONRequests(out io.Writer, chunks [][]string, indent string) {
	for i, chunk := range chunks {
		quoted := make([]string, len(chunk))
		for j, id := range chunk {
			quoted[j] = jsonString(id)
		}
		separator := ""
		if i > 0 {
			separator = ","
		}
		fmt.Fprintf(out, "%s\n%s{\"instances\": [%s]}", separator, indent, strings.Join(quoted, ", "))
	}
	io.WriteString(out, "\n")
}

// printDryRun writes what would be sent, request by request (and with --wave,
// wave by wave, as the call would roll it); it needs no configuration but the
// project id (from the environment only: the credentials file is not read),
// shown as {project_id} when not set.
func (p *program) printDryRun(list idList) {
	projectID := os.Getenv(projectIDVariable)
	project := projectID
	if project == "" {
		project = "{project_id}"
	}
	path := "/v2/" + project + "/instances/status"
	// Without --wave, one wave of all the ids, printed without the waves.
	waveSize := int(p.cmd.wave)
	if waveSize == 0 {
		waveSize = len(list.ids)
	}
	var waves [][][]string
	for _, wave := range chunksOf(list.ids, waveSize) {
		waves = append(waves, chunksOf(wave, dcs.MaxIDsPerRequest))
	}
	out := bufio.NewWriter(p.stdout)
	defer out.Flush()
	if p.cmd.json {
		wait := "null"
		if p.cmd.wait > 0 {
			wait = strconv.FormatInt(p.cmd.wait, 10)
		}
		fmt.Fprintf(out, "{\n  \"dry_run\": true,\n  \"action\": %s,\n  \"method\": \"PUT\",\n  \"path\": %s,\n"+
			"  \"project_id\": %s,\n  \"wait_seconds\": %s", jsonString(p.cmd.action), jsonString(path),
			jsonStringOrNull(projectID), wait)
		if p.cmd.wave == 0 {
			io.WriteString(out, ",\n  \"requests\": [")
			writeJSONRequests(out, waves[0], "    ")
			io.WriteString(out, "  ]\n}\n")
			return
		}
		fmt.Fprintf(out, ",\n  \"wave_pause_seconds\": %d,\n  \"keep_going\": %t,\n  \"waves\": [", p.cmd.pause,
			p.cmd.keepGoing)
		for i, chunks := range waves {
			if i > 0 {
				io.WriteString(out, ",")
			}
			io.WriteString(out, "\n    {\"requests\": [")
			writeJSONRequests(out, chunks, "      ")
			io.WriteString(out, "    ]}")
		}
		io.WriteString(out, "\n  ]\n}\n")
		return
	}
	if projectID != "" {
		io.WriteString(out, "dry run: nothing is sent\n")
	} else {
		io.WriteString(out, "dry run: nothing is sent; "+projectIDVariable+" is not set, so the path shows {project_id}\n")
	}
	for w, chunks := range waves {
		prefix := ""
		if p.cmd.wave > 0 {
			prefix = fmt.Sprintf("wave %d of %d, ", w+1, len(waves))
		}
		for i, chunk := range chunks {
			fmt.Fprintf(out, "%srequest %d of %d: PUT %s action=%s instances=%d\n", prefix, i+1, len(chunks), path,
				p.cmd.action, len(chunk))
			for _, id := range chunk {
				fmt.Fprintf(out, "  %s\n", id)
			}
		}
		if p.cmd.wait > 0 {
			fmt.Fprintf(out, "then: GET /v2/%s/instances/ID for each instance acted on, until it is RUNNING, at most %d s\n",
				project, p.cmd.wait)
		}
		if w < len(waves)-1 && p.cmd.pause > 0 {
			fmt.Fprintf(out, "then: a pause of %d s\n", p.cmd.pause)
		}
	}
	if len(waves) > 1 { // the health gate, or --keep-going
		if p.cmd.keepGoing {
			io.WriteString(out, "--keep-going: the call goes on past a wave with failures\n")
		} else {
			io.WriteString(out, "a wave with an instance that does not end RUNNING stops the call: later waves are not sent\n")
		}
	}
}

// Ctrl-C and the confirmation of a flush ------------------------------------

type answer int

const (
	answerYes answer = iota
	answerNo
	answerEndOfInput
)

// readAnswer reads one line from standard input: "y" or "yes", any case,
// blanks around it allowed, is yes; anything else (a line of more than 63
// bytes too) is no.
func readAnswer(stdin io.Reader) answer {
	var line []byte
	byte1 := make([]byte, 1)
	for {
		n, err := stdin.Read(byte1)
		if n == 0 {
			if err == nil {
				continue
			}
			return answerEndOfInput
		}
		if byte1[0] == '\n' {
			break
		}
		line = append(line, byte1[0])
	}
	if len(line) > longestAnswer {
		return answerNo
	}
	word := strings.ToLower(strings.TrimRight(strings.TrimLeft(string(line), " \t"), " \t\r"))
	if word == "y" || word == "yes" {
		return answerYes
	}
	return answerNo
}

// confirmFlush lets a flush go ahead with --yes, or when the operator says
// yes on a terminal; interrupts delivers Ctrl-C meanwhile.
func (p *program) confirmFlush(list idList, interrupts <-chan os.Signal) {
	count := len(list.ids)
	plural := "s"
	if count == 1 {
		plural = ""
	}
	switch {
	case p.cmd.yes:
		return
	case list.fromStdin:
		p.fail(false, exitUsage, "not flushing %d instance%s without confirmation: the ids came from standard input; "+
			"give --yes to flush", count, plural)
	case C.isatty(C.int(p.stdin.Fd())) == 0:
		p.fail(false, exitUsage, "not flushing %d instance%s without confirmation: standard input is not a terminal; "+
			"give --yes to flush", count, plural)
	}
	fmt.Fprintf(p.stderr, "flush %d instance%s? This deletes all their data and cannot be undone [y/N] ", count, plural)
	answers := make(chan answer, 1)
	go func() { answers <- readAnswer(p.stdin) }()
	select {
	case a := <-answers:
		switch a {
		case answerYes:
			return
		case answerEndOfInput:
			io.WriteString(p.stderr, "\n")
		}
		p.fail(false, exitUsage, "not confirmed: nothing sent")
	case <-interrupts:
		io.WriteString(p.stderr, "\n")
		p.fail(false, exitInterrupted, "interrupted: nothing sent")
	}
}

// The progress line of a rolling action --------------------------------------

// progressLine is the line a rolling action whose standard error is a
// terminal redraws in place at each report ("\033[K" clears what a longer
// line before it left), ended by a newline at ProgressFinished.
type progressLine struct {
	out  io.Writer
	open bool // drawn, and not ended by a newline yet
}

func (l *progressLine) draw(p dcs.Progress) {
	if p.Event > dcs.ProgressFinished { // an event of a newer library
		return
	}
	fmt.Fprintf(l.out, "\rwave %d/%d: %d/%d done (%d ok, %d failed, %d unknown, %d not sent), %d to go\033[K",
		p.Wave, p.Waves, p.Done, p.Total, p.Succeeded, p.Failed, p.Unknown, p.NotSent, p.NotStarted+p.InProgress)
	l.open = p.Event != dcs.ProgressFinished
	if !l.open {
		io.WriteString(l.out, "\n")
	}
}

// isTerminal: w is a terminal (os.Stderr when it is one).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && C.isatty(C.int(f.Fd())) == 1
}

// The call, and the listing -------------------------------------------------

func (p *program) call(ctx context.Context, list idList) int {
	client, err := dcs.NewClientFromEnv()
	if err != nil {
		return p.report(outcomeOf(nil, err))
	}
	defer client.Close()
	opts := dcs.CallOptions{
		Wait: time.Duration(p.cmd.wait) * time.Second, WaveSize: int(p.cmd.wave),
		WavePause: time.Duration(p.cmd.pause) * time.Second, KeepGoing: p.cmd.keepGoing,
	}
	line := progressLine{out: p.stderr}
	if p.cmd.wave > 0 && isTerminal(p.stderr) { // off a terminal: nothing but the error line
		opts.Progress = line.draw
	}
	results, err := client.Call(ctx, actions[p.cmd.action], list.ids, opts)
	if line.open {
		io.WriteString(p.stderr, "\n") // the error line starts a line of its own
	}
	return p.report(outcomeOf(results, err))
}

func (p *program) list(ctx context.Context) int {
	client, err := dcs.NewClientFromEnv()
	if err != nil {
		return p.report(outcomeOf(nil, err))
	}
	defer client.Close()
	// As given: the library checks the status and the tags, and names them
	// in its message as the C program's does.
	instances, err := client.ListInstances(ctx, dcs.ListFilter{Name: p.cmd.name, NameExact: p.cmd.exact,
		Status: p.cmd.status, StatusGiven: p.cmd.statusGiven, RawTags: p.cmd.tags})
	o := outcomeOf(nil, err)
	o.instances = instances
	return p.report(o)
}

func (p *program) runCommand(args []string) int {
	p.parseOptions(args)
	if p.cmd.help {
		io.WriteString(p.stdout, helpText)
		return exitAllSucceeded
	}
	if p.cmd.version {
		fmt.Fprintf(p.stdout, "libdcs %s\nlibcurl %s\n", dcs.Version(), dcs.LibcurlVersion())
		return exitAllSucceeded
	}
	p.checkCommand()
	// The health gate judges a wave by its instances RUNNING again: a rolling action waits.
	if p.cmd.wave > 0 && !p.cmd.waitGiven {
		p.cmd.wait = defaultWaitSeconds
	}
	var list idList
	if !p.cmd.isListing() {
		list = idList{ids: p.cmd.ids}
		switch {
		case p.cmd.stdinDash:
			list = p.readIDs("-")
		case p.cmd.idsFromSet:
			list = p.readIDs(p.cmd.idsFrom)
		}
		p.checkIDs(list)
		if p.cmd.dryRun {
			p.printDryRun(list)
			return exitAllSucceeded
		}
	}

	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	if p.cmd.action == "flush" {
		p.confirmFlush(list, interrupts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-interrupts:
			cancel()
		case <-ctx.Done():
		}
	}()
	if p.cmd.isListing() {
		return p.list(ctx)
	}
	return p.call(ctx, list)
}
