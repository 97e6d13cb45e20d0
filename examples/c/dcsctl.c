/*
 * dcsctl: restart, soft-restart or flush DCS instances from the command line.
 *
 *   dcsctl ACTION ID...        ACTION: restart, soft_restart, flush
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
#include <string.h>

#include "dcs.h"

typedef dcs_status (*dcs_operation)(dcs_client *, const char *const *, size_t,
                                    dcs_results **, dcs_error **);

static int usage(void) {
    fprintf(stderr, "usage: dcsctl restart|soft_restart|flush ID...\n");
    return 2;
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
    dcs_operation operation;
    if (strcmp(argv[1], "restart") == 0) operation = dcs_restart;
    else if (strcmp(argv[1], "soft_restart") == 0) operation = dcs_soft_restart;
    else if (strcmp(argv[1], "flush") == 0) operation = dcs_flush;
    else return usage();

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
    status = operation(client, (const char *const *)&argv[2], (size_t)(argc - 2), &results, &err);

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
