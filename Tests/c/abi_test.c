/*
 * Tests of libdcs through its C ABI: compiled against include/dcs.h, linked
 * with the built libdcs.so, run against dcs-emulator on loopback.
 *
 *   abi_test CASE     runs one case; exit 0 when every check held.
 *
 * The client is configured with dcs_config_from_env (DCS_ENDPOINT,
 * HUAWEICLOUD_SDK_AK/_SK/_PROJECT_ID), which the pytest driver sets. What
 * only the server can see (how many requests, connections, bodies) is
 * checked by the driver, Tests/c/test_abi.py, after the case ran.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* --- cases --------------------------------------------------------------- */

static void test_version_and_names(void) {
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", DCS_VERSION_MAJOR, DCS_VERSION_MINOR, DCS_VERSION_PATCH);
    CHECK(strcmp(dcs_version(), expected) == 0);
    const struct { dcs_status status; const char *name; } names[] = {
        {DCS_OK, "DCS_OK"}, {DCS_EPARTIAL, "DCS_EPARTIAL"}, {DCS_EINVAL, "DCS_EINVAL"},
        {DCS_ECONFIG, "DCS_ECONFIG"}, {DCS_ETRANSPORT, "DCS_ETRANSPORT"}, {DCS_ETIMEOUT, "DCS_ETIMEOUT"},
        {DCS_EAPI, "DCS_EAPI"}, {DCS_EPROTOCOL, "DCS_EPROTOCOL"}, {DCS_ENOMEM, "DCS_ENOMEM"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK(strcmp(dcs_status_name(names[i].status), names[i].name) == 0);
    CHECK(strcmp(dcs_status_name((dcs_status)42), "DCS_UNKNOWN_STATUS") == 0);
    CHECK(strcmp(dcs_outcome_name(DCS_OUTCOME_SUCCESS), "success") == 0);
    CHECK(strcmp(dcs_outcome_name(DCS_OUTCOME_FAILED), "failed") == 0);
    CHECK(strcmp(dcs_outcome_name(DCS_OUTCOME_NOT_SENT), "not_sent") == 0);
    CHECK(strcmp(dcs_outcome_name(DCS_OUTCOME_UNKNOWN), "unknown") == 0);
    CHECK(strcmp(dcs_outcome_name((dcs_outcome)-1), "invalid") == 0);
}

static void test_success(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5, RUNNING_4};
    dcs_results *results = NULL;
    dcs_error *err = (dcs_error *)&results; /* must be overwritten with NULL */
    CHECK_STATUS(dcs_restart(client, ids, 3, &results, &err), DCS_OK);
    CHECK(err == NULL);
    check_all(results, ids, 3, DCS_OUTCOME_SUCCESS);
    dcs_results_rewind(results);
    const char *id = NULL;
    CHECK(dcs_results_next(results, &id, NULL) == 1 && strcmp(id, RUNNING_6) == 0);
    dcs_outcome outcome = DCS_OUTCOME_UNKNOWN;
    CHECK(dcs_results_at(results, 2, &id, &outcome) == 1 && strcmp(id, RUNNING_4) == 0);
    CHECK(outcome == DCS_OUTCOME_SUCCESS);
    CHECK(dcs_results_at(results, 3, &id, &outcome) == 0);
    CHECK(dcs_results_at(results, SIZE_MAX, NULL, NULL) == 0);
    CHECK(dcs_results_at(NULL, 0, &id, &outcome) == 0);
    dcs_results_free(results);
    dcs_client_free(client);
}

static void test_soft_restart_and_flush(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_soft_restart(client, ids, 2, &results, NULL), DCS_OK);
    check_all(results, ids, 2, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    const char *flushed[] = {RUNNING_4};
    CHECK_STATUS(dcs_flush(client, flushed, 1, &results, NULL), DCS_OK);
    check_all(results, flushed, 1, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    dcs_client_free(client);
}

static void test_partial(void) {
    dcs_client *client = client_from_env();
    /* Redis 3.0 cannot be flushed, a frozen instance cannot be acted on, an unknown one does not exist. */
    const char *ids[] = {RUNNING_6, RUNNING_3, FROZEN, "no-such-instance"};
    const dcs_outcome want[] = {DCS_OUTCOME_SUCCESS, DCS_OUTCOME_FAILED, DCS_OUTCOME_FAILED, DCS_OUTCOME_FAILED};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_flush(client, ids, 4, &results, &err), DCS_EPARTIAL);
    check_results(results, ids, want, 4);
    CHECK(err != NULL);
    CHECK_STATUS(dcs_error_status(err), DCS_EPARTIAL);
    CHECK(dcs_error_http_status(err) == 200);
    CHECK(strlen(dcs_error_request_id(err)) > 0);
    CHECK_CONTAINS(dcs_error_message(err), "3 of 4");
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_wrong_sk(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_credentials(cfg, env("HUAWEICLOUD_SDK_AK"), "not-the-secret-key", NULL), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6, RUNNING_5};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, DCS_EAPI, DCS_OUTCOME_FAILED);
    CHECK_STATUS(dcs_error_status(call.err), DCS_EAPI);
    CHECK(dcs_error_http_status(call.err) == 401);
    CHECK(strcmp(dcs_error_code(call.err), "APIGW.0301") == 0);
    CHECK(strlen(dcs_error_request_id(call.err)) == 32);
    CHECK_CONTAINS(dcs_error_message(call.err), "401");
    CHECK(strstr(dcs_error_message(call.err), "not-the-secret-key") == NULL);
    call_free(&call);
    dcs_client_free(client);
}

static void test_iam_token(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_auth_token(cfg, env("DCS_TEST_IAM_TOKEN")), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, NULL), DCS_OK);
    check_all(results, ids, 1, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    dcs_client_free(client);

    cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_auth_token(cfg, "wrong-token"), DCS_OK);
    client = client_from(cfg);
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, &err), DCS_EAPI);
    check_all(results, ids, 1, DCS_OUTCOME_FAILED);
    CHECK(dcs_error_http_status(err) == 401);
    CHECK(strcmp(dcs_error_code(err), "DCS.1001") == 0);
    CHECK(strstr(dcs_error_message(err), "wrong-token") == NULL);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_security_token(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_credentials(cfg, env("HUAWEICLOUD_SDK_AK"), env("HUAWEICLOUD_SDK_SK"),
                                            env("DCS_TEST_SECURITY_TOKEN")), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_restart(client, ids, 1, &results, &err);
    if (status != DCS_OK) fprintf(stderr, "restart: %s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* Every rejected argument: DCS_EINVAL, a message naming it, *out NULL. Nothing reaches the
 * emulator (the driver checks its counter). */
static void expect_einval(dcs_status status, dcs_results *results, dcs_error *err, const char *argument) {
    CHECK_STATUS(status, DCS_EINVAL);
    CHECK(results == NULL);
    CHECK_STATUS(dcs_error_status(err), DCS_EINVAL);
    CHECK(dcs_error_http_status(err) == 0);
    CHECK_CONTAINS(dcs_error_message(err), argument);
    dcs_error_free(err);
}

/* Makes the call first, then checks the `results` and `err` it wrote (C leaves the order in
 * which a function's arguments are evaluated open). */
#define EXPECT_EINVAL(call, argument)                      \
    do {                                                   \
        dcs_status status_ = (call);                       \
        expect_einval(status_, results, err, (argument));  \
    } while (0)

static void test_invalid_arguments_send_nothing(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = (dcs_results *)ids; /* must be overwritten with NULL */
    dcs_error *err = NULL;

    EXPECT_EINVAL(dcs_restart(client, ids, 0, &results, &err), "count");
    results = (dcs_results *)ids;
    EXPECT_EINVAL(dcs_restart(client, ids, SIZE_MAX, &results, &err), "count");
    EXPECT_EINVAL(dcs_restart(client, ids, DCS_MAX_IDS_PER_CALL + 1, &results, &err), "count");
    EXPECT_EINVAL(dcs_restart(NULL, ids, 2, &results, &err), "client");
    EXPECT_EINVAL(dcs_restart(client, NULL, 2, &results, &err), "instance_ids");
    CHECK_STATUS(dcs_restart(client, ids, 2, NULL, &err), DCS_EINVAL);
    CHECK_CONTAINS(dcs_error_message(err), "out");
    dcs_error_free(err);

    const char *with_null[] = {RUNNING_6, NULL};
    EXPECT_EINVAL(dcs_flush(client, with_null, 2, &results, &err), "instance_ids[1]");
    const char *empty[] = {""};
    EXPECT_EINVAL(dcs_soft_restart(client, empty, 1, &results, &err), "instance_ids[0] is empty");
    const char *control[] = {RUNNING_6, "abc\ndef"};
    EXPECT_EINVAL(dcs_restart(client, control, 2, &results, &err), "instance_ids[1] holds a control character");
    const char *tab[] = {"abc\tdef"};
    EXPECT_EINVAL(dcs_restart(client, tab, 1, &results, &err), "control character");
    const char *bad_utf8[] = {"abc\xff\xfe"};
    EXPECT_EINVAL(dcs_restart(client, bad_utf8, 1, &results, &err), "instance_ids[0] is not valid UTF-8");
    char long_id[DCS_MAX_ID_BYTES + 2];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const char *too_long[] = {long_id};
    EXPECT_EINVAL(dcs_restart(client, too_long, 1, &results, &err), "longer than 128 bytes");
    long_id[DCS_MAX_ID_BYTES] = '\0'; /* exactly 128 bytes is fine: checked in test_long_id_accepted */
    const char *repeated[] = {RUNNING_6, RUNNING_5, RUNNING_6};
    EXPECT_EINVAL(dcs_restart(client, repeated, 3, &results, &err), "instance_ids[2] repeats instance_ids[0]");

    /* err may be NULL: the status alone comes back. */
    CHECK_STATUS(dcs_restart(client, ids, 0, &results, NULL), DCS_EINVAL);
    dcs_client_free(client);
}

/* dcs_check_instance_ids says what an operation would say about the same ids, and needs no
 * client for it. */
static void test_check_instance_ids_as_the_operations_do(void) {
    dcs_client *client = client_from_env();
    const char *with_null[] = {RUNNING_6, NULL};
    const char *empty[] = {RUNNING_6, ""};
    const char *control[] = {"abc\tdef"};
    const char *bad_utf8[] = {"abc\xff"};
    const char *repeated[] = {RUNNING_6, RUNNING_5, RUNNING_6};
    const struct { const char *const *ids; size_t count; } bad[] = {
        {with_null, 2}, {empty, 2}, {control, 1}, {bad_utf8, 1}, {repeated, 3}, {repeated, 0},
        {repeated, DCS_MAX_IDS_PER_CALL + 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dcs_error *checked = NULL, *called = NULL;
        dcs_results *results = NULL;
        CHECK_STATUS(dcs_check_instance_ids(bad[i].ids, bad[i].count, &checked), DCS_EINVAL);
        CHECK_STATUS(dcs_restart(client, bad[i].ids, bad[i].count, &results, &called), DCS_EINVAL);
        CHECK(strcmp(dcs_error_message(checked), dcs_error_message(called)) == 0);
        dcs_error_free(checked);
        dcs_error_free(called);
    }
    dcs_client_free(client);
    const char *good[] = {RUNNING_6, RUNNING_5, "caf\xc3\xa9"};
    dcs_error *err = (dcs_error *)good; /* must be overwritten with NULL */
    CHECK_STATUS(dcs_check_instance_ids(good, 3, &err), DCS_OK);
    CHECK(err == NULL);
}

static void test_long_id_accepted(void) {
    dcs_client *client = client_from_env();
    char long_id[DCS_MAX_ID_BYTES + 1];
    memset(long_id, 'b', DCS_MAX_ID_BYTES);
    long_id[DCS_MAX_ID_BYTES] = '\0';
    const char *ids[] = {long_id};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, &err), DCS_EPARTIAL);
    check_all(results, ids, 1, DCS_OUTCOME_FAILED);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_null_objects_are_harmless(void) {
    dcs_config_free(NULL);
    dcs_client_free(NULL);
    dcs_results_free(NULL);
    dcs_error_free(NULL);
    dcs_results_rewind(NULL);
    CHECK(dcs_results_count(NULL) == 0);
    CHECK(dcs_results_next(NULL, NULL, NULL) == 0);
    CHECK_STATUS(dcs_error_status(NULL), DCS_OK);
    CHECK(dcs_error_http_status(NULL) == 0);
    CHECK(strcmp(dcs_error_code(NULL), "") == 0);
    CHECK(strlen(dcs_error_message(NULL)) > 0);
    CHECK(strcmp(dcs_error_request_id(NULL), "") == 0);
    CHECK(strcmp(dcs_config_error(NULL), "") == 0);
    CHECK_STATUS(dcs_config_set_endpoint(NULL, "https://x"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_region(NULL, "cn-north-4"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_project_id(NULL, "p"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_credentials(NULL, "a", "b", NULL), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_auth_token(NULL, "t"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_timeouts(NULL, 1, 2), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_max_retries(NULL, 1), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_ca_file(NULL, "/x"), DCS_EINVAL);
    CHECK_STATUS(dcs_config_set_insecure(NULL, 1), DCS_EINVAL);
    CHECK_STATUS(dcs_config_from_env(NULL), DCS_EINVAL);
    dcs_client *client = (dcs_client *)&client;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_client_new(NULL, &client, &err), DCS_EINVAL);
    CHECK(client == NULL);
    CHECK_CONTAINS(dcs_error_message(err), "cfg");
    dcs_error_free(err);
    dcs_config *cfg = dcs_config_new();
    CHECK_STATUS(dcs_client_new(cfg, NULL, NULL), DCS_EINVAL);
    dcs_config_free(cfg);
}

static void expect_setter_einval(dcs_config *cfg, dcs_status status, const char *argument) {
    CHECK_STATUS(status, DCS_EINVAL);
    CHECK_CONTAINS(dcs_config_error(cfg), argument);
}

static void test_config_setters_check_their_argument(void) {
    dcs_config *cfg = dcs_config_new();
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, NULL), "url is NULL");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, ""), "url");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, "ftp://host"), "url must start with https://");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, "https://host/v2/x"), "url holds a path");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, "https://user@host"), "url holds user information");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, "https://host:99999"), "url has an invalid port");
    expect_setter_einval(cfg, dcs_config_set_endpoint(cfg, "https://ho st"), "url");
    CHECK_STATUS(dcs_config_set_endpoint(cfg, "https://dcs.cn-north-4.myhuaweicloud.com/"), DCS_OK);
    CHECK(strcmp(dcs_config_error(cfg), "") == 0);
    CHECK_STATUS(dcs_config_set_endpoint(cfg, "http://[::1]:8080"), DCS_OK);
    expect_setter_einval(cfg, dcs_config_set_region(cfg, "CN North"), "region");
    expect_setter_einval(cfg, dcs_config_set_region(cfg, NULL), "region is NULL");
    expect_setter_einval(cfg, dcs_config_set_project_id(cfg, "a/b"), "project_id");
    expect_setter_einval(cfg, dcs_config_set_project_id(cfg, ""), "project_id is empty");
    expect_setter_einval(cfg, dcs_config_set_credentials(cfg, NULL, "sk", NULL), "ak is NULL");
    expect_setter_einval(cfg, dcs_config_set_credentials(cfg, "ak", NULL, NULL), "sk is NULL");
    expect_setter_einval(cfg, dcs_config_set_credentials(cfg, "ak", "", NULL), "sk is empty");
    expect_setter_einval(cfg, dcs_config_set_credentials(cfg, "ak", "s\nk", NULL), "sk holds");
    expect_setter_einval(cfg, dcs_config_set_credentials(cfg, "ak", "sk", "to\r\nken"), "security_token holds");
    expect_setter_einval(cfg, dcs_config_set_auth_token(cfg, NULL), "iam_token is NULL");
    expect_setter_einval(cfg, dcs_config_set_auth_token(cfg, "a b"), "iam_token holds");
    expect_setter_einval(cfg, dcs_config_set_timeouts(cfg, 0, 100), "connect_ms");
    expect_setter_einval(cfg, dcs_config_set_timeouts(cfg, 200, 100), "connect_ms must not exceed total_ms");
    expect_setter_einval(cfg, dcs_config_set_max_retries(cfg, 11), "retries");
    expect_setter_einval(cfg, dcs_config_set_ca_file(cfg, ""), "pem_path");
    CHECK_STATUS(dcs_config_set_ca_file(cfg, NULL), DCS_OK);
    /* No message of a setter shows the secret it was given. */
    CHECK_STATUS(dcs_config_set_credentials(cfg, "ak", "secret\x01value", NULL), DCS_EINVAL);
    CHECK(strstr(dcs_config_error(cfg), "secret") == NULL);
    dcs_config_free(cfg);
}

static void expect_client_econfig(dcs_config *cfg, const char *part) {
    dcs_client *client = (dcs_client *)&client;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_client_new(cfg, &client, &err), DCS_ECONFIG);
    CHECK(client == NULL);
    CHECK_STATUS(dcs_error_status(err), DCS_ECONFIG);
    CHECK_CONTAINS(dcs_error_message(err), part);
    dcs_error_free(err);
}

static void test_client_new_checks_the_whole_config(void) {
    dcs_config *cfg = dcs_config_new();
    expect_client_econfig(cfg, "no endpoint");
    CHECK_STATUS(dcs_config_set_region(cfg, "cn-north-4"), DCS_OK);
    expect_client_econfig(cfg, "no project id");
    CHECK_STATUS(dcs_config_set_project_id(cfg, "0a1b2c3d4e5f60718293a4b5c6d7e8f9"), DCS_OK);
    expect_client_econfig(cfg, "no credentials");
    CHECK_STATUS(dcs_config_set_credentials(cfg, "AK", "SK", NULL), DCS_OK);
    dcs_client *client = NULL;
    CHECK_STATUS(dcs_client_new(cfg, &client, NULL), DCS_OK);
    dcs_client_free(client);

    CHECK_STATUS(dcs_config_set_endpoint(cfg, "http://dcs.example.com"), DCS_OK);
    expect_client_econfig(cfg, "plain HTTP");
    CHECK_STATUS(dcs_config_set_insecure(cfg, 1), DCS_OK);
    CHECK_STATUS(dcs_client_new(cfg, &client, NULL), DCS_OK);
    dcs_client_free(client);
    CHECK_STATUS(dcs_config_set_insecure(cfg, 0), DCS_OK);
    CHECK_STATUS(dcs_config_set_endpoint(cfg, "http://127.0.0.1:9"), DCS_OK);
    CHECK_STATUS(dcs_client_new(cfg, &client, NULL), DCS_OK);
    dcs_client_free(client);

    CHECK_STATUS(dcs_config_set_ca_file(cfg, "/nonexistent/ca.pem"), DCS_OK);
    expect_client_econfig(cfg, "ca_file /nonexistent/ca.pem cannot be read");
    dcs_config_free(cfg);
}

static void test_config_from_env_names_the_variable(void) {
    setenv("HUAWEICLOUD_SDK_PROJECT_ID", "bad/project", 1);
    dcs_config *cfg = dcs_config_new();
    CHECK_STATUS(dcs_config_from_env(cfg), DCS_ECONFIG);
    CHECK_CONTAINS(dcs_config_error(cfg), "HUAWEICLOUD_SDK_PROJECT_ID");
    dcs_config_free(cfg);

    unsetenv("HUAWEICLOUD_SDK_PROJECT_ID");
    unsetenv("HUAWEICLOUD_SDK_SK");
    cfg = dcs_config_new();
    CHECK_STATUS(dcs_config_from_env(cfg), DCS_ECONFIG);
    CHECK_CONTAINS(dcs_config_error(cfg), "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not");
    dcs_config_free(cfg);
}

static void test_config_is_copied_into_the_client(void) {
    dcs_config *cfg = config_from_env();
    dcs_client *client = NULL;
    CHECK_STATUS(dcs_client_new(cfg, &client, NULL), DCS_OK);
    /* Changing or freeing the config afterwards does not touch the client. */
    CHECK_STATUS(dcs_config_set_credentials(cfg, "other", "other", NULL), DCS_OK);
    dcs_config_free(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, NULL), DCS_OK);
    dcs_results_free(results);
    dcs_client_free(client);
}

/* 120 generated instances: three requests of 50, 50 and 20, outcomes in input order.
 * The ids are given in reverse so that the order cannot come from the server's fleet. */
static void test_120_ids_in_three_requests(void) {
    dcs_client *client = client_from_env();
    char *ids[120];
    for (int i = 0; i < 120; i++) {
        ids[i] = malloc(16);
        snprintf(ids[i], 16, "emu-%04d", 120 - i);
    }
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_flush(client, (const char *const *)ids, 120, &results, &err), DCS_OK);
    CHECK(err == NULL);
    check_all(results, (const char *const *)ids, 120, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    for (int i = 0; i < 120; i++) free(ids[i]);
    dcs_client_free(client);
}

/* An id that JSON must escape comes back, byte for byte, in the service's answer. */
static void test_unusual_id_reaches_the_server_intact(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {"quote\"back\\slash/caf\xc3\xa9-\xe6\x97\xa5\xe6\x9c\xac-\xf0\x9f\x94\xa5", RUNNING_6};
    const dcs_outcome want[] = {DCS_OUTCOME_FAILED, DCS_OUTCOME_SUCCESS};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 2, &results, &err), DCS_EPARTIAL);
    check_results(results, ids, want, 2);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_50_sequential_calls(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    for (int i = 0; i < 50; i++) {
        dcs_results *results = NULL;
        CHECK_STATUS(dcs_flush(client, ids, 1, &results, NULL), DCS_OK);
        dcs_results_free(results);
    }
    dcs_client_free(client);
}

#define THREADS 8
#define CALLS_PER_THREAD 50

static void *call_repeatedly(void *arg) {
    dcs_client *client = arg;
    const char *ids[] = {RUNNING_6, RUNNING_5, RUNNING_4};
    long failed = 0;
    for (int i = 0; i < CALLS_PER_THREAD; i++) {
        dcs_results *results = NULL;
        dcs_error *err = NULL;
        dcs_status status = dcs_flush(client, ids, 3, &results, &err);
        if (status != DCS_OK || dcs_results_count(results) != 3) {
            fprintf(stderr, "thread call: %s %s\n", dcs_status_name(status), dcs_error_message(err));
            failed++;
        }
        dcs_results_free(results);
        dcs_error_free(err);
    }
    return (void *)failed;
}

static void test_8_threads_share_one_client(void) {
    dcs_client *client = client_from_env();
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, call_repeatedly, client) == 0);
    for (int i = 0; i < THREADS; i++) {
        void *failed = NULL;
        pthread_join(threads[i], &failed);
        CHECK(failed == NULL);
    }
    dcs_client_free(client);
}

static void test_connection_refused_is_not_sent(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_endpoint(cfg, env("DCS_TEST_CLOSED_ENDPOINT")), DCS_OK);
    CHECK_STATUS(dcs_config_set_max_retries(cfg, 1), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6, RUNNING_5};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, DCS_ETRANSPORT, DCS_OUTCOME_NOT_SENT);
    CHECK(dcs_error_http_status(call.err) == 0);
    CHECK_CONTAINS(dcs_error_message(call.err), "not sent");
    call_free(&call);
    dcs_client_free(client);
}

/* Faults are armed by the driver before the case runs. */

static void run_single(dcs_status want_status, dcs_outcome want_outcome, int want_http, const char *want_code,
                       const char *want_message) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_timeouts(cfg, 1000, (uint32_t)atoi(env("DCS_TEST_TOTAL_MS")) ?: 2000), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6, RUNNING_5};
    struct call call = call_expecting(client, DCS_ACTION_RESTART, ids, 2, NULL, want_status, want_outcome);
    CHECK(dcs_error_http_status(call.err) == want_http);
    CHECK(strcmp(dcs_error_code(call.err), want_code) == 0);
    if (want_http != 0) CHECK(strlen(dcs_error_request_id(call.err)) > 0);
    CHECK_CONTAINS(dcs_error_message(call.err), want_message);
    call_free(&call);
    dcs_client_free(client);
}

static void test_500_is_unknown(void) {
    run_single(DCS_EAPI, DCS_OUTCOME_UNKNOWN, 500, "DCS.5000", "may have been applied");
}

static void test_html_502_is_readable(void) {
    run_single(DCS_EAPI, DCS_OUTCOME_UNKNOWN, 502, "", "502");
}

static void test_503_retried_then_success(void) {
    run_single(DCS_OK, DCS_OUTCOME_SUCCESS, 0, "", "no error");
}

static void test_503_retries_exhausted(void) {
    run_single(DCS_EAPI, DCS_OUTCOME_FAILED, 503, "APIGW.0308", "after 2 retries");  /* refused: not applied */
}

static void test_429_retries_exhausted(void) {
    run_single(DCS_EAPI, DCS_OUTCOME_FAILED, 429, "APIGW.0308", "after 2 retries");
}

static void test_timeout_after_send_is_unknown(void) {
    run_single(DCS_ETIMEOUT, DCS_OUTCOME_UNKNOWN, 0, "", "may have been applied");
}

static void test_reset_after_send_is_unknown(void) {
    run_single(DCS_ETRANSPORT, DCS_OUTCOME_UNKNOWN, 0, "", "may have been applied");
}

static void test_not_json_is_protocol_error(void) {
    run_single(DCS_EPROTOCOL, DCS_OUTCOME_UNKNOWN, 200, "", "not the expected JSON");
}

static long peak_rss_kib(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

/* The driver sends a 64 MiB answer to the second call; the process must not grow by anything
 * like its size. The first call warms up what any call loads (libcurl, TLS, the runtime). */
static void test_huge_answer_is_refused(void) {
    run_single(DCS_OK, DCS_OUTCOME_SUCCESS, 0, "", "no error");
    long before = peak_rss_kib();
    run_single(DCS_EPROTOCOL, DCS_OUTCOME_UNKNOWN, 0, "", "larger than 1048576 bytes");
    long grown = peak_rss_kib() - before;
    if (grown > 8 * 1024) fprintf(stderr, "peak RSS grew by %ld KiB\n", grown);
    CHECK(grown <= 8 * 1024);
}

static void test_huge_chunked_answer_is_refused(void) {
    test_huge_answer_is_refused();
}

static void test_truncated_answer_is_unknown(void) {
    run_single(DCS_ETRANSPORT, DCS_OUTCOME_UNKNOWN, 0, "", "may have been applied");
}

static void test_wrong_types_are_protocol_error(void) {
    run_single(DCS_EPROTOCOL, DCS_OUTCOME_UNKNOWN, 200, "", "not the expected JSON");
}

static void test_missing_results_are_unknown(void) {
    run_single(DCS_EPROTOCOL, DCS_OUTCOME_UNKNOWN, 200, "", "gives no result");
}

static void test_all_failed_is_partial(void) {
    run_single(DCS_EPARTIAL, DCS_OUTCOME_FAILED, 200, "", "2 of 2");
}

/* One call per fault the driver queued; every message and field goes to stdout, where the
 * driver looks for secrets. Credentials: AK/SK with a security token, or the IAM token when
 * DCS_TEST_USE_IAM_TOKEN is set. */
static void test_messages_hold_no_secret(void) {
    dcs_config *cfg = config_from_env();
    if (getenv("DCS_TEST_USE_IAM_TOKEN"))
        CHECK_STATUS(dcs_config_set_auth_token(cfg, env("DCS_TEST_IAM_TOKEN")), DCS_OK);
    else
        CHECK_STATUS(dcs_config_set_credentials(cfg, env("HUAWEICLOUD_SDK_AK"), env("HUAWEICLOUD_SDK_SK"),
                                                env("DCS_TEST_SECURITY_TOKEN")), DCS_OK);
    CHECK_STATUS(dcs_config_set_timeouts(cfg, 1000, 1000), DCS_OK);
    dcs_client *client = client_from(cfg);
    int calls = atoi(env("DCS_TEST_CALLS"));
    CHECK(calls > 0);
    const char *ids[] = {RUNNING_6};
    for (int i = 0; i < calls; i++) {
        dcs_results *results = NULL;
        dcs_error *err = NULL;
        dcs_status status = dcs_restart(client, ids, 1, &results, &err);
        printf("%s|%d|%s|%s|%s\n", dcs_status_name(status), dcs_error_http_status(err), dcs_error_code(err),
               dcs_error_request_id(err), dcs_error_message(err));
        dcs_results_free(results);
        dcs_error_free(err);
    }
    dcs_client_free(client);
}

/* The connection of the first call is kept; the server then drops it after reading the second
 * request. libcurl would re-send that request on a new connection by itself: libdcs refuses. */
static void test_dead_reused_connection_is_not_resent(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    struct call call = call_expecting(client, DCS_ACTION_FLUSH, ids, 1, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    /* The driver armed a reset for the second request. */
    call = call_expecting(client, DCS_ACTION_FLUSH, ids, 1, NULL, DCS_ETRANSPORT, DCS_OUTCOME_UNKNOWN);
    CHECK_CONTAINS(dcs_error_message(call.err), "may have been applied");
    call_free(&call);
    dcs_client_free(client);
}

/* A fault on the second of three requests: the first keeps its outcomes, the second is
 * unknown (500), the third is not sent. */
static void test_fault_on_second_chunk(void) {
    dcs_client *client = client_from_env();
    char *ids[120];
    for (int i = 0; i < 120; i++) {
        ids[i] = malloc(16);
        snprintf(ids[i], 16, "emu-%04d", i + 1);
    }
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_flush(client, (const char *const *)ids, 120, &results, &err), DCS_EAPI);
    dcs_outcome want[120];
    for (int i = 0; i < 120; i++)
        want[i] = i < 50 ? DCS_OUTCOME_SUCCESS : i < 100 ? DCS_OUTCOME_UNKNOWN : DCS_OUTCOME_NOT_SENT;
    check_results(results, (const char *const *)ids, want, 120);
    CHECK(dcs_error_http_status(err) == 500);
    /* Each entry carries the request id of its own request's answer: the first 50 share the
     * 200's, the next 50 the 500's (the error's), the last 20 had no answer. */
    const char *first = dcs_results_request_id(results, 0);
    const char *second = dcs_results_request_id(results, 50);
    CHECK(strlen(first) == 32 && strlen(second) == 32 && strcmp(first, second) != 0);
    CHECK(strcmp(second, dcs_error_request_id(err)) == 0);
    for (int i = 0; i < 120; i++)
        CHECK(strcmp(dcs_results_request_id(results, (size_t)i), i < 50 ? first : i < 100 ? second : "") == 0);
    CHECK(strcmp(dcs_results_request_id(results, 120), "") == 0);
    CHECK(strcmp(dcs_results_request_id(NULL, 0), "") == 0);
    /* The same entries in one call: from 45, asking for more than there are. */
    const char *copied_ids[80], *copied_request_ids[80];
    dcs_outcome copied_outcomes[80];
    CHECK(dcs_results_copy(results, 45, 80, copied_ids, copied_outcomes, copied_request_ids) == 75);
    for (int i = 0; i < 75; i++) {
        CHECK(strcmp(copied_ids[i], ids[45 + i]) == 0 && copied_outcomes[i] == want[45 + i]);
        CHECK(copied_request_ids[i] == dcs_results_request_id(results, (size_t)(45 + i)));
    }
    CHECK(dcs_results_copy(results, 0, 3, NULL, copied_outcomes, NULL) == 3 && copied_outcomes[2] == DCS_OUTCOME_SUCCESS);
    CHECK(dcs_results_copy(results, 120, 1, copied_ids, NULL, NULL) == 0);
    dcs_results_free(results);
    dcs_error_free(err);
    for (int i = 0; i < 120; i++) free(ids[i]);
    dcs_client_free(client);
}

static void test_call_is_the_general_form(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_FLUSH, ids, 1, NULL, &results, &err), DCS_OK);
    check_all(results, ids, 1, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    CHECK_STATUS(dcs_call(client, DCS_ACTION_SOFT_RESTART, ids, 1, &options, &results, &err), DCS_OK);
    dcs_results_free(results);

    dcs_call_options initialised;
    memset(&initialised, 0xff, sizeof initialised);
    dcs_call_options_init(&initialised, sizeof initialised);
    CHECK(initialised.version == DCS_CALL_OPTIONS_VERSION && initialised.deadline_ms == 0);
    CHECK(initialised.cancel == NULL && initialised.wait_running_ms == 0);
    dcs_call_options_init(NULL, sizeof initialised);
    /* A caller that knows only version 1: nothing written past its 8 bytes. */
    unsigned char older[sizeof(dcs_call_options)];
    memset(older, 0xab, sizeof older);
    dcs_call_options_init((dcs_call_options *)older, 8);
    CHECK(((dcs_call_options *)older)->version == 1 && ((dcs_call_options *)older)->deadline_ms == 0);
    for (size_t i = 8; i < sizeof older; i++) CHECK(older[i] == 0xab);
    memset(older, 0xab, sizeof older);
    dcs_call_options_init((dcs_call_options *)older, 4);
    for (size_t i = 0; i < sizeof older; i++) CHECK(older[i] == 0xab);

    EXPECT_EINVAL(dcs_call(client, (dcs_action)7, ids, 1, NULL, &results, &err), "action 7");
    options.version = 99;
    EXPECT_EINVAL(dcs_call(client, DCS_ACTION_RESTART, ids, 1, &options, &results, &err), "options->version");
    options.version = 0;
    EXPECT_EINVAL(dcs_call(client, DCS_ACTION_RESTART, ids, 1, &options, &results, &err), "options->version");
    dcs_client_free(client);
}

/* The driver delays the answer by 4 s; the client's own timeout is 30 s. */
static void test_deadline_cuts_a_slow_answer(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6, RUNNING_5};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.deadline_ms = (uint32_t)(500 * time_scale());
    CHECK_STATUS(dcs_call(client, DCS_ACTION_RESTART, ids, 2, &options, &results, &err), DCS_ETIMEOUT);
    check_all(results, ids, 2, DCS_OUTCOME_UNKNOWN);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* The driver answers 503 with Retry-After: 2; a retry would start after the deadline. */
static void test_deadline_stops_retries(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.deadline_ms = (uint32_t)(1000 * time_scale());
    CHECK_STATUS(dcs_call(client, DCS_ACTION_RESTART, ids, 1, &options, &results, &err), DCS_EAPI);
    check_all(results, ids, 1, DCS_OUTCOME_FAILED);  /* a 503 refused it: not applied */
    CHECK(dcs_error_http_status(err) == 503);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* DCS_ENDPOINT is an https:// front with a certificate from a CA made by the driver. */
static void test_tls_refused_by_default(void) {
    dcs_client *client = client_from_env();
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, &err), DCS_ETRANSPORT);
    check_all(results, ids, 1, DCS_OUTCOME_NOT_SENT);
    CHECK_CONTAINS(dcs_error_message(err), "certificate");
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_tls_accepted_with_ca_file(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_ca_file(cfg, env("DCS_TEST_CA_FILE")), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_restart(client, ids, 1, &results, &err);
    if (status != DCS_OK) fprintf(stderr, "%s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    check_all(results, ids, 1, DCS_OUTCOME_SUCCESS);
    dcs_results_free(results);
    dcs_error_free(err);
    dcs_client_free(client);
}

static void test_tls_accepted_insecure(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_insecure(cfg, 1), DCS_OK);
    dcs_client *client = client_from(cfg);
    const char *ids[] = {RUNNING_6};
    dcs_results *results = NULL;
    CHECK_STATUS(dcs_restart(client, ids, 1, &results, NULL), DCS_OK);
    dcs_results_free(results);
    dcs_client_free(client);
}

static const struct test_case cases[] = {
    {"tls_refused_by_default", test_tls_refused_by_default},
    {"huge_chunked_answer_is_refused", test_huge_chunked_answer_is_refused},
    {"truncated_answer_is_unknown", test_truncated_answer_is_unknown},
    {"wrong_types_are_protocol_error", test_wrong_types_are_protocol_error},
    {"missing_results_are_unknown", test_missing_results_are_unknown},
    {"all_failed_is_partial", test_all_failed_is_partial},
    {"messages_hold_no_secret", test_messages_hold_no_secret},
    {"tls_accepted_with_ca_file", test_tls_accepted_with_ca_file},
    {"tls_accepted_insecure", test_tls_accepted_insecure},
    {"call_is_the_general_form", test_call_is_the_general_form},
    {"deadline_cuts_a_slow_answer", test_deadline_cuts_a_slow_answer},
    {"deadline_stops_retries", test_deadline_stops_retries},
    {"version_and_names", test_version_and_names},
    {"success", test_success},
    {"soft_restart_and_flush", test_soft_restart_and_flush},
    {"partial", test_partial},
    {"wrong_sk", test_wrong_sk},
    {"iam_token", test_iam_token},
    {"security_token", test_security_token},
    {"invalid_arguments_send_nothing", test_invalid_arguments_send_nothing},
    {"check_instance_ids_as_the_operations_do", test_check_instance_ids_as_the_operations_do},
    {"long_id_accepted", test_long_id_accepted},
    {"null_objects_are_harmless", test_null_objects_are_harmless},
    {"config_setters_check_their_argument", test_config_setters_check_their_argument},
    {"client_new_checks_the_whole_config", test_client_new_checks_the_whole_config},
    {"config_from_env_names_the_variable", test_config_from_env_names_the_variable},
    {"config_is_copied_into_the_client", test_config_is_copied_into_the_client},
    {"120_ids_in_three_requests", test_120_ids_in_three_requests},
    {"unusual_id_reaches_the_server_intact", test_unusual_id_reaches_the_server_intact},
    {"50_sequential_calls", test_50_sequential_calls},
    {"8_threads_share_one_client", test_8_threads_share_one_client},
    {"connection_refused_is_not_sent", test_connection_refused_is_not_sent},
    {"500_is_unknown", test_500_is_unknown},
    {"html_502_is_readable", test_html_502_is_readable},
    {"503_retried_then_success", test_503_retried_then_success},
    {"503_retries_exhausted", test_503_retries_exhausted},
    {"429_retries_exhausted", test_429_retries_exhausted},
    {"timeout_after_send_is_unknown", test_timeout_after_send_is_unknown},
    {"reset_after_send_is_unknown", test_reset_after_send_is_unknown},
    {"not_json_is_protocol_error", test_not_json_is_protocol_error},
    {"huge_answer_is_refused", test_huge_answer_is_refused},
    {"dead_reused_connection_is_not_resent", test_dead_reused_connection_is_not_resent},
    {"fault_on_second_chunk", test_fault_on_second_chunk},
};

int main(int argc, char **argv) {
    return run_cases("abi_test", cases, sizeof cases / sizeof cases[0], argc, argv);
}
