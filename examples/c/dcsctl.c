/*
 * dcsctl: restart, soft-restart or flush DCS instances from the command line, or list them.
 *
 *   dcsctl restart|soft_restart|flush [OPTION]... ID...
 *   dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE
 *   dcsctl restart|soft_restart|flush [OPTION]... -          (the ids from standard input)
 *   dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]
 *   dcsctl --help | --version
 *
 * man/dcsctl.1 is the manual: options, output (text and the JSON documents), rolling actions
 * (--wave) and their progress line, the confirmation of a flush, exit statuses. The Python
 * (examples/python/dcs/_dcsctl.py) and Go (examples/go/cmd/dcsctl) programs are its twins: same
 * command line, same bytes on stdout and stderr, same exit status
 * (Tests/examples/test_three_dcsctl.py compares them).
 *
 * Configured from the environment (dcs_config_from_env): HUAWEICLOUD_SDK_AK,
 * HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION.
 *
 * Ctrl-C during the call or the listing cancels it through a dcs_cancel token. A signal handler
 * may not call dcs_cancel_trigger (it takes a lock), so the handler only writes a byte to a pipe;
 * a thread reading that pipe triggers the token, and the confirmation prompt polls the pipe
 * beside standard input.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcs.h"

/* The exit statuses, by cause (man/dcsctl.1, EXIT STATUS). */
enum {
    EXIT_ALL_SUCCEEDED = 0,
    EXIT_PARTIAL = 1,        /* the service answered, some instances failed */
    EXIT_USAGE = 2,          /* the command line, an id, or a flush not confirmed: nothing sent */
    EXIT_CONFIGURATION = 3,  /* DCS_ECONFIG: nothing sent */
    EXIT_REFUSED = 4,        /* DCS_EAPI: the service refused the call */
    EXIT_OUTCOME_UNKNOWN = 5, /* transport, timeout, protocol (and out of memory): outcomes may be unknown */
    EXIT_STOPPED = 6,        /* DCS_ESTOPPED: a rolling action stopped after a wave with failures */
    EXIT_INTERRUPTED = 130,  /* Ctrl-C: the call was cancelled */
};

#define DEFAULT_WAIT_SECONDS 600
#define MAX_WAIT_SECONDS 86400
#define MAX_WAVE_SIZE DCS_MAX_IDS_PER_CALL
#define MAX_PAUSE_SECONDS 86400
#define MAX_NAME_BYTES 255
#define PROJECT_ID_VARIABLE "HUAWEICLOUD_SDK_PROJECT_ID"

static const char usage_hint[] =
    "usage: dcsctl restart|soft_restart|flush [OPTION]... ID... (dcsctl --help for more)\n";

static const char help_text[] =
    "usage: dcsctl restart|soft_restart|flush [OPTION]... ID...\n"
    "       dcsctl restart|soft_restart|flush [OPTION]... --ids-from FILE\n"
    "       dcsctl restart|soft_restart|flush [OPTION]... -\n"
    "       dcsctl list [--name NAME [--exact]] [--status STATUS] [--tag KEY=VALUE]... [--output FORMAT]\n"
    "       dcsctl --help | --version\n"
    "\n"
    "Restarts, soft-restarts or flushes Huawei Cloud DCS instances and reports one\n"
    "outcome per instance: success, failed, not_sent (certainly not applied) or\n"
    "unknown (it may have been applied).\n"
    "\n"
    "  restart        force restart of the instances\n"
    "  soft_restart   restart of the Redis process only\n"
    "  flush          delete all data of the instances (Redis 4.0 and later); it\n"
    "                 cannot be undone, so dcsctl asks first\n"
    "  list           print the project's instances (id, status, engine, engine\n"
    "                 version, name), found by name, status or tag\n"
    "\n"
    "Options, anywhere before --:\n"
    "  --wait[=SECONDS]   after the action, wait until the instances are RUNNING\n"
    "                     again, at most SECONDS (1 to 86400, default 600)\n"
    "  --wave N           roll the action over the ids N at a time (1 to 10000): each\n"
    "                     wave is sent, then waited on until RUNNING (--wait, default\n"
    "                     600 s per wave), and the next wave is not sent when one of\n"
    "                     its instances did not end RUNNING\n"
    "  --pause SECONDS    with --wave: seconds between two waves (0 to 86400, default 0)\n"
    "  --keep-going       with --wave: go on past a wave with failures\n"
    "  --name NAME        list: instances whose name contains NAME\n"
    "  --exact            list: the name must be NAME exactly\n"
    "  --status STATUS    list: instances in STATUS (RUNNING, RESTARTING...)\n"
    "  --tag KEY=VALUE    list: instances tagged KEY=VALUE (repeatable: all of them)\n"
    "  --output FORMAT    text (the default): one \"ID OUTCOME\" line per instance;\n"
    "                     json: one JSON document (see dcsctl(1))\n"
    "  --ids-from FILE    read the ids from FILE ('-': standard input), one per\n"
    "                     line; blank lines and lines starting with # are skipped\n"
    "  -                  as the only ID: read the ids from standard input\n"
    "  --dry-run          print the requests that would be sent; send nothing\n"
    "  --yes              flush without asking (needed when standard input is not\n"
    "                     a terminal, or holds the ids)\n"
    "  -h, --help         print this help\n"
    "  --version          print the versions of libdcs and of the libcurl it uses\n"
    "  --                 end of the options: the arguments after it are ids\n"
    "\n"
    "Configured from the environment: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (or\n"
    "Huawei's credentials file), HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or\n"
    "DCS_REGION.\n"
    "\n"
    "Exit status: 0 all succeeded; 1 some instances failed; 2 usage error, or a\n"
    "flush not confirmed; 3 configuration error; 4 the service refused the call;\n"
    "5 transport, timeout or protocol error (outcomes may be unknown); 6 a rolling\n"
    "action stopped after a wave with failures (later waves not sent); 130\n"
    "interrupted (Ctrl-C).\n";

/* ------------------------------------------------------------------------------------------
 * The command line
 * ------------------------------------------------------------------------------------------ */

struct command {
    const char *action_name; /* NULL: none given; "list" for a listing */
    const char **ids;        /* the ID arguments (pointers into argv) */
    size_t id_count;
    int stdin_dash;          /* "-" among the ids before "--": read them from standard input */
    const char *ids_from;    /* --ids-from FILE, or NULL */
    long wait_seconds;       /* 0: no --wait (with --wave: DEFAULT_WAIT_SECONDS, see run) */
    int wait_given;
    long wave_size;          /* 0: no --wave, one call of all the ids */
    long pause_seconds;
    int pause_given, keep_going;
    /* The filter of a listing: NULL and 0 when not given. */
    const char *name;
    int exact;
    const char *status;
    const char **tags;       /* the --tag values (pointers into argv) */
    size_t tag_count;
    int json;
    int dry_run, yes, help, version;
};

/* Prints "dcsctl: MESSAGE" and, for a mistake in the arguments themselves, the usage line. */
static int fail(int with_usage, const char *format, ...) {
    va_list args;
    va_start(args, format);
    fputs("dcsctl: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
    if (with_usage) fputs(usage_hint, stderr);
    return EXIT_USAGE;
}

/* The number of --wait, --wave or --pause as strtol reads it (leading white space, a sign), from
 * `least` to `most`; -1 when it is not that. */
static long whole_number(const char *text, long least, long most) {
    char *end = NULL;
    long number = strtol(text, &end, 10);
    return end != text && *end == '\0' && number >= least && number <= most ? number : -1;
}

/* The value of an option that takes one: after "=", else the next argument. NULL (and *next
 * unchanged) when there is none. */
static const char *option_value(const char *equals, char **argv, int argc, int *next) {
    if (equals != NULL) return equals + 1;
    if (*next + 1 < argc) return argv[++*next];
    return NULL;
}

/* Reads argv into *cmd. Mistakes in the options themselves are reported here, in order;
 * what the action and the ids must be is checked after --help and --version (check_command). */
static int parse_options(int argc, char **argv, struct command *cmd) {
    int options_ended = 0, output_given = 0, wave_given = 0, status_given = 0;
    cmd->ids = calloc((size_t)argc, sizeof *cmd->ids);
    cmd->tags = calloc((size_t)argc, sizeof *cmd->tags);
    if (cmd->ids == NULL || cmd->tags == NULL) return fail(0, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_ended || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (cmd->action_name == NULL) {
                cmd->action_name = arg;
            } else {
                if (!options_ended && strcmp(arg, "-") == 0) cmd->stdin_dash = 1;
                cmd->ids[cmd->id_count++] = arg;
            }
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_ended = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0) {
            cmd->help = 1;
            continue;
        }
        const char *equals = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        size_t name_length = equals != NULL ? (size_t)(equals - arg) : strlen(arg);
#define IS(name) (name_length == strlen(name) && strncmp(arg, name, name_length) == 0)
        if (IS("--help") || IS("--version") || IS("--dry-run") || IS("--yes") || IS("--keep-going")
            || IS("--exact")) {
            if (equals != NULL) return fail(1, "%.*s takes no value", (int)name_length, arg);
            int *flag = IS("--help") ? &cmd->help : IS("--version") ? &cmd->version
                      : IS("--dry-run") ? &cmd->dry_run : IS("--yes") ? &cmd->yes
                      : IS("--keep-going") ? &cmd->keep_going : &cmd->exact;
            *flag = 1;
        } else if (IS("--wait")) {
            if (cmd->wait_given++) return fail(1, "--wait given twice");
            cmd->wait_seconds = equals == NULL ? DEFAULT_WAIT_SECONDS : whole_number(equals + 1, 1, MAX_WAIT_SECONDS);
            if (cmd->wait_seconds < 0)
                return fail(1, "--wait takes whole seconds from 1 to %d, not '%s'", MAX_WAIT_SECONDS, equals + 1);
        } else if (IS("--wave")) {
            if (wave_given++) return fail(1, "--wave given twice");
            const char *size = option_value(equals, argv, argc, &i);
            if (size == NULL) return fail(1, "--wave needs a value");
            cmd->wave_size = whole_number(size, 1, MAX_WAVE_SIZE);
            if (cmd->wave_size < 0)
                return fail(1, "--wave takes a whole number of ids from 1 to %d, not '%s'", MAX_WAVE_SIZE, size);
        } else if (IS("--pause")) {
            if (cmd->pause_given++) return fail(1, "--pause given twice");
            const char *seconds = option_value(equals, argv, argc, &i);
            if (seconds == NULL) return fail(1, "--pause needs a value");
            cmd->pause_seconds = whole_number(seconds, 0, MAX_PAUSE_SECONDS);
            if (cmd->pause_seconds < 0)
                return fail(1, "--pause takes whole seconds from 0 to %d, not '%s'", MAX_PAUSE_SECONDS, seconds);
        } else if (IS("--name")) {
            if (cmd->name != NULL) return fail(1, "--name given twice");
            cmd->name = option_value(equals, argv, argc, &i);
            if (cmd->name == NULL || cmd->name[0] == '\0') return fail(1, "--name needs a value");
            if (strlen(cmd->name) > MAX_NAME_BYTES)
                return fail(1, "--name takes 1 to %d bytes, not %zu", MAX_NAME_BYTES, strlen(cmd->name));
        } else if (IS("--status")) {
            if (status_given++) return fail(1, "--status given twice");
            cmd->status = option_value(equals, argv, argc, &i); /* checked by the library */
            if (cmd->status == NULL) return fail(1, "--status needs a value");
        } else if (IS("--tag")) {
            const char *tag = option_value(equals, argv, argc, &i); /* checked by the library */
            if (tag == NULL) return fail(1, "--tag needs a value");
            cmd->tags[cmd->tag_count++] = tag;
        } else if (IS("--output")) {
            if (output_given++) return fail(1, "--output given twice");
            const char *format = option_value(equals, argv, argc, &i);
            if (format == NULL) return fail(1, "--output needs a value: text or json");
            if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0)
                return fail(1, "--output must be text or json, not '%s'", format);
            cmd->json = strcmp(format, "json") == 0;
        } else if (IS("--ids-from")) {
            if (cmd->ids_from != NULL) return fail(1, "--ids-from given twice");
            cmd->ids_from = option_value(equals, argv, argc, &i);
            if (cmd->ids_from == NULL || cmd->ids_from[0] == '\0') return fail(1, "--ids-from needs a file name");
        } else {
            return fail(1, "unknown option '%s'; an id that starts with '-' goes after '--'", arg);
        }
#undef IS
    }
    return 0;
}

static int action_of(const char *name, dcs_action *out) {
    static const struct { const char *name; dcs_action action; } actions[] = {
        {"restart", DCS_ACTION_RESTART}, {"soft_restart", DCS_ACTION_SOFT_RESTART}, {"flush", DCS_ACTION_FLUSH}};
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(name, actions[i].name) == 0) {
            *out = actions[i].action;
            return 1;
        }
    }
    return 0;
}

static int is_listing(const struct command *cmd) {
    return cmd->action_name != NULL && strcmp(cmd->action_name, "list") == 0;
}

/* The first option, in the order of the help, that the command does not take: an action's with
 * list, one of list's with an action. NULL when there is none. */
static const char *misplaced_option(const struct command *cmd) {
    if (is_listing(cmd)) {
        return cmd->wave_size > 0 ? "--wave" : cmd->pause_given ? "--pause" : cmd->keep_going ? "--keep-going"
             : cmd->wait_given ? "--wait" : cmd->ids_from != NULL ? "--ids-from" : cmd->dry_run ? "--dry-run"
             : cmd->yes ? "--yes" : NULL;
    }
    return cmd->name != NULL ? "--name" : cmd->exact ? "--exact" : cmd->status != NULL ? "--status"
         : cmd->tag_count > 0 ? "--tag" : NULL;
}

static int check_command(const struct command *cmd, dcs_action *action) {
    if (cmd->action_name == NULL) return fail(1, "no action given: restart, soft_restart, flush or list");
    int listing = is_listing(cmd);
    if (!listing && !action_of(cmd->action_name, action))
        return fail(1, "unknown action '%s': restart, soft_restart, flush or list", cmd->action_name);
    const char *misplaced = misplaced_option(cmd);
    if (misplaced != NULL)
        return fail(1, listing ? "%s is not an option of list" : "%s is an option of list", misplaced);
    if (listing && cmd->id_count > 0) return fail(1, "list takes no ids");
    if (cmd->pause_given && cmd->wave_size == 0) return fail(1, "--pause needs --wave");
    if (cmd->keep_going && cmd->wave_size == 0) return fail(1, "--keep-going needs --wave");
    if (cmd->exact && cmd->name == NULL) return fail(1, "--exact needs --name");
    if (listing) return 0;
    if (cmd->ids_from != NULL && cmd->id_count > 0)
        return fail(1, "give the ids as arguments or with --ids-from, not both");
    if (cmd->stdin_dash && cmd->id_count > 1)
        return fail(1, "'-' reads the ids from standard input: it must be the only id");
    if (cmd->ids_from == NULL && cmd->id_count == 0)
        return fail(1, "no instance ids: give them as arguments, with --ids-from FILE, or '-' to read standard input");
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Ids from a file or standard input: one per line
 * ------------------------------------------------------------------------------------------ */

/* The ids of the call, from the command line or read from lines. */
struct id_list {
    const char *const *ids;
    size_t count;
    size_t nul_index;     /* the first id holding a NUL byte, or count when none does */
    /* Only for ids read from lines: */
    const char *source;   /* "ids.txt", "standard input" */
    int from_stdin;
    size_t *line_numbers; /* of each id, from 1 */
    char *text;           /* the bytes read, which the ids point into */
    const char **storage; /* the array `ids` points to */
};

static void id_list_free(struct id_list *list) {
    free(list->storage);
    free(list->line_numbers);
    free(list->text);
}

static int is_blank(char c) {
    return c == ' ' || c == '\t';
}

/* Reads `path` ("-": standard input) into list: each line without surrounding blanks and a CR
 * before its newline; blank lines and lines starting with '#' skipped. */
static int read_ids(const char *path, struct id_list *list) {
    list->from_stdin = strcmp(path, "-") == 0;
    list->source = list->from_stdin ? "standard input" : path;
    FILE *file = list->from_stdin ? stdin : fopen(path, "rb");
    if (file == NULL) return fail(0, "cannot read %s: %s", list->source, strerror(errno));
    size_t size = 0, capacity = 4096;
    list->text = malloc(capacity + 1);
    int read_error = 0;
    while (list->text != NULL) {
        size += fread(list->text + size, 1, capacity - size, file);
        if (size < capacity) {
            read_error = ferror(file) ? errno : 0;
            break;
        }
        char *bigger = realloc(list->text, 2 * capacity + 1);
        if (bigger == NULL) free(list->text);
        list->text = bigger;
        capacity *= 2;
    }
    if (!list->from_stdin) fclose(file);
    if (list->text == NULL) return fail(0, "out of memory reading %s", list->source);
    if (read_error != 0) return fail(0, "cannot read %s: %s", list->source, strerror(read_error));

    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += list->text[i] == '\n';
    list->ids = list->storage = calloc(lines, sizeof *list->storage);
    list->line_numbers = calloc(lines, sizeof *list->line_numbers);
    if (list->storage == NULL || list->line_numbers == NULL) return fail(0, "out of memory reading %s", list->source);
    list->nul_index = SIZE_MAX;
    size_t start = 0;
    for (size_t line = 1; start < size; line++) {
        char *newline = memchr(list->text + start, '\n', size - start);
        size_t end = newline != NULL ? (size_t)(newline - list->text) : size;
        size_t next = end + 1;
        if (end > start && list->text[end - 1] == '\r') end--;
        while (start < end && is_blank(list->text[start])) start++;
        while (end > start && is_blank(list->text[end - 1])) end--;
        if (end > start && list->text[start] != '#') {
            if (list->nul_index == SIZE_MAX && memchr(list->text + start, '\0', end - start) != NULL)
                list->nul_index = list->count;
            list->text[end] = '\0';
            list->storage[list->count] = list->text + start;
            list->line_numbers[list->count++] = line;
        }
        start = next;
    }
    if (list->nul_index == SIZE_MAX) list->nul_index = list->count;
    if (list->count == 0) return fail(0, "%s holds no instance ids", list->source);
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------------ */

static const char *or_dash(const char *text) {
    return text[0] != '\0' ? text : "-";
}

/* The stderr line of a status other than DCS_OK. */
static void print_error_line(dcs_status status, int http_status, const char *code, const char *request_id,
                             const char *message) {
    fprintf(stderr, "dcsctl: %s http_status=%d code=%s request_id=%s: %s\n", dcs_status_name(status), http_status,
            or_dash(code), or_dash(request_id), message);
}

/* A JSON string: the escapes of RFC 8259 for '"', '\\' and control characters (\u00xx where no
 * short form exists), every other byte as it is (the library's strings are UTF-8). */
static void json_string(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        switch (*c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*c < 0x20) fprintf(out, "\\u%04x", *c);
            else fputc(*c, out);
        }
    }
    fputc('"', out);
}

/* A JSON string, or null for "" (no such value). */
static void json_string_or_null(FILE *out, const char *text) {
    if (text[0] == '\0') fputs("null", out);
    else json_string(out, text);
}

/* What a call or a listing (or the checks and configuration before it) ended with. */
struct outcome_report {
    dcs_status status;
    const dcs_error *err;       /* NULL: no details (DCS_OK, or `message` instead) */
    const char *message;        /* when there is no dcs_error: the config's message */
    dcs_results *results;       /* NULL: nothing was sent */
    const dcs_instance_list *instances; /* a listing's; NULL: none (an error, or an action) */
};

static const char *report_message(const struct outcome_report *r) {
    return r->err != NULL ? dcs_error_message(r->err) : r->message != NULL ? r->message : "";
}

/* The instances of a listing, as members of "instances". */
static void print_json_instances(const dcs_instance_list *instances) {
    size_t count = dcs_instance_list_count(instances);
    for (size_t i = 0; i < count; i++) {
        fputs(i == 0 ? "\n    {\"id\": " : ",\n    {\"id\": ", stdout);
        json_string(stdout, dcs_instance_list_id(instances, i));
        fputs(", \"name\": ", stdout);
        json_string(stdout, dcs_instance_list_name(instances, i));
        fputs(", \"status\": ", stdout);
        json_string(stdout, dcs_instance_list_status_text(instances, i));
        fputs(", \"engine\": ", stdout);
        json_string(stdout, dcs_instance_list_engine(instances, i));
        fputs(", \"engine_version\": ", stdout);
        json_string(stdout, dcs_instance_list_engine_version(instances, i));
        fputc('}', stdout);
    }
    fputs(count > 0 ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

static void print_json(const struct outcome_report *r, const char *action_name, int listing) {
    fputs("{\n  \"action\": ", stdout);
    json_string(stdout, action_name);
    fputs(",\n  \"status\": {\"name\": ", stdout);
    json_string(stdout, dcs_status_name(r->status));
    printf(", \"number\": %d},\n  \"http_status\": ", (int)r->status);
    if (dcs_error_http_status(r->err) != 0) printf("%d", dcs_error_http_status(r->err));
    else fputs("null", stdout);
    fputs(",\n  \"code\": ", stdout);
    json_string_or_null(stdout, dcs_error_code(r->err));
    fputs(",\n  \"request_id\": ", stdout);
    json_string_or_null(stdout, dcs_error_request_id(r->err));
    fputs(",\n  \"message\": ", stdout);
    json_string_or_null(stdout, report_message(r));
    fputs(",\n  \"instances\": [", stdout);
    if (listing) {
        print_json_instances(r->instances);
        return;
    }
    size_t count = dcs_results_count(r->results);
    for (size_t i = 0; i < count; i++) {
        const char *id;
        dcs_outcome outcome;
        dcs_results_at(r->results, i, &id, &outcome);
        fputs(i == 0 ? "\n    {\"id\": " : ",\n    {\"id\": ", stdout);
        json_string(stdout, id);
        fputs(", \"outcome\": ", stdout);
        json_string(stdout, dcs_outcome_name(outcome));
        fputs(", \"request_id\": ", stdout);
        json_string_or_null(stdout, dcs_results_request_id(r->results, i));
        fputc('}', stdout);
    }
    fputs(count > 0 ? "\n  ]\n}\n" : "]\n}\n", stdout);
}

/* A field of a listed instance on its text line: "-" for an empty one, and each control byte
 * as '?', so that no name can break the line or drive the terminal. */
static void print_text_field(const char *text) {
    if (text[0] == '\0') fputc('-', stdout);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++)
        fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, stdout);
}

/* One "ID STATUS ENGINE ENGINE_VERSION NAME" line per instance, in the service's order. */
static void print_text_instances(const dcs_instance_list *instances) {
    size_t count = dcs_instance_list_count(instances);
    for (size_t i = 0; i < count; i++) {
        const char *fields[] = {dcs_instance_list_id(instances, i), dcs_instance_list_status_text(instances, i),
                                dcs_instance_list_engine(instances, i), dcs_instance_list_engine_version(instances, i),
                                dcs_instance_list_name(instances, i)};
        for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
            if (f > 0) fputc(' ', stdout);
            print_text_field(fields[f]);
        }
        fputc('\n', stdout);
    }
}

/* stdout: the outcomes or the instances listed (text lines, or the JSON document); then, unless
 * all succeeded, the error line on stderr. Returns the exit status of r->status. */
static int report(const struct outcome_report *r, const struct command *cmd) {
    int listing = is_listing(cmd);
    if (cmd->json) {
        print_json(r, cmd->action_name, listing);
    } else if (listing) {
        print_text_instances(r->instances);
    } else {
        const char *id;
        dcs_outcome outcome;
        dcs_results_rewind(r->results);
        while (dcs_results_next(r->results, &id, &outcome)) printf("%s %s\n", id, dcs_outcome_name(outcome));
    }
    fflush(stdout); /* the outcomes come before the error line, also in one pipe */
    if (r->status != DCS_OK)
        print_error_line(r->status, dcs_error_http_status(r->err), dcs_error_code(r->err),
                         dcs_error_request_id(r->err), report_message(r));
    switch (r->status) {
    case DCS_OK: return EXIT_ALL_SUCCEEDED;
    case DCS_EPARTIAL: return EXIT_PARTIAL;
    case DCS_EINVAL: return EXIT_USAGE;
    case DCS_ECONFIG: return EXIT_CONFIGURATION;
    case DCS_EAPI: return EXIT_REFUSED;
    case DCS_ECANCELED: return EXIT_INTERRUPTED;
    case DCS_ESTOPPED: return EXIT_STOPPED;
    default: return EXIT_OUTCOME_UNKNOWN; /* transport, timeout, protocol, out of memory, a newer status */
    }
}

/* The library's message about ids read from lines, in their words: "instance_ids[N]" becomes
 * "line L", and the source comes first ("ids.txt: line 7 repeats line 3: ..."). */
static char *message_in_lines(const char *message, const struct id_list *list) {
    size_t capacity = strlen(list->source) + 2 + 2 * strlen(message) + 64;
    char *out = malloc(capacity);
    if (out == NULL) return NULL;
    size_t used = (size_t)snprintf(out, capacity, "%s: ", list->source);
    static const char prefix[] = "instance_ids[";
    while (*message != '\0') {
        char *end = NULL;
        unsigned long index = 0;
        if (strncmp(message, prefix, sizeof prefix - 1) == 0) {
            const char *digits = message + sizeof prefix - 1;
            index = *digits >= '0' && *digits <= '9' ? strtoul(digits, &end, 10) : 0;
            if (end == NULL || *end != ']' || index >= list->count) end = NULL;
        }
        if (end != NULL) {
            used += (size_t)snprintf(out + used, capacity - used, "line %zu", list->line_numbers[index]);
            message = end + 1;
        } else {
            out[used++] = *message++;
        }
        if (used + 32 >= capacity) {
            char *bigger = realloc(out, capacity *= 2);
            if (bigger == NULL) {
                free(out);
                return NULL;
            }
            out = bigger;
        }
    }
    out[used] = '\0';
    return out;
}

/* The library's check of the ids, before anything else needs them: DCS_EINVAL reported as the
 * call would report it (in lines for ids read from lines). An id holding a NUL byte, which no
 * C string can carry, is refused here as the library refuses control characters, in its turn. */
static int check_ids(const struct id_list *list, const struct command *cmd) {
    size_t checked = list->nul_index < list->count ? list->nul_index : list->count;
    dcs_error *err = NULL;
    dcs_status status = checked > 0 ? dcs_check_instance_ids(list->ids, checked, &err) : DCS_OK;
    if (status == DCS_OK && checked == list->count) return 0;
    char nul_message[96];
    snprintf(nul_message, sizeof nul_message, "instance_ids[%zu] holds a control character (U+0000)", checked);
    const char *message = status != DCS_OK ? dcs_error_message(err) : nul_message;
    char *in_lines = list->line_numbers != NULL ? message_in_lines(message, list) : NULL;
    struct outcome_report r = {DCS_EINVAL, NULL, in_lines != NULL ? in_lines : message, NULL, NULL};
    int code = report(&r, cmd);
    free(in_lines);
    dcs_error_free(err);
    return code;
}

/* ------------------------------------------------------------------------------------------
 * --dry-run
 * ------------------------------------------------------------------------------------------ */

/* The requests that would carry list->ids[start..end), at most DCS_MAX_IDS_PER_REQUEST ids each,
 * as JSON objects: each on a line of its own after `indent`, separated by commas, the last one
 * followed by a newline. */
static void print_json_requests(const struct id_list *list, size_t start, size_t end, const char *indent) {
    for (size_t i = start; i < end; i++) {
        if ((i - start) % DCS_MAX_IDS_PER_REQUEST == 0) {
            if (i > start) fputs("]},", stdout);
            printf("\n%s{\"instances\": [", indent);
        } else {
            fputs(", ", stdout);
        }
        json_string(stdout, list->ids[i]);
    }
    fputs("]}\n", stdout);
}

/* The same requests as text: a "request R of M: PUT ..." line (after `prefix`, which names the
 * wave) before each, then its ids, one per line. */
static void print_text_requests(const struct id_list *list, size_t start, size_t end, const char *prefix,
                                const char *path, const char *action_name) {
    size_t requests = (end - start + DCS_MAX_IDS_PER_REQUEST - 1) / DCS_MAX_IDS_PER_REQUEST;
    for (size_t i = start; i < end; i++) {
        if ((i - start) % DCS_MAX_IDS_PER_REQUEST == 0) {
            size_t in_this = end - i < DCS_MAX_IDS_PER_REQUEST ? end - i : DCS_MAX_IDS_PER_REQUEST;
            printf("%srequest %zu of %zu: PUT %s action=%s instances=%zu\n", prefix,
                   (i - start) / DCS_MAX_IDS_PER_REQUEST + 1, requests, path, action_name, in_this);
        }
        printf("  %s\n", list->ids[i]);
    }
}

/* What would be sent, request by request (and with --wave, wave by wave, as the call would roll
 * it); needs no configuration but the project id (from the environment only: the credentials
 * file is not read), shown as {project_id} when not set. */
static int print_dry_run(const struct id_list *list, const struct command *cmd) {
    const char *project_id = getenv(PROJECT_ID_VARIABLE);
    int project_known = project_id != NULL && project_id[0] != '\0';
    const char *project = project_known ? project_id : "{project_id}";
    /* Without --wave, one wave of all the ids, printed without the waves. */
    size_t wave_size = cmd->wave_size > 0 ? (size_t)cmd->wave_size : list->count;
    size_t waves = (list->count + wave_size - 1) / wave_size;
    size_t path_size = strlen(project) + sizeof "/v2//instances/status";
    char *path = malloc(path_size);
    if (path == NULL) return fail(0, "out of memory");
    snprintf(path, path_size, "/v2/%s/instances/status", project);
    if (cmd->json) {
        fputs("{\n  \"dry_run\": true,\n  \"action\": ", stdout);
        json_string(stdout, cmd->action_name);
        fputs(",\n  \"method\": \"PUT\",\n  \"path\": ", stdout);
        json_string(stdout, path);
        fputs(",\n  \"project_id\": ", stdout);
        if (project_known) json_string(stdout, project_id);
        else fputs("null", stdout);
        if (cmd->wait_seconds > 0) printf(",\n  \"wait_seconds\": %ld", cmd->wait_seconds);
        else fputs(",\n  \"wait_seconds\": null", stdout);
        if (cmd->wave_size == 0) {
            fputs(",\n  \"requests\": [", stdout);
            print_json_requests(list, 0, list->count, "    ");
            fputs("  ]\n}\n", stdout);
        } else {
            printf(",\n  \"wave_pause_seconds\": %ld,\n  \"keep_going\": %s,\n  \"waves\": [", cmd->pause_seconds,
                   cmd->keep_going ? "true" : "false");
            for (size_t start = 0; start < list->count; start += wave_size) {
                size_t end = list->count - start < wave_size ? list->count : start + wave_size;
                fputs(start == 0 ? "\n    {\"requests\": [" : ",\n    {\"requests\": [", stdout);
                print_json_requests(list, start, end, "      ");
                fputs("    ]}", stdout);
            }
            fputs("\n  ]\n}\n", stdout);
        }
        free(path);
        return EXIT_ALL_SUCCEEDED;
    }
    if (project_known) puts("dry run: nothing is sent");
    else puts("dry run: nothing is sent; " PROJECT_ID_VARIABLE " is not set, so the path shows {project_id}");
    for (size_t start = 0, wave = 1; start < list->count; start += wave_size, wave++) {
        size_t end = list->count - start < wave_size ? list->count : start + wave_size;
        char prefix[64] = "";
        if (cmd->wave_size > 0) snprintf(prefix, sizeof prefix, "wave %zu of %zu, ", wave, waves);
        print_text_requests(list, start, end, prefix, path, cmd->action_name);
        if (cmd->wait_seconds > 0)
            printf("then: GET /v2/%s/instances/ID for each instance acted on, until it is RUNNING, at most %ld s\n",
                   project, cmd->wait_seconds);
        if (end < list->count && cmd->pause_seconds > 0) printf("then: a pause of %ld s\n", cmd->pause_seconds);
    }
    if (waves > 1) /* the health gate, or --keep-going */
        puts(cmd->keep_going ? "--keep-going: the call goes on past a wave with failures"
                             : "a wave with an instance that does not end RUNNING stops the call: later waves are not sent");
    free(path);
    return EXIT_ALL_SUCCEEDED;
}

/* ------------------------------------------------------------------------------------------
 * Ctrl-C and the confirmation of a flush
 * ------------------------------------------------------------------------------------------ */

static int interrupt_pipe[2] = {-1, -1};

static void on_interrupt(int signal_number) {
    (void)signal_number;
    int saved = errno;
    ssize_t written = write(interrupt_pipe[1], "i", 1); /* async-signal-safe, unlike dcs_cancel_trigger */
    (void)written;
    errno = saved;
}

/* From here on, Ctrl-C writes to interrupt_pipe instead of ending the process. */
static int catch_interrupts(void) {
    if (pipe(interrupt_pipe) != 0) return -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_interrupt;
    /* A Ctrl-C while a progress line or the outcomes are written must not cut the write short
     * (EINTR); the waits that must wake up (the prompt, the watcher) read the pipe itself. */
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    return sigaction(SIGINT, &action, NULL);
}

static void stop_catching_interrupts(void) {
    signal(SIGINT, SIG_DFL);
    for (int i = 0; i < 2; i++) {
        if (interrupt_pipe[i] >= 0) close(interrupt_pipe[i]);
        interrupt_pipe[i] = -1;
    }
}

enum answer { ANSWER_YES, ANSWER_NO, ANSWER_END_OF_INPUT, ANSWER_INTERRUPTED };

/* Reads one line from standard input, watching for Ctrl-C meanwhile. "y" or "yes", any case,
 * blanks around it allowed, is yes; anything else (a line of more than 63 bytes too) is no. */
static enum answer read_answer(void) {
    char line[64];
    size_t length = 0;
    int too_long = 0;
    for (;;) {
        struct pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {interrupt_pipe[0], POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return ANSWER_END_OF_INPUT;
        }
        if (fds[1].revents != 0) return ANSWER_INTERRUPTED;
        char c;
        ssize_t got = read(STDIN_FILENO, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return ANSWER_END_OF_INPUT;
        if (c == '\n') break;
        if (length < sizeof line - 1) line[length++] = c;
        else too_long = 1;
    }
    if (too_long) return ANSWER_NO;
    line[length] = '\0';
    char *word = line;
    while (is_blank(*word)) word++;
    size_t end = strlen(word);
    while (end > 0 && (is_blank(word[end - 1]) || word[end - 1] == '\r')) word[--end] = '\0';
    for (char *c = word; *c != '\0'; c++) *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    return strcmp(word, "y") == 0 || strcmp(word, "yes") == 0 ? ANSWER_YES : ANSWER_NO;
}

/* A flush goes ahead with --yes, or when the operator says yes on a terminal. 0: go ahead. */
static int confirm_flush(const struct id_list *list, const struct command *cmd) {
    const char *plural = list->count == 1 ? "" : "s";
    if (cmd->yes) return 0;
    if (list->from_stdin)
        return fail(0, "not flushing %zu instance%s without confirmation: the ids came from standard input; "
                       "give --yes to flush", list->count, plural);
    if (!isatty(STDIN_FILENO))
        return fail(0, "not flushing %zu instance%s without confirmation: standard input is not a terminal; "
                       "give --yes to flush", list->count, plural);
    fprintf(stderr, "flush %zu instance%s? This deletes all their data and cannot be undone [y/N] ", list->count,
            plural);
    fflush(stderr);
    switch (read_answer()) {
    case ANSWER_YES: return 0;
    case ANSWER_NO: return fail(0, "not confirmed: nothing sent");
    case ANSWER_END_OF_INPUT:
        fputc('\n', stderr);
        return fail(0, "not confirmed: nothing sent");
    case ANSWER_INTERRUPTED:
    default:
        fputc('\n', stderr);
        fail(0, "interrupted: nothing sent");
        return EXIT_INTERRUPTED;
    }
}

struct interrupt_watcher {
    pthread_t thread;
    dcs_cancel *cancel;
};

/* Triggers the token for each Ctrl-C, until main writes 'q'. */
static void *watch_interrupts(void *argument) {
    struct interrupt_watcher *watcher = argument;
    char byte;
    for (;;) {
        ssize_t got = read(interrupt_pipe[0], &byte, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0 || byte == 'q') return NULL;
        dcs_cancel_trigger(watcher->cancel);
    }
}

static void stop_watching(struct interrupt_watcher *watcher) {
    ssize_t written = write(interrupt_pipe[1], "q", 1);
    (void)written;
    pthread_join(watcher->thread, NULL);
}

/* ------------------------------------------------------------------------------------------
 * The progress line of a rolling action
 * ------------------------------------------------------------------------------------------ */

struct progress_line {
    int open; /* drawn, and not ended by a newline yet */
};

/* The dcs_progress_fn of a rolling action whose standard error is a terminal: one line redrawn
 * in place at each event ("\033[K" clears what a longer line before it left), ended at FINISHED. */
static void draw_progress(const dcs_progress *progress, void *user) {
    struct progress_line *line = user;
    if (progress->event > DCS_PROGRESS_FINISHED) return; /* an event of a newer library */
    fprintf(stderr, "\rwave %zu/%zu: %zu/%zu done (%zu ok, %zu failed, %zu unknown, %zu not sent), %zu to go\033[K",
            progress->wave, progress->waves, progress->done, progress->total, progress->succeeded, progress->failed,
            progress->unknown, progress->not_sent, progress->not_started + progress->in_progress);
    line->open = progress->event != DCS_PROGRESS_FINISHED;
    if (!line->open) fputc('\n', stderr);
}

/* ------------------------------------------------------------------------------------------
 * The call, and the listing
 * ------------------------------------------------------------------------------------------ */

/* A client configured from the environment; NULL when there is none, the error reported and its
 * exit status in *code. */
static dcs_client *client_from_env(const struct command *cmd, int *code) {
    dcs_config *cfg = dcs_config_new();
    if (cfg == NULL) {
        struct outcome_report r = {DCS_ENOMEM, NULL, "out of memory", NULL, NULL};
        *code = report(&r, cmd);
        return NULL;
    }
    dcs_status status = dcs_config_from_env(cfg);
    if (status != DCS_OK) {
        struct outcome_report r = {status, NULL, dcs_config_error(cfg), NULL, NULL};
        *code = report(&r, cmd);
        dcs_config_free(cfg);
        return NULL;
    }
    dcs_client *client = NULL;
    dcs_error *err = NULL;
    status = dcs_client_new(cfg, &client, &err);
    dcs_config_free(cfg);
    if (status != DCS_OK) {
        struct outcome_report r = {status, err, NULL, NULL, NULL};
        *code = report(&r, cmd);
        dcs_error_free(err);
        return NULL;
    }
    return client;
}

static int call(dcs_action action, const struct id_list *list, const struct command *cmd, dcs_cancel *cancel) {
    int code = 0;
    dcs_client *client = client_from_env(cmd, &code);
    if (client == NULL) return code;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.wait_running_ms = (uint32_t)(cmd->wait_seconds * 1000);
    options.cancel = cancel;
    options.wave_size = (size_t)cmd->wave_size;
    options.wave_pause_ms = (uint32_t)(cmd->pause_seconds * 1000);
    options.keep_going = cmd->keep_going;
    struct progress_line line = {0};
    if (cmd->wave_size > 0 && isatty(STDERR_FILENO)) { /* off a terminal: nothing but the error line */
        options.progress = draw_progress;
        options.progress_user = &line;
    }
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_call(client, action, list->ids, list->count, &options, &results, &err);
    if (line.open) fputc('\n', stderr); /* the error line starts a line of its own */
    struct outcome_report r = {status, err, NULL, results, NULL};
    code = report(&r, cmd);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
    return code;
}

static int list_instances(const struct command *cmd, dcs_cancel *cancel) {
    int code = 0;
    dcs_client *client = client_from_env(cmd, &code);
    if (client == NULL) return code;
    dcs_list_filter filter = DCS_LIST_FILTER_INIT;
    filter.name = cmd->name;
    filter.name_exact = cmd->exact;
    filter.status = cmd->status;
    filter.tags = cmd->tags;
    filter.tag_count = cmd->tag_count;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    dcs_instance_list *instances = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_list_instances(client, &filter, &options, &instances, &err);
    struct outcome_report r = {status, err, NULL, NULL, instances};
    code = report(&r, cmd);
    dcs_instance_list_free(instances);
    dcs_error_free(err);
    dcs_client_free(client);
    return code;
}

static int run(int argc, char **argv, struct command *cmd, struct id_list *list) {
    int code = parse_options(argc, argv, cmd);
    if (code != 0) return code;
    if (cmd->help) {
        fputs(help_text, stdout);
        return EXIT_ALL_SUCCEEDED;
    }
    if (cmd->version) {
        printf("libdcs %s\nlibcurl %s\n", dcs_version(), dcs_libcurl_version());
        return EXIT_ALL_SUCCEEDED;
    }
    dcs_action action = DCS_ACTION_RESTART;
    if ((code = check_command(cmd, &action)) != 0) return code;
    int listing = is_listing(cmd);
    /* The health gate judges a wave by its instances RUNNING again: a rolling action waits. */
    if (cmd->wave_size > 0 && !cmd->wait_given) cmd->wait_seconds = DEFAULT_WAIT_SECONDS;
    if (!listing) {
        if (cmd->ids_from != NULL || cmd->stdin_dash) {
            if ((code = read_ids(cmd->stdin_dash ? "-" : cmd->ids_from, list)) != 0) return code;
        } else {
            list->ids = cmd->ids;
            list->count = cmd->id_count;
            list->nul_index = list->count;
        }
        if ((code = check_ids(list, cmd)) != 0) return code;
        if (cmd->dry_run) return print_dry_run(list, cmd);
    }

    if (catch_interrupts() != 0) return fail(0, "cannot watch for Ctrl-C: %s", strerror(errno));
    if (!listing && action == DCS_ACTION_FLUSH && (code = confirm_flush(list, cmd)) != 0) return code;
    struct interrupt_watcher watcher = {.cancel = dcs_cancel_new()};
    if (watcher.cancel == NULL) {
        struct outcome_report r = {DCS_ENOMEM, NULL, "out of memory", NULL, NULL};
        return report(&r, cmd);
    }
    if ((errno = pthread_create(&watcher.thread, NULL, watch_interrupts, &watcher)) != 0) {
        dcs_cancel_free(watcher.cancel);
        return fail(0, "cannot watch for Ctrl-C: %s", strerror(errno));
    }
    code = listing ? list_instances(cmd, watcher.cancel) : call(action, list, cmd, watcher.cancel);
    stop_watching(&watcher);
    dcs_cancel_free(watcher.cancel);
    return code;
}

int main(int argc, char **argv) {
    struct command cmd = {0};
    struct id_list list = {0};
    int code = run(argc, argv, &cmd, &list);
    stop_catching_interrupts();
    id_list_free(&list);
    free(cmd.ids);
    free(cmd.tags);
    return code;
}
