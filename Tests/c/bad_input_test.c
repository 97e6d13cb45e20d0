/*
 * Bad input to every exported function, as a table: each row calls one function with one kind
 * of bad argument and states what the header promises back. No row may crash, and no row may
 * send anything (the driver, Tests/c/test_bad_input.py, checks the emulator's counter; it also
 * checks that every function of include/dcs.h has a row).
 *
 *   bad_input_test table            every row
 *   bad_input_test functions        the functions the table covers
 *   bad_input_test freed_then_new   a client freed, then a new one: the new one works
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcs.h"

#define RUNNING_6 "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"

/* What a row is given: a client and a config made from the environment, and bad strings. */
static dcs_client *client;
static dcs_config *cfg;
static char huge[200 * 1024];       /* longer than any argument may be */
static char too_long_id[DCS_MAX_ID_BYTES + 2];
static const char *good_ids[] = {RUNNING_6};
static const char *null_entry[] = {RUNNING_6, NULL};
static const char *empty_id[] = {""};
static const char *control_id[] = {"a\x01" "b"};
static const char *newline_id[] = {"a\nb"};
static const char *bad_utf8_id[] = {"a\xc3\x28"};
static const char *overlong_utf8_id[] = {"\xc0\xaf"};
static const char *long_id[] = {too_long_id};
static const char *repeated_ids[] = {RUNNING_6, RUNNING_6};

/* Runs `call` and compares its status with the one promised; frees what a call hands out
 * (nothing, for a refused call: checked). */
static int check_call(const char *what, dcs_status got, dcs_status want, dcs_results *results, dcs_error *err) {
    int ok = got == want && results == NULL && (want == DCS_OK ? err == NULL : err != NULL);
    if (err != NULL && (dcs_error_message(err)[0] == '\0' || dcs_error_status(err) != want)) ok = 0;
    if (!ok) fprintf(stderr, "row %s: %s, expected %s\n", what, dcs_status_name(got), dcs_status_name(want));
    dcs_results_free(results);
    dcs_error_free(err);
    return ok;
}

/* Makes the call, then checks what it wrote (C leaves the order of a function's arguments open). */
#define CHECK_CALL(what, call, want)                                                           \
    do {                                                                                       \
        results = (dcs_results *)&results;                                                     \
        err = NULL;                                                                            \
        dcs_status status_ = (call);                                                           \
        ok &= check_call(what, status_, want, results, err);                                   \
    } while (0)

#define OPERATION_ROW(fn, ids, count, want)                                                    \
    static int row_##fn##_##ids##_##count(void) {                                              \
        dcs_results *results;                                                                  \
        dcs_error *err;                                                                        \
        int ok = 1;                                                                            \
        CHECK_CALL(#fn " " #ids " " #count, fn(client, ids, count, &results, &err), want);     \
        return ok;                                                                             \
    }

#define null_ids NULL
OPERATION_ROW(dcs_restart, null_ids, 1, DCS_EINVAL)
OPERATION_ROW(dcs_restart, good_ids, 0, DCS_EINVAL)
OPERATION_ROW(dcs_restart, good_ids, SIZE_MAX, DCS_EINVAL)
OPERATION_ROW(dcs_restart, null_entry, 2, DCS_EINVAL)
OPERATION_ROW(dcs_soft_restart, empty_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_soft_restart, control_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_soft_restart, newline_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_flush, bad_utf8_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_flush, overlong_utf8_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_flush, long_id, 1, DCS_EINVAL)
OPERATION_ROW(dcs_flush, repeated_ids, 2, DCS_EINVAL)

static int row_operation_null_client(void) {
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    int ok = 1;
    CHECK_CALL("dcs_restart NULL client", dcs_restart(NULL, good_ids, 1, &results, &err), DCS_EINVAL);
    ok &= dcs_soft_restart(NULL, good_ids, 1, &results, NULL) == DCS_EINVAL && results == NULL;
    ok &= dcs_flush(client, good_ids, 1, NULL, NULL) == DCS_EINVAL;
    return ok;
}

static int row_dcs_call(void) {
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    int ok = 1;
    CHECK_CALL("dcs_call bad action", dcs_call(client, (dcs_action)-1, good_ids, 1, NULL, &results, &err), DCS_EINVAL);
    options.version = 0;
    CHECK_CALL("dcs_call options version 0",
               dcs_call(client, DCS_ACTION_FLUSH, good_ids, 1, &options, &results, &err), DCS_EINVAL);
    options.version = 1000;
    CHECK_CALL("dcs_call options version 1000",
               dcs_call(client, DCS_ACTION_FLUSH, good_ids, 1, &options, &results, &err), DCS_EINVAL);
    ok &= dcs_call(NULL, DCS_ACTION_FLUSH, good_ids, 1, NULL, &results, NULL) == DCS_EINVAL;
    ok &= dcs_call(client, DCS_ACTION_FLUSH, NULL, 1, NULL, &results, NULL) == DCS_EINVAL;
    ok &= dcs_call(client, DCS_ACTION_FLUSH, good_ids, SIZE_MAX, NULL, &results, NULL) == DCS_EINVAL;
    ok &= dcs_call(client, DCS_ACTION_FLUSH, long_id, 1, NULL, NULL, NULL) == DCS_EINVAL;
    return ok;
}

/* The check the operations make, on its own: every kind of bad id, and good ids too. */
static int row_check_instance_ids(void) {
    static const char *const *const bad[] = {null_entry, empty_id, control_id, newline_id, bad_utf8_id,
                                             overlong_utf8_id, long_id, repeated_ids};
    static const size_t counts[] = {2, 1, 1, 1, 1, 1, 1, 2};
    dcs_error *err = NULL;
    int ok = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ok &= dcs_check_instance_ids(bad[i], counts[i], &err) == DCS_EINVAL && err != NULL &&
              dcs_error_status(err) == DCS_EINVAL && strncmp(dcs_error_message(err), "instance_ids", 12) == 0;
        dcs_error_free(err);
    }
    ok &= dcs_check_instance_ids(NULL, 1, NULL) == DCS_EINVAL;
    ok &= dcs_check_instance_ids(good_ids, 0, NULL) == DCS_EINVAL;
    ok &= dcs_check_instance_ids(good_ids, SIZE_MAX, NULL) == DCS_EINVAL;
    err = (dcs_error *)&err;
    ok &= dcs_check_instance_ids(good_ids, 1, &err) == DCS_OK && err == NULL;
    return ok;
}

static int row_wait(void) {
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    int ok = 1;
    CHECK_CALL("dcs_wait_running timeout 0", dcs_wait_running(client, good_ids, 1, 0, &results, &err), DCS_EINVAL);
    ok &= dcs_wait_running(NULL, good_ids, 1, 1000, &results, NULL) == DCS_EINVAL && results == NULL;
    ok &= dcs_wait_running(client, good_ids, 0, 1000, &results, NULL) == DCS_EINVAL && results == NULL;
    ok &= dcs_wait_running(client, null_entry, 2, 1000, &results, NULL) == DCS_EINVAL && results == NULL;
    ok &= dcs_wait_running(client, good_ids, 1, 1000, NULL, NULL) == DCS_EINVAL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.version = 77;
    ok &= dcs_wait_running_with(client, good_ids, 1, 1000, &options, &results, NULL) == DCS_EINVAL && results == NULL;
    ok &= dcs_wait_running_with(client, control_id, 1, 1000, NULL, &results, NULL) == DCS_EINVAL && results == NULL;
    return ok;
}

static int row_instance_status(void) {
    dcs_instance_status status = DCS_INSTANCE_RUNNING;
    dcs_error *err = NULL;
    int ok = dcs_get_instance_status(NULL, RUNNING_6, &status, &err) == DCS_EINVAL;
    dcs_error_free(err);
    ok &= dcs_get_instance_status(client, NULL, &status, NULL) == DCS_EINVAL;
    ok &= dcs_get_instance_status(client, "", &status, NULL) == DCS_EINVAL && status == DCS_INSTANCE_OTHER;
    ok &= dcs_get_instance_status(client, too_long_id, &status, NULL) == DCS_EINVAL;
    ok &= dcs_get_instance_status(client, "a\xff", &status, NULL) == DCS_EINVAL;
    ok &= dcs_get_instance_status(client, RUNNING_6, NULL, NULL) == DCS_EINVAL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.version = 0;
    ok &= dcs_get_instance_status_with(client, RUNNING_6, &options, &status, NULL) == DCS_EINVAL;
    ok &= dcs_get_instance_status_with(NULL, RUNNING_6, NULL, &status, NULL) == DCS_EINVAL;
    return ok;
}

static void ignore_log_line(dcs_log_level level, const char *message, void *user) {
    (void)level, (void)message, (void)user;
}

/* Setters: NULL config, NULL string, empty, over-long, control characters, invalid UTF-8. */
static int row_config_setters(void) {
    int ok = 1;
    const char *bad[] = {NULL, "", huge, "a\x01z", "a\xc3\x28"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ok &= dcs_config_set_endpoint(cfg, bad[i]) == DCS_EINVAL;
        ok &= dcs_config_set_region(cfg, bad[i]) == DCS_EINVAL;
        ok &= dcs_config_set_project_id(cfg, bad[i]) == DCS_EINVAL;
        ok &= dcs_config_set_credentials(cfg, bad[i], "sk", NULL) == DCS_EINVAL;
        ok &= dcs_config_set_credentials(cfg, "ak", bad[i], NULL) == DCS_EINVAL;
        if (bad[i] != NULL) ok &= dcs_config_set_credentials(cfg, "ak", "sk", bad[i]) == DCS_EINVAL;
        ok &= dcs_config_set_auth_token(cfg, bad[i]) == DCS_EINVAL;
        if (bad[i] != NULL) ok &= dcs_config_set_ca_file(cfg, bad[i]) == DCS_EINVAL;
        if (bad[i] != NULL && bad[i][0] != '\0') ok &= dcs_config_set_proxy(cfg, bad[i]) == DCS_EINVAL;
        ok &= dcs_config_error(cfg)[0] != '\0';
    }
    ok &= dcs_config_set_endpoint(NULL, "https://h") == DCS_EINVAL;
    ok &= dcs_config_set_region(NULL, "r") == DCS_EINVAL;
    ok &= dcs_config_set_project_id(NULL, "p") == DCS_EINVAL;
    ok &= dcs_config_set_credentials(NULL, "a", "s", NULL) == DCS_EINVAL;
    ok &= dcs_config_set_auth_token(NULL, "t") == DCS_EINVAL;
    ok &= dcs_config_set_timeouts(NULL, 1, 1) == DCS_EINVAL;
    ok &= dcs_config_set_timeouts(cfg, 0, 0) == DCS_EINVAL;
    ok &= dcs_config_set_timeouts(cfg, UINT32_MAX, 1) == DCS_EINVAL;
    ok &= dcs_config_set_max_retries(NULL, 1) == DCS_EINVAL;
    ok &= dcs_config_set_max_retries(cfg, UINT32_MAX) == DCS_EINVAL;
    ok &= dcs_config_set_ca_file(NULL, "/x") == DCS_EINVAL;
    ok &= dcs_config_set_insecure(NULL, 1) == DCS_EINVAL;
    ok &= dcs_config_set_proxy(NULL, NULL) == DCS_EINVAL;
    ok &= dcs_config_set_proxy(cfg, "ftp://proxy") == DCS_EINVAL && dcs_config_set_proxy(cfg, "http://p/x") == DCS_EINVAL;
    ok &= dcs_config_set_busy_retry(NULL, 1) == DCS_EINVAL;
    ok &= dcs_config_set_log(NULL, DCS_LOG_INFO, NULL, NULL) == DCS_EINVAL;
    ok &= dcs_config_set_log(cfg, (dcs_log_level)99, ignore_log_line, NULL) == DCS_EINVAL;
    ok &= dcs_config_from_env(NULL) == DCS_EINVAL;
    ok &= strcmp(dcs_config_error(NULL), "") == 0;
    return ok;
}

static int row_client_new(void) {
    dcs_client *made = (dcs_client *)&made;
    dcs_error *err = NULL;
    int ok = dcs_client_new(NULL, &made, &err) == DCS_EINVAL && made == NULL;
    dcs_error_free(err);
    ok &= dcs_client_new(cfg, NULL, NULL) == DCS_EINVAL;
    dcs_config *empty = dcs_config_new();
    ok &= dcs_client_new(empty, &made, NULL) == DCS_ECONFIG && made == NULL;
    dcs_config_free(empty);
    return ok;
}

static int row_frees_of_null_twice(void) {
    for (int i = 0; i < 2; i++) {
        dcs_config_free(NULL);
        dcs_client_free(NULL);
        dcs_results_free(NULL);
        dcs_error_free(NULL);
        dcs_cancel_free(NULL);
    }
    return 1;
}

static int row_results_and_errors_of_null(void) {
    const char *id = "untouched";
    dcs_outcome outcome = DCS_OUTCOME_FAILED;
    dcs_results_rewind(NULL);
    int ok = dcs_results_count(NULL) == 0 && dcs_results_next(NULL, &id, &outcome) == 0;
    ok &= dcs_results_at(NULL, 0, &id, &outcome) == 0 && strcmp(id, "untouched") == 0;
    ok &= strcmp(dcs_results_request_id(NULL, 0), "") == 0 && strcmp(dcs_results_request_id(NULL, SIZE_MAX), "") == 0;
    ok &= dcs_results_copy(NULL, 0, SIZE_MAX, NULL, NULL, NULL) == 0;
    ok &= dcs_error_status(NULL) == DCS_OK && dcs_error_http_status(NULL) == 0;
    ok &= strcmp(dcs_error_code(NULL), "") == 0 && strcmp(dcs_error_request_id(NULL), "") == 0;
    ok &= dcs_error_message(NULL)[0] != '\0';
    return ok;
}

static int row_cancel_of_null(void) {
    dcs_cancel_trigger(NULL);
    dcs_cancel *cancel = dcs_cancel_new();
    int ok = cancel != NULL && dcs_cancel_is_triggered(NULL) == 0 && dcs_cancel_is_triggered(cancel) == 0;
    dcs_cancel_free(cancel);
    return ok;
}

static int row_names_of_unknown_values(void) {
    return dcs_version() != NULL && dcs_libcurl_version()[0] != '\0' &&
           strcmp(dcs_status_name((dcs_status)42), "DCS_UNKNOWN_STATUS") == 0 &&
           strcmp(dcs_status_name((dcs_status)-100), "DCS_UNKNOWN_STATUS") == 0 &&
           strcmp(dcs_outcome_name((dcs_outcome)99), "invalid") == 0 &&
           strcmp(dcs_log_level_name((dcs_log_level)-1), "invalid") == 0 &&
           strcmp(dcs_instance_status_name((dcs_instance_status)1000), "OTHER") == 0;
}

static int row_call_options_init_sizes(void) {
    dcs_call_options_init(NULL, sizeof(dcs_call_options));
    dcs_call_options options;
    memset(&options, 0x5a, sizeof options);
    dcs_call_options_init(&options, 0);
    int ok = options.version == 0x5a5a5a5a;
    dcs_call_options_init(&options, SIZE_MAX);
    return ok && options.version == DCS_CALL_OPTIONS_VERSION;
}

/* Listing: NULL client or out, a bad filter, an unknown options version; the accessors of a NULL
 * list answer as for an empty one. */
static int row_listing(void) {
    dcs_instance_list *list = (dcs_instance_list *)&list;
    dcs_error *err = NULL;
    int ok = 1;
    ok &= dcs_list_instances(NULL, NULL, NULL, &list, &err) == DCS_EINVAL && list == NULL && err != NULL &&
          strcmp(dcs_error_message(err), "client is NULL") == 0;
    dcs_error_free(err);
    ok &= dcs_list_instances(client, NULL, NULL, NULL, NULL) == DCS_EINVAL;
    dcs_list_filter filter = DCS_LIST_FILTER_INIT;
    filter.tag_count = SIZE_MAX;
    ok &= dcs_list_instances(client, &filter, NULL, &list, NULL) == DCS_EINVAL && list == NULL;
    filter = (dcs_list_filter)DCS_LIST_FILTER_INIT;
    filter.status = "RUNNING\n";
    ok &= dcs_list_instances(client, &filter, NULL, &list, NULL) == DCS_EINVAL && list == NULL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.version = 77;
    ok &= dcs_list_instances(client, NULL, &options, &list, NULL) == DCS_EINVAL && list == NULL;
    ok &= dcs_instance_list_count(NULL) == 0 && dcs_instance_list_status(NULL, 0) == DCS_INSTANCE_OTHER;
    ok &= strcmp(dcs_instance_list_id(NULL, 0), "") == 0 && strcmp(dcs_instance_list_name(NULL, SIZE_MAX), "") == 0;
    ok &= strcmp(dcs_instance_list_engine(NULL, 0), "") == 0 && strcmp(dcs_instance_list_engine_version(NULL, 0), "") == 0;
    ok &= strcmp(dcs_instance_list_status_text(NULL, 0), "") == 0;
    dcs_instance_list_free(NULL);
    return ok;
}

static const struct {
    const char *functions; /* the header's functions this row calls, space-separated */
    int (*run)(void);
} rows[] = {
    {"dcs_restart", row_dcs_restart_null_ids_1},
    {"dcs_restart", row_dcs_restart_good_ids_0},
    {"dcs_restart", row_dcs_restart_good_ids_SIZE_MAX},
    {"dcs_restart", row_dcs_restart_null_entry_2},
    {"dcs_soft_restart", row_dcs_soft_restart_empty_id_1},
    {"dcs_soft_restart", row_dcs_soft_restart_control_id_1},
    {"dcs_soft_restart", row_dcs_soft_restart_newline_id_1},
    {"dcs_flush", row_dcs_flush_bad_utf8_id_1},
    {"dcs_flush", row_dcs_flush_overlong_utf8_id_1},
    {"dcs_flush", row_dcs_flush_long_id_1},
    {"dcs_flush", row_dcs_flush_repeated_ids_2},
    {"dcs_restart dcs_soft_restart dcs_flush", row_operation_null_client},
    {"dcs_call", row_dcs_call},
    {"dcs_check_instance_ids", row_check_instance_ids},
    {"dcs_wait_running dcs_wait_running_with", row_wait},
    {"dcs_get_instance_status dcs_get_instance_status_with", row_instance_status},
    {"dcs_config_set_endpoint dcs_config_set_region dcs_config_set_project_id dcs_config_set_credentials "
     "dcs_config_set_auth_token dcs_config_set_timeouts dcs_config_set_max_retries dcs_config_set_ca_file "
     "dcs_config_set_insecure dcs_config_set_proxy dcs_config_set_busy_retry dcs_config_set_log dcs_config_from_env dcs_config_error",
     row_config_setters},
    {"dcs_client_new dcs_config_new dcs_config_free", row_client_new},
    {"dcs_config_free dcs_client_free dcs_results_free dcs_error_free dcs_cancel_free", row_frees_of_null_twice},
    {"dcs_results_count dcs_results_next dcs_results_at dcs_results_request_id dcs_results_copy dcs_results_rewind dcs_error_status dcs_error_http_status "
     "dcs_error_code dcs_error_message dcs_error_request_id", row_results_and_errors_of_null},
    {"dcs_cancel_new dcs_cancel_trigger dcs_cancel_is_triggered", row_cancel_of_null},
    {"dcs_version dcs_libcurl_version dcs_status_name dcs_outcome_name dcs_log_level_name dcs_instance_status_name",
     row_names_of_unknown_values},
    {"dcs_call_options_init", row_call_options_init_sizes},
    {"dcs_list_instances dcs_instance_list_count dcs_instance_list_id dcs_instance_list_name dcs_instance_list_engine "
     "dcs_instance_list_engine_version dcs_instance_list_status dcs_instance_list_status_text dcs_instance_list_free",
     row_listing},
};

static void setup(void) {
    memset(huge, 'x', sizeof huge - 1);
    memset(too_long_id, 'y', sizeof too_long_id - 1);
    cfg = dcs_config_new();
    if (cfg == NULL || dcs_config_from_env(cfg) != DCS_OK || dcs_client_new(cfg, &client, NULL) != DCS_OK) {
        fprintf(stderr, "bad_input_test: no client from the environment\n");
        exit(2);
    }
}

static int freed_then_new(void) {
    dcs_client_free(client);
    dcs_client *again = NULL;
    if (dcs_client_new(cfg, &again, NULL) != DCS_OK) return 0;
    dcs_results *results = NULL;
    dcs_status status = dcs_flush(again, good_ids, 1, &results, NULL);
    dcs_results_free(results);
    dcs_client_free(again);
    client = NULL;
    return status == DCS_OK;
}

int main(int argc, char **argv) {
    size_t count = sizeof rows / sizeof rows[0];
    if (argc == 2 && strcmp(argv[1], "functions") == 0) {
        for (size_t i = 0; i < count; i++) puts(rows[i].functions);
        return 0;
    }
    setup();
    int failed = 0;
    if (argc == 2 && strcmp(argv[1], "table") == 0) {
        for (size_t i = 0; i < count; i++) {
            if (!rows[i].run()) {
                fprintf(stderr, "row %zu (%s) broke its promise\n", i, rows[i].functions);
                failed++;
            }
        }
        printf("%zu rows, %d failed\n", count, failed);
    } else if (argc == 2 && strcmp(argv[1], "freed_then_new") == 0) {
        failed = !freed_then_new();
    } else {
        fprintf(stderr, "usage: bad_input_test table|functions|freed_then_new\n");
        return 2;
    }
    dcs_client_free(client);
    dcs_config_free(cfg);
    return failed ? 1 : 0;
}
