/*
 * dcsctl: restart, soft-restart or flush DCS instances from the command line.
 *
 *   dcsctl ACTION [--wait[=SECONDS]] ID...      ACTION: restart, soft_restart, flush
 *
 * --wait: after the action, wait until the instances it was applied to are
 * RUNNING again (at most SECONDS, default 600); their outcome is then the
 * wait's: success (running again), failed (ERROR, FROZEN...), unknown (not
 * RUNNING in time).
 *
 * Configured from the environment (dcs_config_from_env): HUAWEICLOUD_SDK_AK,
 * HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, DCS_ENDPOINT or DCS_REGION.
 *
 * stdout: one line per instance, "ID OUTCOME", nothing else.
 * stderr: on anything but full success, one line with the status, HTTP status,
 *         error code, request id and message.
 * exit:   0 all succeeded, 1 partial, 2 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcs.h"

#define DEFAULT_WAIT_SECONDS 600

static int usage(void) {
    fprintf(stderr, "usage: dcsctl restart|soft_restart|flush [--wait[=SECONDS]] ID...\n");
    return 2;
}

/* "--wait" or "--wait=SECONDS" (1 to 86400): the seconds; 0 when `arg` is not the flag; -1 when
 * it is the flag with a bad value. */
static long wait_seconds(const char *arg) {
    if (strcmp(arg, "--wait") == 0) return DEFAULT_WAIT_SECONDS;
    if (strncmp(arg, "--wait=", 7) != 0) return 0;
    char *end = NULL;
    long seconds = strtol(arg + 7, &end, 10);
    return end != arg + 7 && *end == '\0' && seconds >= 1 && seconds <= 86400 ? seconds : -1;
}

static const char *or_dash(const char *text) {
    return text[0] != '\0' ? text : "-";
}

static void print_error(dcs_status status, const dcs_error *err) {
    fprintf(stderr, "dcsctl: %s http_status=%d code=%s request_id=%s: %s\n",
            dcs_status_name(status), dcs_error_http_status(err), or_dash(dcs_error_code(err)),
            or_dash(dcs_error_request_id(err)), dcs_error_message(err));
}

static int exit_code(dcs_status status) {
    return status == DCS_OK ? 0 : status == DCS_EPARTIAL ? 1 : 2;
}

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    dcs_action action;
    if (strcmp(argv[1], "restart") == 0) action = DCS_ACTION_RESTART;
    else if (strcmp(argv[1], "soft_restart") == 0) action = DCS_ACTION_SOFT_RESTART;
    else if (strcmp(argv[1], "flush") == 0) action = DCS_ACTION_FLUSH;
    else return usage();
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    int first_id = 2;
    long seconds = wait_seconds(argv[2]);
    if (seconds < 0) return usage();
    if (seconds > 0) {
        options.wait_running_ms = (uint32_t)(seconds * 1000);
        first_id = 3;
    }
    if (first_id >= argc) return usage();

    dcs_config *cfg = dcs_config_new();
    if (cfg == NULL) {
        fprintf(stderr, "dcsctl: DCS_ENOMEM http_status=0 code=- request_id=-: out of memory\n");
        return 2;
    }
    dcs_status status = dcs_config_from_env(cfg);
    if (status != DCS_OK) {
        fprintf(stderr, "dcsctl: %s http_status=0 code=- request_id=-: %s\n",
                dcs_status_name(status), dcs_config_error(cfg));
        dcs_config_free(cfg);
        return 2;
    }
    dcs_client *client = NULL;
    dcs_error *err = NULL;
    status = dcs_client_new(cfg, &client, &err);
    dcs_config_free(cfg);
    if (status != DCS_OK) {
        print_error(status, err);
        dcs_error_free(err);
        return 2;
    }

    dcs_results *results = NULL;
    status = dcs_call(client, action, (const char *const *)&argv[first_id], (size_t)(argc - first_id), &options,
                      &results, &err);

    const char *id;
    dcs_outcome outcome;
    while (dcs_results_next(results, &id, &outcome))
        printf("%s %s\n", id, dcs_outcome_name(outcome));
    fflush(stdout);
    if (status != DCS_OK) print_error(status, err);

    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
    return exit_code(status);
}
