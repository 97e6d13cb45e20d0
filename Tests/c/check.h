/*
 * What the C test programs share: checks that count failures instead of stopping, the
 * emulator's default fleet, clients made from the environment, and the case runner.
 * Each program includes it once (its definitions are static, unused ones harmless).
 */
#ifndef DCS_TEST_CHECK_H
#define DCS_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>

#include "dcs.h"

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

#define CHECK_STATUS(got, want)                                                  \
    do {                                                                         \
        dcs_status got_ = (got), want_ = (want);                                 \
        if (got_ != want_) {                                                     \
            fprintf(stderr, "%s:%d: status %s, expected %s\n", __FILE__, __LINE__, \
                    dcs_status_name(got_), dcs_status_name(want_));              \
            failures++;                                                          \
        }                                                                        \
    } while (0)

#define CHECK_CONTAINS(text, part)                                               \
    do {                                                                         \
        const char *text_ = (text);                                              \
        if (text_ == NULL || strstr(text_, (part)) == NULL) {                    \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, \
                    __LINE__, text_ ? text_ : "(null)", (part));                 \
            failures++;                                                          \
        }                                                                        \
    } while (0)

/* Instances of the emulator's default fleet. */
#define RUNNING_6 "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef"
#define RUNNING_5 "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c"
#define RUNNING_4 "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a"
#define RUNNING_3 "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f" /* Redis 3.0: cannot be flushed */
#define FROZEN    "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"

/* Time bounds and short deadlines are multiplied by DCS_TEST_TIME_SCALE (default 1): the driver
 * raises it under valgrind, which slows everything many times over. */
static inline double time_scale(void) {
    const char *text = getenv("DCS_TEST_TIME_SCALE");
    double scale = text ? atof(text) : 1.0;
    return scale >= 1.0 ? scale : 1.0;
}

static inline double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static inline const char *env(const char *name) {
    const char *value = getenv(name);
    return value ? value : "";
}

/* A config read from the environment the driver set (DCS_ENDPOINT, HUAWEICLOUD_SDK_...). */
static inline dcs_config *config_from_env(void) {
    dcs_config *cfg = dcs_config_new();
    CHECK(cfg != NULL);
    dcs_status status = dcs_config_from_env(cfg);
    if (status != DCS_OK) fprintf(stderr, "dcs_config_from_env: %s\n", dcs_config_error(cfg));
    CHECK_STATUS(status, DCS_OK);
    return cfg;
}

/* A client of `cfg`, which it frees. */
static inline dcs_client *client_from(dcs_config *cfg) {
    dcs_client *client = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_client_new(cfg, &client, &err);
    if (status != DCS_OK) fprintf(stderr, "dcs_client_new: %s\n", dcs_error_message(err));
    CHECK_STATUS(status, DCS_OK);
    CHECK(err == NULL);
    dcs_error_free(err);
    dcs_config_free(cfg);
    return client;
}

static inline dcs_client *client_from_env(void) {
    return client_from(config_from_env());
}

/* Checks the outcomes of results, in order, by dcs_results_at. */
static inline void check_outcomes(dcs_results *results, const dcs_outcome *want, size_t count) {
    CHECK(dcs_results_count(results) == count);
    for (size_t i = 0; i < count; i++) {
        const char *id = NULL;
        dcs_outcome outcome = DCS_OUTCOME_UNKNOWN;
        CHECK(dcs_results_at(results, i, &id, &outcome) == 1);
        if (outcome != want[i]) {
            fprintf(stderr, "entry %zu (%s): %s, expected %s\n", i, id ? id : "?", dcs_outcome_name(outcome),
                    dcs_outcome_name(want[i]));
            failures++;
        }
    }
}

/* Checks that results hold exactly `count` entries with these ids and outcomes, in order. */
static inline void check_results(dcs_results *results, const char *const *ids, const dcs_outcome *outcomes, size_t count) {
    CHECK(results != NULL);
    CHECK(dcs_results_count(results) == count);
    const char *id;
    dcs_outcome outcome;
    for (size_t i = 0; i < count; i++) {
        if (!dcs_results_next(results, &id, &outcome)) {
            fprintf(stderr, "results end after %zu of %zu entries\n", i, count);
            failures++;
            return;
        }
        if (strcmp(id, ids[i]) != 0 || outcome != outcomes[i]) {
            fprintf(stderr, "entry %zu: %s %s, expected %s %s\n", i, id, dcs_outcome_name(outcome),
                    ids[i], dcs_outcome_name(outcomes[i]));
            failures++;
        }
    }
    CHECK(dcs_results_next(results, &id, &outcome) == 0);
}

static inline void check_all(dcs_results *results, const char *const *ids, size_t count, dcs_outcome outcome) {
    dcs_outcome *outcomes = calloc(count, sizeof *outcomes);
    for (size_t i = 0; i < count; i++) outcomes[i] = outcome;
    check_results(results, ids, outcomes, count);
    free(outcomes);
}

/* One call, made and checked: its status, and every entry's outcome, in the order of `ids`.
 * Results and error stay for the case's own checks; call_free frees both. */
struct call {
    dcs_status status;
    dcs_results *results;
    dcs_error *err;
};

static inline struct call call_expecting(dcs_client *client, dcs_action action, const char *const *ids, size_t count,
                                         const dcs_call_options *options, dcs_status want, dcs_outcome outcome) {
    struct call call = {DCS_OK, NULL, NULL};
    call.status = dcs_call(client, action, ids, count, options, &call.results, &call.err);
    CHECK_STATUS(call.status, want);
    check_all(call.results, ids, count, outcome);
    return call;
}

static inline void call_free(struct call *call) {
    dcs_results_free(call->results);
    dcs_error_free(call->err);
    call->results = NULL;
    call->err = NULL;
}

struct test_case {
    const char *name;
    void (*run)(void);
};

/* `program CASE` runs one case (exit 0 when every check held); `program --list` lists them. */
static inline int run_cases(const char *program, const struct test_case *cases, size_t count, int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < count; i++) puts(cases[i].name);
        return 0;
    }
    for (size_t i = 0; argc == 2 && i < count; i++) {
        if (strcmp(argv[1], cases[i].name) == 0) {
            cases[i].run();
            if (failures) fprintf(stderr, "%s: %d check(s) failed\n", cases[i].name, failures);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "usage: %s CASE | --list\n", program);
    return 2;
}

#endif
