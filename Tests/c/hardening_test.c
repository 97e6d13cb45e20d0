/*
 * Promises tried the way a hostile environment tries them: a fork, a proxy, a long token
 * echoed back, odd ids, files that would block, answers that contradict themselves.
 *
 *   hardening_test CASE     runs one case; exit 0 when every check held.
 *
 * The driver, Tests/c/test_hardening.py, starts what each case needs (an emulator, a TLS
 * front, a recording proxy, a FIFO), arms faults, and checks what only the server saw.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define RUNNING_3_FLUSH_REFUSED RUNNING_3 /* Redis 3.0: the service refuses to flush it */

/* --- fork ---------------------------------------------------------------------------- */

/* Calls `count` times, checking that every outcome is `want`; returns the checks that failed. */
static int call_repeatedly(dcs_client *client, dcs_action action, const char *id, int count, dcs_outcome want) {
    int wrong = 0;
    const char *ids[] = {id};
    for (int i = 0; i < count; i++) {
        dcs_results *results = NULL;
        dcs_outcome outcome = DCS_OUTCOME_UNKNOWN;
        dcs_call(client, action, ids, 1, NULL, &results, NULL);
        if (!dcs_results_at(results, 0, NULL, &outcome) || outcome != want) {
            if (wrong++ < 3) fprintf(stderr, "[%d] call %d: %s, expected %s\n", (int)getpid(), i,
                                     dcs_outcome_name(outcome), dcs_outcome_name(want));
        }
        dcs_results_free(results);
    }
    return wrong;
}

/* A client used before fork() and by both processes after it: the parent flushes an instance
 * the service refuses to flush (failed), the child restarts one it restarts (success), 200
 * times each. Each must read only the answers to its own requests. */
static void test_fork_keeps_each_process_s_answers(void) {
    dcs_client *client = client_from_env();
    CHECK(call_repeatedly(client, DCS_ACTION_RESTART, RUNNING_6, 1, DCS_OUTCOME_SUCCESS) == 0);  /* a kept connection */
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
        int wrong = call_repeatedly(client, DCS_ACTION_RESTART, RUNNING_6, 200, DCS_OUTCOME_SUCCESS);
        dcs_client_free(client);
        _exit(wrong == 0 ? 0 : 1);
    }
    CHECK(child > 0);
    CHECK(call_repeatedly(client, DCS_ACTION_FLUSH, RUNNING_3_FLUSH_REFUSED, 200, DCS_OUTCOME_FAILED) == 0);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    dcs_client_free(client);
}

/* Over TLS: a child calls twice, frees the client and exits; another frees it at once. They
 * must write nothing on the parent's connection (a close_notify would end the parent's TLS
 * session), so that the parent's next calls go out on the connection it had. The driver counts
 * the requests each connection of the TLS front carried. */
static void test_fork_writes_nothing_on_the_parent_s_connections(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_ca_file(cfg, env("DCS_TEST_CA_FILE")), DCS_OK);
    dcs_client *client = client_from(cfg);
    CHECK(call_repeatedly(client, DCS_ACTION_RESTART, RUNNING_6, 1, DCS_OUTCOME_SUCCESS) == 0);
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
        int wrong = call_repeatedly(client, DCS_ACTION_RESTART, RUNNING_5, 2, DCS_OUTCOME_SUCCESS);
        dcs_client_free(client);
        _exit(wrong == 0 ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Then a child that frees the client without a call. */
    child = fork();
    if (child == 0) {
        dcs_client_free(client);
        _exit(0);
    }
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(call_repeatedly(client, DCS_ACTION_RESTART, RUNNING_6, 3, DCS_OUTCOME_SUCCESS) == 0);
    dcs_client_free(client);
}

/* --- secrets in answers ----------------------------------------------------------------- */

static void print_log_line(dcs_log_level level, const char *message, void *user) {
    (void)user;
    printf("log %s %s\n", dcs_log_level_name(level), message);
}

/* DCS_TEST_CALLS calls, each answered by a fault that quotes a piece of the request's
 * credentials; every field the library copies from the answer, and every log line, goes to
 * stdout, where the driver looks for any 8 characters of a secret. */
static void test_answers_that_quote_secrets(void) {
    dcs_config *cfg = config_from_env();
    if (getenv("DCS_TEST_USE_IAM_TOKEN"))
        CHECK_STATUS(dcs_config_set_auth_token(cfg, env("DCS_TEST_LONG_TOKEN")), DCS_OK);
    else
        CHECK_STATUS(dcs_config_set_credentials(cfg, env("HUAWEICLOUD_SDK_AK"), env("HUAWEICLOUD_SDK_SK"),
                                                env("DCS_TEST_LONG_TOKEN")), DCS_OK);
    CHECK_STATUS(dcs_config_set_log(cfg, DCS_LOG_DEBUG, print_log_line, NULL), DCS_OK);
    CHECK_STATUS(dcs_config_set_max_retries(cfg, 0), DCS_OK);
    dcs_client *client = client_from(cfg);
    int calls = atoi(env("DCS_TEST_CALLS"));
    CHECK(calls > 0);
    const char *ids[] = {RUNNING_6};
    for (int i = 0; i < calls; i++) {
        dcs_results *results = NULL;
        dcs_error *err = NULL;
        dcs_status status = dcs_restart(client, ids, 1, &results, &err);
        CHECK(status != DCS_OK);
        printf("call %s|%d|%s|%s|%s|%s\n", dcs_status_name(status), dcs_error_http_status(err), dcs_error_code(err),
               dcs_error_request_id(err), dcs_error_message(err), dcs_results_request_id(results, 0));
        dcs_results_free(results);
        dcs_error_free(err);
    }
    dcs_client_free(client);
}

/* An error_msg with a line separator and bidirectional controls (the driver's fault): the
 * message and every log line stay one line that reads as it is. */
static void test_messages_stay_one_line(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_log(cfg, DCS_LOG_DEBUG, print_log_line, NULL), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_error *err = NULL;
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, &err), DCS_EAPI);
    printf("message %s\n", dcs_error_message(err));
    CHECK_CONTAINS(dcs_error_message(err), "before");
    CHECK_CONTAINS(dcs_error_message(err), "after");
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* --- proxies ------------------------------------------------------------------------------ */

/* The driver sets every proxy variable to a recording proxy: a loopback endpoint is reached
 * directly all the same, and the proxy sees nothing. */
static void test_loopback_is_never_proxied(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    /* An explicit proxy does not change that either. */
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_proxy(cfg, env("DCS_TEST_PROXY")), DCS_OK);
    dcs_client *proxied = client_from(cfg);
    call = call_expecting(proxied, DCS_ACTION_RESTART, ids, 2, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    dcs_client_free(proxied);
    dcs_client_free(client);
}

/* DCS_ENDPOINT is https://dcs.test:PORT, a name only the proxy knows: the request goes
 * through the proxy's CONNECT tunnel, TLS end to end, set by dcs_config_set_proxy or by
 * DCS_PROXY (DCS_TEST_PROXY_BY_ENV). */
static void test_https_goes_through_the_named_proxy(void) {
    dcs_config *cfg = config_from_env();
    if (!getenv("DCS_TEST_PROXY_BY_ENV")) CHECK_STATUS(dcs_config_set_proxy(cfg, env("DCS_TEST_PROXY")), DCS_OK);
    CHECK_STATUS(dcs_config_set_ca_file(cfg, env("DCS_TEST_CA_FILE")), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 1, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    dcs_client_free(client);
}

static void test_proxy_setting_is_checked(void) {
    dcs_config *cfg = dcs_config_new();
    CHECK_STATUS(dcs_config_set_proxy(cfg, "ftp://proxy:21"), DCS_EINVAL);
    CHECK_CONTAINS(dcs_config_error(cfg), "proxy_url must start with http://");
    CHECK_STATUS(dcs_config_set_proxy(cfg, "http://proxy:3128/path"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_proxy(cfg, "http://user:pa ss@proxy:3128"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_proxy(cfg, "http://user:secret-proxy-password@proxy.example:3128"), DCS_OK);
    CHECK_STATUS(dcs_config_set_proxy(cfg, "socks5h://proxy.example"), DCS_OK);
    CHECK_STATUS(dcs_config_set_proxy(cfg, ""), DCS_OK);
    CHECK_STATUS(dcs_config_set_proxy(cfg, NULL), DCS_OK);
    dcs_config_free(cfg);
}

/* --- paths ------------------------------------------------------------------------------- */

static void test_dot_segments_are_refused(void) {
    dcs_client *client = client_from_env();
    const char *dot[] = {"."}, *dots[] = {RUNNING_6, ".."};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, dot, 1, &results, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "instance_ids[0] is \".\"");
    dcs_error_free(err);
    CHECK_STATUS(dcs_flush(client, dots, 2, &results, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "instance_ids[1] is \"..\"");
    dcs_error_free(err);
    dcs_instance_status status;
    CHECK_STATUS(dcs_get_instance_status(client, "..", &status, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "instance_id is \"..\"");
    dcs_error_free(err);
    CHECK(results == NULL);
    dcs_config *cfg = dcs_config_new();
    CHECK_STATUS(dcs_config_set_project_id(cfg, ".."), DCS_EINVAL);
    CHECK_CONTAINS(dcs_config_error(cfg), "project_id is \"..\"");
    CHECK_STATUS(dcs_config_set_project_id(cfg, "."), DCS_EINVAL);
    dcs_config_free(cfg);
    dcs_client_free(client);
}

/* Ids made of dots and slashes that are no dot segment: each request goes out with exactly the
 * path it was signed with (the emulator verifies the signature against the path it got; the
 * driver compares the recorded paths). */
static void test_odd_ids_keep_their_path(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {"...", ".a", "a.", "a/../b", "%2e%2e"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        dcs_instance_status status;
        dcs_error *err = NULL;
        CHECK_STATUS(dcs_get_instance_status(client, ids[i], &status, &err), DCS_EAPI);
        CHECK(dcs_error_http_status(err) == 404);  /* no such instance: signed and found by its path */
        dcs_error_free(err);
    }
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 5, NULL, DCS_EPARTIAL, DCS_OUTCOME_FAILED);
    call_free(&call);
    dcs_client_free(client);
}

/* --- files that would block ------------------------------------------------------------- */

/* DCS_TEST_FIFO is a FIFO nobody writes to, DCS_TEST_DIRECTORY a directory. */
static void test_files_that_would_block_are_refused(void) {
    const char *places[] = {env("DCS_TEST_FIFO"), env("DCS_TEST_DIRECTORY"), "/dev/zero"};
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        dcs_config *cfg = config_from_env();
        CHECK_STATUS(dcs_config_set_ca_file(cfg, places[i]), DCS_OK);  /* the form is fine */
        dcs_client *client = NULL;
        dcs_error *err = NULL;
        CHECK_STATUS(dcs_client_new(cfg, &client, &err), DCS_ECONFIG);
        CHECK_CONTAINS(dcs_error_message(err), "is not a regular file");
        dcs_error_free(err);
        dcs_config_free(cfg);
        CHECK(setenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE", places[i], 1) == 0);
        cfg = dcs_config_new();
        CHECK_STATUS(dcs_config_from_env(cfg), DCS_ECONFIG);
        CHECK_CONTAINS(dcs_config_error(cfg), "is not a regular file");
        dcs_config_free(cfg);
        CHECK(unsetenv("HUAWEICLOUD_SDK_CREDENTIALS_FILE") == 0);
    }
}

/* --- answers that say two things ------------------------------------------------------- */

/* The driver's fault lists the first id twice, once each way. */
static void test_an_id_listed_twice_is_unknown(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 2, &results, &err), DCS_EPROTOCOL);
    const dcs_outcome want[] = {DCS_OUTCOME_UNKNOWN, DCS_OUTCOME_SUCCESS};
    check_outcomes(results, want, 2);
    CHECK_CONTAINS(dcs_error_message(err), "more than once");
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* The driver's fault adds an id nobody asked for: it changes nothing, and a line says so. */
static void test_an_id_not_asked_for_is_ignored_and_logged(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_log(cfg, DCS_LOG_WARN, print_log_line, NULL), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6, RUNNING_5};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    dcs_client_free(client);
}

/* NFC "é" and NFD "e" + U+0301 are two ids, as they are two instances to the service: not
 * refused as repeats, and each gets its own answer's entry. */
static void test_ids_are_compared_as_bytes(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {"caf\xc3\xa9", "cafe\xcc\x81"};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, DCS_EPARTIAL, DCS_OUTCOME_FAILED);
    call_free(&call);
    dcs_client_free(client);
}

/* A header of 1 MiB: an answer the library refuses, not an out-of-memory. */
static void test_huge_headers_are_a_protocol_error(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 1, NULL, DCS_EPROTOCOL, DCS_OUTCOME_UNKNOWN);
    CHECK_CONTAINS(dcs_error_message(call.err), "headers are larger than");
    call_free(&call);
    dcs_client_free(client);
}

/* DCS_ENDPOINT is a listener whose backlog the driver filled: connections hang. A deadline
 * shorter than the connect timeout ends the call as a timeout, nothing sent. */
static void test_a_deadline_during_the_connect_is_a_timeout(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_max_retries(cfg, 2), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.deadline_ms = (uint32_t)(500 * time_scale());
    double started = now_seconds();
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 1, &options, DCS_ETIMEOUT, DCS_OUTCOME_NOT_SENT);
    CHECK(now_seconds() - started < 2 * time_scale());
    CHECK_CONTAINS(dcs_error_message(call.err), "deadline");
    call_free(&call);
    dcs_client_free(client);
}

static const struct test_case cases[] = {
    {"fork_keeps_each_process_s_answers", test_fork_keeps_each_process_s_answers},
    {"fork_writes_nothing_on_the_parent_s_connections", test_fork_writes_nothing_on_the_parent_s_connections},
    {"answers_that_quote_secrets", test_answers_that_quote_secrets},
    {"messages_stay_one_line", test_messages_stay_one_line},
    {"loopback_is_never_proxied", test_loopback_is_never_proxied},
    {"https_goes_through_the_named_proxy", test_https_goes_through_the_named_proxy},
    {"proxy_setting_is_checked", test_proxy_setting_is_checked},
    {"dot_segments_are_refused", test_dot_segments_are_refused},
    {"odd_ids_keep_their_path", test_odd_ids_keep_their_path},
    {"files_that_would_block_are_refused", test_files_that_would_block_are_refused},
    {"an_id_listed_twice_is_unknown", test_an_id_listed_twice_is_unknown},
    {"an_id_not_asked_for_is_ignored_and_logged", test_an_id_not_asked_for_is_ignored_and_logged},
    {"ids_are_compared_as_bytes", test_ids_are_compared_as_bytes},
    {"huge_headers_are_a_protocol_error", test_huge_headers_are_a_protocol_error},
    {"a_deadline_during_the_connect_is_a_timeout", test_a_deadline_during_the_connect_is_a_timeout},
};

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    return run_cases("hardening_test", cases, sizeof cases / sizeof cases[0], argc, argv);
}
