/*
 * What operators need beyond the call, through the C ABI against dcs-emulator: instance status
 * and waiting for RUNNING, cancellation, clock skew, logging, configuration sources, busy
 * retries. Run one case: operator_test CASE. The driver, Tests/c/test_operator.py, starts the
 * emulators these cases need and checks what the server saw.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* --- status and waiting ---------------------------------------------------- */

static void test_instance_status(void) {
    dcs_client *client = client_from(config_from_env());
    dcs_instance_status status = DCS_INSTANCE_OTHER;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_6, &status, &err), DCS_OK);
    CHECK(status == DCS_INSTANCE_RUNNING && err == NULL);
    CHECK(strcmp(dcs_instance_status_name(status), "RUNNING") == 0);
    CHECK_STATUS(dcs_get_instance_status(client, FROZEN, &status, NULL), DCS_OK);
    CHECK(status == DCS_INSTANCE_FROZEN);
    CHECK_STATUS(dcs_get_instance_status(client, "no-such-instance", &status, &err), DCS_EAPI);
    CHECK(status == DCS_INSTANCE_OTHER);
    CHECK(dcs_error_http_status(err) == 404);
    CHECK(strcmp(dcs_error_code(err), "DCS.3022") == 0);
    CHECK(strlen(dcs_error_request_id(err)) > 0);
    dcs_error_free(err);
    /* Bad arguments: nothing sent. */
    CHECK_STATUS(dcs_get_instance_status(client, "bad\nid", &status, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "instance_id holds a control character");
    dcs_error_free(err);
    CHECK_STATUS(dcs_get_instance_status(client, NULL, &status, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "instance_id is NULL");
    dcs_error_free(err);
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_6, NULL, NULL), DCS_EINVAL);
    CHECK_STATUS(dcs_get_instance_status(NULL, RUNNING_6, &status, NULL), DCS_EINVAL);
    CHECK(strcmp(dcs_instance_status_name((dcs_instance_status)99), "OTHER") == 0);
    /* With options: a triggered token sends nothing. */
    dcs_cancel *cancel = dcs_cancel_new();
    dcs_cancel_trigger(cancel);
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    CHECK_STATUS(dcs_get_instance_status_with(client, RUNNING_6, &options, &status, &err), DCS_ECANCELED);
    CHECK(status == DCS_INSTANCE_OTHER);
    dcs_error_free(err);
    dcs_cancel_free(cancel);
    CHECK_STATUS(dcs_get_instance_status_with(client, RUNNING_6, NULL, &status, NULL), DCS_OK);
    CHECK(status == DCS_INSTANCE_RUNNING);
    dcs_client_free(client);
}

/* Restart, then wait: the emulator keeps restarted instances RESTARTING for a moment. */
static void test_restart_then_wait(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 2, &results, NULL), DCS_OK);
    dcs_results_free(results);
    dcs_instance_status status = DCS_INSTANCE_OTHER;
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_6, &status, NULL), DCS_OK);
    CHECK(status == DCS_INSTANCE_RESTARTING);
    dcs_error *err = NULL;
    double started = now_seconds();
    CHECK_STATUS(dcs_wait_running(client, ids, 2, 20000, &results, &err), DCS_OK);
    const dcs_outcome want[] = {DCS_OUTCOME_SUCCESS, DCS_OUTCOME_SUCCESS};
    check_outcomes(results, want, 2);
    CHECK(err == NULL);
    CHECK(now_seconds() - started < 10 * time_scale());
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_6, &status, NULL), DCS_OK);
    CHECK(status == DCS_INSTANCE_RUNNING);
    dcs_results_free(results);
    dcs_client_free(client);
}

/* Restart and wait in one call: the wait's outcomes replace the restart's. */
static void test_restart_with_wait_option(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6, FROZEN, RUNNING_5};
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.wait_running_ms = 20000;
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_RESTART, ids, 3, &options, &results, &err), DCS_EPARTIAL);
    const dcs_outcome want[] = {DCS_OUTCOME_SUCCESS, DCS_OUTCOME_FAILED, DCS_OUTCOME_SUCCESS};
    check_outcomes(results, want, 3);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_instance_status status = DCS_INSTANCE_OTHER;
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_5, &status, NULL), DCS_OK);
    CHECK(status == DCS_INSTANCE_RUNNING);
    dcs_client_free(client);
}

/* With a short wait, restarted instances not back yet are unknown, and the call timed out. */
static void test_restart_with_short_wait(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6};
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.wait_running_ms = 700;
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_RESTART, ids, 1, &options, &results, &err), DCS_ETIMEOUT);
    const dcs_outcome want[] = {DCS_OUTCOME_UNKNOWN};
    check_outcomes(results, want, 1);
    CHECK_CONTAINS(dcs_error_message(err), "not RUNNING after 700 ms");
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* The emulator keeps restarted instances RESTARTING for 60 s here. */
static void test_wait_reports_failed_and_timed_out(void) {
    dcs_client *client = client_from(config_from_env());
    const char *restarted[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, restarted, 1, &results, NULL), DCS_OK);
    dcs_results_free(results);
    const char *ids[] = {RUNNING_6, FROZEN, "no-such-instance", RUNNING_5};
    dcs_error *err = NULL;
    double started = now_seconds();
    CHECK_STATUS(dcs_wait_running(client, ids, 4, 1500, &results, &err), DCS_ETIMEOUT);
    double elapsed = now_seconds() - started;
    CHECK(elapsed >= 1.4 && elapsed < 4.0 * time_scale());
    const dcs_outcome want[] = {DCS_OUTCOME_UNKNOWN, DCS_OUTCOME_FAILED, DCS_OUTCOME_FAILED, DCS_OUTCOME_SUCCESS};
    check_outcomes(results, want, 4);
    CHECK_CONTAINS(dcs_error_message(err), "1 of 4 instances not RUNNING after 1500 ms");
    CHECK_CONTAINS(dcs_error_message(err), RUNNING_6 " (RESTARTING)");
    dcs_results_free(results);
    dcs_error_free(err);

    /* Without a timed-out one: the failed ones make a partial result, named with their status. */
    const char *settled[] = {FROZEN, RUNNING_5};
    CHECK_STATUS(dcs_wait_running(client, settled, 2, 5000, &results, &err), DCS_EPARTIAL);
    CHECK_CONTAINS(dcs_error_message(err), FROZEN " (FROZEN)");
    dcs_results_free(results);
    dcs_error_free(err);

    CHECK_STATUS(dcs_wait_running(client, settled, 2, 0, &results, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "timeout_ms");
    dcs_error_free(err);
    dcs_client_free(client);
}

/* --- cancellation ----------------------------------------------------------- */

struct delayed_trigger {
    dcs_cancel *cancel;
    unsigned delay_ms;
};

static void *trigger_later(void *arg) {
    struct delayed_trigger *trigger = arg;
    usleep(trigger->delay_ms * 1000);
    dcs_cancel_trigger(trigger->cancel);
    return NULL;
}

/* Calls `action` with a token another thread triggers after delay_ms; returns the seconds taken. */
static double cancelled_call(dcs_client *client, const char *const *ids, size_t count, unsigned delay_ms,
                             dcs_status want, const dcs_outcome *outcomes) {
    dcs_cancel *cancel = dcs_cancel_new();
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    struct delayed_trigger trigger = {cancel, (unsigned)(delay_ms * time_scale())};
    pthread_t thread;
    pthread_create(&thread, NULL, trigger_later, &trigger);
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    double started = now_seconds();
    CHECK_STATUS(dcs_call(client, DCS_ACTION_RESTART, ids, count, &options, &results, &err), want);
    double elapsed = now_seconds() - started;
    pthread_join(thread, NULL);
    check_outcomes(results, outcomes, count);
    CHECK_CONTAINS(dcs_error_message(err), "cancelled");
    CHECK(dcs_cancel_is_triggered(cancel) == 1);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_cancel_free(cancel);
    return elapsed;
}

/* The driver delays the answer by 5 s: the token, triggered after 300 ms, ends the call. */
static void test_cancel_in_flight(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6, RUNNING_5};
    const dcs_outcome sent[] = {DCS_OUTCOME_UNKNOWN, DCS_OUTCOME_UNKNOWN};
    double elapsed = cancelled_call(client, ids, 2, 300, DCS_ECANCELED, sent);
    if (elapsed >= 0.8 * time_scale()) fprintf(stderr, "cancelled after %.3f s\n", elapsed);
    CHECK(elapsed < 0.8 * time_scale());  /* not the 5 s the answer takes */
    dcs_client_free(client);
}

/* The driver answers 503 with Retry-After: 5: the token ends the wait for the retry, and the
 * 503's outcome stands (refused: not applied). */
static void test_cancel_during_retry_wait(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6};
    const dcs_outcome failed[] = {DCS_OUTCOME_FAILED};
    double elapsed = cancelled_call(client, ids, 1, 300, DCS_ECANCELED, failed);
    CHECK(elapsed < 0.8 * time_scale());
    dcs_client_free(client);
}

/* A token triggered before the call: nothing is sent. */
static void test_cancel_before_sending(void) {
    dcs_client *client = client_from(config_from_env());
    dcs_cancel *cancel = dcs_cancel_new();
    dcs_cancel_trigger(cancel);
    dcs_cancel_trigger(cancel);
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_FLUSH, ids, 2, &options, &results, &err), DCS_ECANCELED);
    const dcs_outcome not_sent[] = {DCS_OUTCOME_NOT_SENT, DCS_OUTCOME_NOT_SENT};
    check_outcomes(results, not_sent, 2);
    CHECK(strcmp(dcs_status_name(DCS_ECANCELED), "DCS_ECANCELED") == 0);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_cancel_trigger(NULL);
    dcs_cancel_free(NULL);
    CHECK(dcs_cancel_is_triggered(NULL) == 0);
    dcs_cancel_free(cancel);
    dcs_client_free(client);
}

static void test_cancel_a_wait(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, NULL), DCS_OK);
    dcs_results_free(results);
    dcs_cancel *cancel = dcs_cancel_new();
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    struct delayed_trigger trigger = {cancel, (unsigned)(300 * time_scale())};
    pthread_t thread;
    pthread_create(&thread, NULL, trigger_later, &trigger);
    dcs_error *err = NULL;
    double started = now_seconds();
    CHECK_STATUS(dcs_wait_running_with(client, ids, 1, 60000, &options, &results, &err), DCS_ECANCELED);
    CHECK(now_seconds() - started < 0.8 * time_scale());
    pthread_join(thread, NULL);
    const dcs_outcome unknown[] = {DCS_OUTCOME_UNKNOWN};
    check_outcomes(results, unknown, 1);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_cancel_free(cancel);
    dcs_client_free(client);
}

/* A caller compiled against the first version of the options (no cancel field) still works. */
static void test_options_version_1_still_accepted(void) {
    dcs_client *client = client_from(config_from_env());
    struct { unsigned int version; uint32_t deadline_ms; } old_options = {1, 0};
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_FLUSH, ids, 1, (const dcs_call_options *)&old_options, &results, NULL),
                 DCS_OK);
    dcs_results_free(results);
    dcs_client_free(client);
}

/* --- logging ----------------------------------------------------------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void print_log_line(dcs_log_level level, const char *message, void *user) {
    pthread_mutex_lock(&log_lock);
    (*(int *)user)++;
    printf("%s %s\n", dcs_log_level_name(level), message);
    pthread_mutex_unlock(&log_lock);
}

/* Every log line goes to stdout, for the driver to read and to scan for secrets. */
static void test_log_lines(void) {
    dcs_config *cfg = config_from_env();
    int lines = 0;
    CHECK_STATUS(dcs_config_set_log(cfg, (dcs_log_level)9, print_log_line, &lines), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_log(cfg, DCS_LOG_DEBUG, print_log_line, &lines), DCS_OK);
    CHECK_STATUS(dcs_config_set_credentials(cfg, getenv("HUAWEICLOUD_SDK_AK"), getenv("HUAWEICLOUD_SDK_SK"),
                                            getenv("DCS_TEST_SECURITY_TOKEN")), DCS_OK);
    dcs_client *client = client_from(cfg);
    char *ids[60];
    for (int i = 0; i < 60; i++) {
        ids[i] = malloc(16);
        snprintf(ids[i], 16, "emu-%04d", i + 1);
    }
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    /* The driver makes the first request a 503 and the third a 500. */
    dcs_status status = dcs_flush(client, (const char *const *)ids, 60, &results, &err);
    CHECK_STATUS(status, DCS_EAPI);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_instance_status instance = DCS_INSTANCE_OTHER;
    CHECK_STATUS(dcs_get_instance_status(client, RUNNING_4, &instance, NULL), DCS_OK);
    for (int i = 0; i < 60; i++) free(ids[i]);
    CHECK(lines > 0);
    dcs_client_free(client);
    fflush(stdout);
}

/* --- clock skew, configuration sources, busy retries -------------------------- */

/* The emulator's clock is an hour off: the first signature is refused, the client learns the
 * service's time from the answer's Date, and the request goes once more. */
static void test_clock_skew_corrected(void) {
    dcs_config *cfg = config_from_env();
    int lines = 0;
    CHECK_STATUS(dcs_config_set_log(cfg, DCS_LOG_WARN, print_log_line, &lines), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_flush(client, ids, 1, &results, &err);
    if (status != DCS_OK) fprintf(stderr, "%s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    dcs_results_free(results);
    dcs_error_free(err);
    /* The offset is kept: the next call is accepted at once. */
    CHECK_STATUS(dcs_flush(client, ids, 1, &results, NULL), DCS_OK);
    dcs_results_free(results);
    CHECK(lines == 1);
    dcs_client_free(client);
    fflush(stdout);
}

/* The same, with the IAM token: no date is signed, so a 401 is final. */
static void test_clock_skew_with_token_is_final(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_auth_token(cfg, "wrong-token"), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_flush(client, ids, 1, &results, NULL), DCS_EAPI);
    dcs_results_free(results);
    dcs_client_free(client);
}

/* Credentials and project come from the file the driver wrote; nothing else in the
 * environment but the endpoint (or the region and its endpoint override). */
static void test_configuration_from_files_and_overrides(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_flush(client, ids, 1, &results, &err);
    if (status != DCS_OK) fprintf(stderr, "%s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_configuration_file_errors(void) {
    dcs_config *cfg = dcs_config_new();
    CHECK_STATUS(dcs_config_from_env(cfg), DCS_ECONFIG);
    CHECK_CONTAINS(dcs_config_error(cfg), getenv("DCS_TEST_EXPECTED_MESSAGE"));
    dcs_config_free(cfg);
}

/* The driver answers the first requests 400 DCS.4111 (restarting). */
static void test_busy_retry(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_busy_retry(cfg, 10000), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_restart(client, ids, 1, &results, &err);
    if (status != DCS_OK) fprintf(stderr, "%s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_busy_refusal_is_final_by_default(void) {
    dcs_client *client = client_from(config_from_env());
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, &err), DCS_EAPI);
    CHECK(strcmp(dcs_error_code(err), "DCS.4111") == 0);
    const dcs_outcome failed[] = {DCS_OUTCOME_FAILED};
    check_outcomes(results, failed, 1);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static const struct test_case cases[] = {
    {"instance_status", test_instance_status},
    {"restart_then_wait", test_restart_then_wait},
    {"wait_reports_failed_and_timed_out", test_wait_reports_failed_and_timed_out},
    {"restart_with_wait_option", test_restart_with_wait_option},
    {"restart_with_short_wait", test_restart_with_short_wait},
    {"cancel_in_flight", test_cancel_in_flight},
    {"cancel_during_retry_wait", test_cancel_during_retry_wait},
    {"cancel_before_sending", test_cancel_before_sending},
    {"cancel_a_wait", test_cancel_a_wait},
    {"options_version_1_still_accepted", test_options_version_1_still_accepted},
    {"log_lines", test_log_lines},
    {"clock_skew_corrected", test_clock_skew_corrected},
    {"clock_skew_with_token_is_final", test_clock_skew_with_token_is_final},
    {"configuration_from_files_and_overrides", test_configuration_from_files_and_overrides},
    {"configuration_file_errors", test_configuration_file_errors},
    {"busy_retry", test_busy_retry},
    {"busy_refusal_is_final_by_default", test_busy_refusal_is_final_by_default},
};

int main(int argc, char **argv) {
    return run_cases("operator_test", cases, sizeof cases / sizeof cases[0], argc, argv);
}
