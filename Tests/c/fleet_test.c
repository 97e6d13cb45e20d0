/*
 * Fleet operations through the C ABI (Tests/c/test_fleet.py drives each case against an emulator
 * whose fleet it chose): rolling calls in waves with their health gate, cancel and deadline,
 * progress reports, options structs of older versions, and listing instances.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The rolling fleet of the driver: roll-01 ... roll-12, roll-07 never comes back. */
#define ROLLING_COUNT 12
static const char *const rolling_ids[ROLLING_COUNT] = {
    "roll-01", "roll-02", "roll-03", "roll-04", "roll-05", "roll-06",
    "roll-07", "roll-08", "roll-09", "roll-10", "roll-11", "roll-12",
};
#define LOST_INDEX 6

/* ------------------------------------------------------------------------------------------
 * Progress: every call is checked as it comes, and kept for the checks after the call
 * ------------------------------------------------------------------------------------------ */

#define MAX_EVENTS 256

struct progress_log {
    size_t count;
    dcs_progress events[MAX_EVENTS];
    int decided[ROLLING_COUNT * 4];   /* per index: how many INSTANCE_DONE events */
    dcs_cancel *cancel_after_wave;    /* triggered at WAVE_DONE of wave 1 */
};

static void on_progress(const dcs_progress *p, void *user) {
    struct progress_log *log = user;
    CHECK(p->total == p->done + p->in_progress + p->not_started);
    CHECK(p->done == p->succeeded + p->failed + p->unknown + p->not_sent);
    CHECK(p->wave >= 1 && p->wave <= p->waves);
    if (p->event == DCS_PROGRESS_INSTANCE_DONE) {
        CHECK(p->instance_id != NULL);
        CHECK(p->index < p->total);
        if (p->index < p->total && p->instance_id != NULL && p->total <= ROLLING_COUNT) {
            CHECK(strcmp(p->instance_id, rolling_ids[p->index]) == 0);
            log->decided[p->index]++;
        }
    } else {
        CHECK(p->instance_id == NULL);
    }
    if (p->event == DCS_PROGRESS_WAVE_DONE) CHECK(p->in_progress == 0);
    if (log->count > 0) {
        const dcs_progress *before = &log->events[log->count - 1];
        CHECK(before->event != DCS_PROGRESS_FINISHED);  /* FINISHED is the last call */
        CHECK(p->done >= before->done);
    }
    if (log->count < MAX_EVENTS) {
        log->events[log->count] = *p;
        log->events[log->count].instance_id = NULL;  /* lives only during the call */
        log->count++;
    }
    if (log->cancel_after_wave != NULL && p->event == DCS_PROGRESS_WAVE_DONE && p->wave == 1)
        dcs_cancel_trigger(log->cancel_after_wave);
}

/* The last call was FINISHED, and its counts are those of the results. */
static void check_final_progress(const struct progress_log *log, dcs_results *results) {
    CHECK(log->count > 0);
    if (log->count == 0) return;
    const dcs_progress *last = &log->events[log->count - 1];
    CHECK(last->event == DCS_PROGRESS_FINISHED);
    size_t counts[4] = {0, 0, 0, 0};
    size_t total = dcs_results_count(results);
    for (size_t i = 0; i < total; i++) {
        dcs_outcome outcome;
        CHECK(dcs_results_at(results, i, NULL, &outcome) == 1);
        counts[outcome]++;
    }
    CHECK(last->total == total);
    CHECK(last->done == total && last->in_progress == 0 && last->not_started == 0);
    CHECK(last->succeeded == counts[DCS_OUTCOME_SUCCESS]);
    CHECK(last->failed == counts[DCS_OUTCOME_FAILED]);
    CHECK(last->unknown == counts[DCS_OUTCOME_UNKNOWN]);
    CHECK(last->not_sent == counts[DCS_OUTCOME_NOT_SENT]);
}

static size_t events_of(const struct progress_log *log, dcs_progress_event event) {
    size_t n = 0;
    for (size_t i = 0; i < log->count; i++) n += log->events[i].event == event;
    return n;
}

static dcs_call_options rolling_options(struct progress_log *log) {
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.wave_size = 5;
    options.wait_running_ms = (uint32_t)(3000 * time_scale());
    options.progress = on_progress;
    options.progress_user = log;
    return options;
}

/* ------------------------------------------------------------------------------------------
 * Rolling calls
 * ------------------------------------------------------------------------------------------ */

/* Waves of 5 over 12: roll-07 of wave 2 never comes back, so wave 3 is not sent. */
static void rolling_restart_stops_at_the_gate(void) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    dcs_call_options options = rolling_options(&log);
    struct call call = {0};
    call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, ROLLING_COUNT, &options, &call.results, &call.err);
    CHECK_STATUS(call.status, DCS_ESTOPPED);
    dcs_outcome want[ROLLING_COUNT];
    for (size_t i = 0; i < ROLLING_COUNT; i++) want[i] = i < 10 ? DCS_OUTCOME_SUCCESS : DCS_OUTCOME_NOT_SENT;
    want[LOST_INDEX] = DCS_OUTCOME_UNKNOWN;  /* restarted, not RUNNING in time */
    check_results(call.results, rolling_ids, want, ROLLING_COUNT);
    CHECK(dcs_error_status(call.err) == DCS_ESTOPPED);
    CHECK_CONTAINS(dcs_error_message(call.err), "stopped after wave 2 of 3");
    CHECK_CONTAINS(dcs_error_message(call.err), "roll-07 (unknown)");
    CHECK_CONTAINS(dcs_error_message(call.err), "; wave 3 (2 ids) not sent");
    /* Waves 1 and 2 carry the request id of their answers; wave 3 none. */
    CHECK(strlen(dcs_results_request_id(call.results, 0)) > 0);
    CHECK(strlen(dcs_results_request_id(call.results, 9)) > 0);
    CHECK(strcmp(dcs_results_request_id(call.results, 10), "") == 0);
    CHECK(events_of(&log, DCS_PROGRESS_WAVE_START) == 2);
    CHECK(events_of(&log, DCS_PROGRESS_WAVE_DONE) == 2);
    CHECK(events_of(&log, DCS_PROGRESS_INSTANCE_DONE) == 10);  /* the sent ones, once each */
    for (size_t i = 0; i < ROLLING_COUNT; i++) CHECK(log.decided[i] == (i < 10 ? 1 : 0));
    check_final_progress(&log, call.results);
    CHECK(log.events[log.count - 1].wave == 2 && log.events[log.count - 1].waves == 3);
    call_free(&call);
    dcs_client_free(client);
}

static void rolling_restart_keeps_going_past_failures(void) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    dcs_call_options options = rolling_options(&log);
    options.keep_going = 1;
    struct call call = {0};
    call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, ROLLING_COUNT, &options, &call.results, &call.err);
    CHECK_STATUS(call.status, DCS_EPARTIAL);
    dcs_outcome want[ROLLING_COUNT];
    for (size_t i = 0; i < ROLLING_COUNT; i++) want[i] = DCS_OUTCOME_SUCCESS;
    want[LOST_INDEX] = DCS_OUTCOME_UNKNOWN;
    check_results(call.results, rolling_ids, want, ROLLING_COUNT);
    CHECK_CONTAINS(dcs_error_message(call.err), "1 of 12 instances did not end RUNNING: roll-07 (unknown)");
    CHECK(events_of(&log, DCS_PROGRESS_WAVE_START) == 3);
    CHECK(events_of(&log, DCS_PROGRESS_INSTANCE_DONE) == 12);
    for (size_t i = 0; i < ROLLING_COUNT; i++) CHECK(log.decided[i] == 1);
    check_final_progress(&log, call.results);
    call_free(&call);
    dcs_client_free(client);
}

/* The progress callback cancels at the end of wave 1: nothing of wave 2 is sent, whether the
 * cancel is seen during the pause or, without one, before the next wave starts. */
static void cancel_between_waves(uint32_t pause_ms) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    log.cancel_after_wave = dcs_cancel_new();
    dcs_call_options options = rolling_options(&log);
    options.cancel = log.cancel_after_wave;
    options.wave_pause_ms = pause_ms;
    struct call call = {0};
    call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, ROLLING_COUNT, &options, &call.results, &call.err);
    CHECK_STATUS(call.status, DCS_ECANCELED);
    dcs_outcome want[ROLLING_COUNT];
    for (size_t i = 0; i < ROLLING_COUNT; i++) want[i] = i < 5 ? DCS_OUTCOME_SUCCESS : DCS_OUTCOME_NOT_SENT;
    check_results(call.results, rolling_ids, want, ROLLING_COUNT);
    CHECK_CONTAINS(dcs_error_message(call.err), "cancelled before wave 2 of 3: waves 2 to 3 (7 ids) not sent");
    /* Cancelled at the end of wave 1: wave 2 never starts, its ids get no INSTANCE_DONE each. */
    CHECK(events_of(&log, DCS_PROGRESS_WAVE_START) == 1);
    CHECK(events_of(&log, DCS_PROGRESS_INSTANCE_DONE) == 5);
    check_final_progress(&log, call.results);
    call_free(&call);
    dcs_cancel_free(log.cancel_after_wave);
    dcs_client_free(client);
}

static void cancel_between_waves_sends_nothing_more(void) {
    cancel_between_waves(200);
    cancel_between_waves(0);
}

/* A pause longer than the time left ends the call at once, before the next wave. */
static void deadline_before_the_next_wave(void) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    dcs_call_options options = rolling_options(&log);
    options.deadline_ms = (uint32_t)(4000 * time_scale());
    options.wave_pause_ms = 60000;
    double started = now_seconds();
    struct call call = {0};
    call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, 10, &options, &call.results, &call.err);
    CHECK(now_seconds() - started < 3.5 * time_scale());
    CHECK_STATUS(call.status, DCS_ETIMEOUT);
    dcs_outcome want[10];
    for (size_t i = 0; i < 10; i++) want[i] = i < 5 ? DCS_OUTCOME_SUCCESS : DCS_OUTCOME_NOT_SENT;
    check_results(call.results, rolling_ids, want, 10);
    CHECK_CONTAINS(dcs_error_message(call.err), "comes before wave 2 of 2");
    check_final_progress(&log, call.results);
    call_free(&call);
    dcs_client_free(client);
}

/* Without waves, progress sees one wave: start, each instance, end, finished. */
static void progress_of_a_call_without_waves(void) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.progress = on_progress;
    options.progress_user = &log;
    struct call call = call_expecting(client, DCS_ACTION_RESTART, rolling_ids, 4, &options, DCS_OK, DCS_OUTCOME_SUCCESS);
    CHECK(log.count == 7);
    dcs_progress_event want[7] = {DCS_PROGRESS_WAVE_START, DCS_PROGRESS_INSTANCE_DONE, DCS_PROGRESS_INSTANCE_DONE,
                                  DCS_PROGRESS_INSTANCE_DONE, DCS_PROGRESS_INSTANCE_DONE, DCS_PROGRESS_WAVE_DONE,
                                  DCS_PROGRESS_FINISHED};
    for (size_t i = 0; i < 7 && i < log.count; i++) {
        CHECK(log.events[i].event == want[i]);
        CHECK(log.events[i].wave == 1 && log.events[i].waves == 1);
    }
    CHECK(log.events[0].in_progress == 4 && log.events[0].not_started == 0);
    for (size_t i = 0; i < 4; i++) CHECK(log.decided[i] == 1);
    check_final_progress(&log, call.results);
    call_free(&call);
    dcs_client_free(client);
}

/* A wave whose request is refused ends the call with the refusal, keep_going or not. */
static void a_refused_wave_ends_the_call(void) {
    dcs_client *client = client_from_env();
    struct progress_log log = {0};
    dcs_call_options options = rolling_options(&log);
    options.keep_going = 1;
    struct call call = {0};
    call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, 10, &options, &call.results, &call.err);
    CHECK_STATUS(call.status, DCS_EAPI);
    dcs_outcome want[10];
    for (size_t i = 0; i < 10; i++) want[i] = i < 5 ? DCS_OUTCOME_SUCCESS : DCS_OUTCOME_FAILED;
    check_results(call.results, rolling_ids, want, 10);
    CHECK_CONTAINS(dcs_error_message(call.err), "wave 2 of 2: ");
    CHECK(strcmp(dcs_error_code(call.err), "DCS.4049") == 0);
    check_final_progress(&log, call.results);
    call_free(&call);
    dcs_client_free(client);
}

static void wave_size_past_the_limit_is_refused(void) {
    dcs_client *client = client_from_env();
    size_t sizes[] = {(size_t)DCS_MAX_IDS_PER_CALL + 1, SIZE_MAX};
    for (size_t i = 0; i < 2; i++) {
        dcs_call_options options = DCS_CALL_OPTIONS_INIT;
        options.wave_size = sizes[i];
        struct call call = {0};
        call.results = (dcs_results *)1;  /* must be set to NULL */
        call.status = dcs_call(client, DCS_ACTION_RESTART, rolling_ids, 3, &options, &call.results, &call.err);
        CHECK_STATUS(call.status, DCS_EINVAL);
        CHECK(call.results == NULL);
        CHECK_CONTAINS(dcs_error_message(call.err), "options->wave_size");
        call_free(&call);
    }
    dcs_client_free(client);
}

/* ------------------------------------------------------------------------------------------
 * Options structs of older versions
 * ------------------------------------------------------------------------------------------ */

/* dcs_call_options as a caller built against the version-2 header has it. */
struct call_options_v2 {
    unsigned int version;
    uint32_t deadline_ms;
    dcs_cancel *cancel;
    uint32_t wait_running_ms;
};

/* A version-2 struct, laid out as the older header had it and followed by bytes the library
 * must neither read as fields nor write: a rolling call's fields would be garbage there. */
static void version_2_options_still_work(void) {
    struct {
        struct call_options_v2 options;
        unsigned char after[64];
    } block;
    memset(&block, 0xAB, sizeof block);
    dcs_call_options_init((dcs_call_options *)&block.options, sizeof block.options);
    CHECK(block.options.version == 2);
    CHECK(block.options.deadline_ms == 0 && block.options.cancel == NULL && block.options.wait_running_ms == 0);
    for (size_t i = 0; i < sizeof block.after; i++) CHECK(block.after[i] == 0xAB);

    dcs_client *client = client_from_env();
    block.options.wait_running_ms = (uint32_t)(5000 * time_scale());
    struct call call = call_expecting(client, DCS_ACTION_RESTART, rolling_ids, ROLLING_COUNT,
                                      (const dcs_call_options *)&block.options, DCS_OK, DCS_OUTCOME_SUCCESS);
    CHECK(call.err == NULL);
    call_free(&call);

    /* Version 1: two fields. */
    struct { unsigned int version; uint32_t deadline_ms; unsigned char after[64]; } v1;
    memset(&v1, 0xAB, sizeof v1);
    dcs_call_options_init((dcs_call_options *)&v1, 8);
    CHECK(v1.version == 1 && v1.deadline_ms == 0);
    for (size_t i = 0; i < sizeof v1.after; i++) CHECK(v1.after[i] == 0xAB);
    call = call_expecting(client, DCS_ACTION_SOFT_RESTART, rolling_ids, 3, (const dcs_call_options *)&v1, DCS_OK,
                          DCS_OUTCOME_SUCCESS);
    call_free(&call);

    dcs_call_options current;
    memset(&current, 0xAB, sizeof current);
    dcs_call_options_init(&current, sizeof current);
    dcs_call_options init = DCS_CALL_OPTIONS_INIT;
    CHECK(current.version == DCS_CALL_OPTIONS_VERSION && current.version == 3);
    CHECK(current.wave_size == init.wave_size && current.wave_pause_ms == 0 && current.keep_going == 0);
    CHECK(current.progress == NULL && current.progress_user == NULL && current.cancel == NULL);
    dcs_client_free(client);
}

/* ------------------------------------------------------------------------------------------
 * Listing
 * ------------------------------------------------------------------------------------------ */

static dcs_instance_list *list_expecting(dcs_client *client, const dcs_list_filter *filter, dcs_status want) {
    dcs_instance_list *list = (dcs_instance_list *)1;  /* must be set, also on failure */
    dcs_error *err = NULL;
    dcs_status status = dcs_list_instances(client, filter, NULL, &list, &err);
    CHECK_STATUS(status, want);
    if (status != DCS_OK && err != NULL) fprintf(stderr, "listing: %s\n", dcs_error_message(err));
    CHECK((status == DCS_OK) == (list != NULL));
    CHECK((status == DCS_OK) == (err == NULL));
    dcs_error_free(err);
    return list;
}

/* The driver's emulator: the default fleet, then emu-0001 ... emu-2500. */
static void listing_reads_every_page(void) {
    dcs_client *client = client_from_env();
    dcs_instance_list *list = list_expecting(client, NULL, DCS_OK);
    size_t count = dcs_instance_list_count(list);
    CHECK(count == 2505);
    CHECK(strcmp(dcs_instance_list_id(list, 0), RUNNING_6) == 0);
    CHECK(strcmp(dcs_instance_list_name(list, 0), "cache-a") == 0);
    CHECK(strcmp(dcs_instance_list_engine(list, 0), "Redis") == 0);
    CHECK(strcmp(dcs_instance_list_engine_version(list, 0), "6.0") == 0);
    CHECK(dcs_instance_list_status(list, 4) == DCS_INSTANCE_FROZEN);
    CHECK(strcmp(dcs_instance_list_status_text(list, 4), "FROZEN") == 0);
    for (size_t i = 5; i < count; i++) {
        char want[32];
        snprintf(want, sizeof want, "emu-%04zu", i - 4);
        if (strcmp(dcs_instance_list_id(list, i), want) != 0) {
            fprintf(stderr, "entry %zu is %s, expected %s\n", i, dcs_instance_list_id(list, i), want);
            failures++;
            break;
        }
        CHECK(dcs_instance_list_status(list, i) == DCS_INSTANCE_RUNNING);
    }
    /* Out of range: "" and OTHER, never NULL. */
    CHECK(strcmp(dcs_instance_list_id(list, count), "") == 0);
    CHECK(strcmp(dcs_instance_list_name(list, SIZE_MAX), "") == 0);
    CHECK(dcs_instance_list_status(list, count) == DCS_INSTANCE_OTHER);
    CHECK(strcmp(dcs_instance_list_id(NULL, 0), "") == 0);
    CHECK(dcs_instance_list_count(NULL) == 0);
    dcs_instance_list_free(list);
    dcs_instance_list_free(NULL);
    dcs_client_free(client);
}

static void check_listed(dcs_instance_list *list, const char *const *names, size_t count) {
    CHECK(dcs_instance_list_count(list) == count);
    for (size_t i = 0; i < count && i < dcs_instance_list_count(list); i++) {
        if (strcmp(dcs_instance_list_name(list, i), names[i]) != 0) {
            fprintf(stderr, "entry %zu is %s, expected %s\n", i, dcs_instance_list_name(list, i), names[i]);
            failures++;
        }
    }
    dcs_instance_list_free(list);
}

/* The default fleet: cache-a ... cache-e, tagged role and env. */
static void listing_filters_select(void) {
    dcs_client *client = client_from_env();
    dcs_list_filter filter = DCS_LIST_FILTER_INIT;
    filter.name = "cache";
    check_listed(list_expecting(client, &filter, DCS_OK),
                 (const char *[]){"cache-a", "cache-b", "cache-c", "cache-d", "cache-e"}, 5);
    filter.name = "cache-b";
    filter.name_exact = 1;
    check_listed(list_expecting(client, &filter, DCS_OK), (const char *[]){"cache-b"}, 1);
    filter.name = "cache";
    check_listed(list_expecting(client, &filter, DCS_OK), NULL, 0);

    dcs_list_filter by_status = DCS_LIST_FILTER_INIT;
    by_status.status = "FROZEN";
    check_listed(list_expecting(client, &by_status, DCS_OK), (const char *[]){"cache-e"}, 1);

    const char *tags[] = {"role=session-cache", "env=prod"};
    dcs_list_filter by_tags = DCS_LIST_FILTER_INIT;
    by_tags.tags = tags;
    by_tags.tag_count = 2;
    check_listed(list_expecting(client, &by_tags, DCS_OK), (const char *[]){"cache-a", "cache-e"}, 2);
    by_tags.tag_count = 1;
    check_listed(list_expecting(client, &by_tags, DCS_OK), (const char *[]){"cache-a", "cache-b", "cache-e"}, 3);
    dcs_client_free(client);
}

/* Each bad field is refused, named, before anything is sent (the driver counts the listings). */
static void bad_filters_are_refused_before_sending(void) {
    dcs_client *client = client_from_env();
    struct { dcs_list_filter filter; const char *message; } cases[12];
    size_t n = 0;
    char long_name[300];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    static const char *const bad_tags[][1] = {{"role"}, {"=x"}, {"a=b=c"}, {"a,b=c"}, {"k=\x01"}, {NULL}};
    const char *messages[] = {"filter->tags[0] has no '='", "the key of filter->tags[0] is empty",
                              "filter->tags[0] holds a second '=' or a ','", "filter->tags[0] holds a second '=' or a ','",
                              "the value of filter->tags[0] holds a control character", "filter->tags[0] is NULL"};
    for (size_t i = 0; i < 6; i++) {
        dcs_list_filter f = DCS_LIST_FILTER_INIT;
        f.tags = bad_tags[i];
        f.tag_count = 1;
        cases[n].filter = f;
        cases[n++].message = messages[i];
    }
    dcs_list_filter f = DCS_LIST_FILTER_INIT;
    f.name = "";
    cases[n].filter = f, cases[n++].message = "filter->name is empty";
    f.name = long_name;
    cases[n].filter = f, cases[n++].message = "filter->name is longer than 255 bytes";
    f.name = "\xff";
    cases[n].filter = f, cases[n++].message = "filter->name is not valid UTF-8";
    f = (dcs_list_filter)DCS_LIST_FILTER_INIT;
    f.status = "running";
    cases[n].filter = f, cases[n++].message = "filter->status is \"running\": a status is upper-case letters";
    f = (dcs_list_filter)DCS_LIST_FILTER_INIT;
    f.tag_count = 2;
    cases[n].filter = f, cases[n++].message = "filter->tags is NULL but filter->tag_count is 2";
    f = (dcs_list_filter)DCS_LIST_FILTER_INIT;
    f.version = 7;
    cases[n].filter = f, cases[n++].message = "filter->version is 7";
    for (size_t i = 0; i < n; i++) {
        dcs_instance_list *list = (dcs_instance_list *)1;
        dcs_error *err = NULL;
        CHECK_STATUS(dcs_list_instances(client, &cases[i].filter, NULL, &list, &err), DCS_EINVAL);
        CHECK(list == NULL);
        CHECK_CONTAINS(dcs_error_message(err), cases[i].message);
        dcs_error_free(err);
    }
    dcs_instance_list *list = (dcs_instance_list *)1;
    CHECK_STATUS(dcs_list_instances(NULL, NULL, NULL, &list, NULL), DCS_EINVAL);
    CHECK(list == NULL);
    CHECK_STATUS(dcs_list_instances(client, NULL, NULL, NULL, NULL), DCS_EINVAL);
    dcs_client_free(client);
}

/* The driver makes every list request fail with a 500: the listing fails whole, no list. */
static void a_failed_page_fails_the_listing(void) {
    dcs_client *client = client_from_env();
    dcs_instance_list *list = (dcs_instance_list *)1;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_list_instances(client, NULL, NULL, &list, &err), DCS_EAPI);
    CHECK(list == NULL);
    CHECK(dcs_error_http_status(err) == 500);
    CHECK(strlen(dcs_error_request_id(err)) > 0);
    dcs_error_free(err);
    dcs_client_free(client);
}

/* A cancelled token ends a listing before it sends anything. */
static void a_cancelled_listing_sends_nothing(void) {
    dcs_client *client = client_from_env();
    dcs_cancel *cancel = dcs_cancel_new();
    dcs_cancel_trigger(cancel);
    dcs_call_options options = DCS_CALL_OPTIONS_INIT;
    options.cancel = cancel;
    dcs_instance_list *list = (dcs_instance_list *)1;
    dcs_error *err = NULL;
    CHECK_STATUS(dcs_list_instances(client, NULL, &options, &list, &err), DCS_ECANCELED);
    CHECK(list == NULL);
    dcs_error_free(err);
    dcs_cancel_free(cancel);
    dcs_client_free(client);
}

/* A busy refusal with the code the driver names (DCS_TEST_BUSY_CODE) is retried and succeeds. */
static void busy_code_is_retried(void) {
    dcs_config *cfg = config_from_env();
    CHECK_STATUS(dcs_config_set_busy_retry(cfg, (uint32_t)(20000 * time_scale())), DCS_OK);
    dcs_client *client = client_from(cfg);
    struct call call = call_expecting(client, DCS_ACTION_RESTART, rolling_ids, 2, NULL, DCS_OK, DCS_OUTCOME_SUCCESS);
    call_free(&call);
    dcs_client_free(client);
}

int main(int argc, char **argv) {
    static const struct test_case cases[] = {
        {"rolling_restart_stops_at_the_gate", rolling_restart_stops_at_the_gate},
        {"rolling_restart_keeps_going_past_failures", rolling_restart_keeps_going_past_failures},
        {"cancel_between_waves_sends_nothing_more", cancel_between_waves_sends_nothing_more},
        {"deadline_before_the_next_wave", deadline_before_the_next_wave},
        {"progress_of_a_call_without_waves", progress_of_a_call_without_waves},
        {"a_refused_wave_ends_the_call", a_refused_wave_ends_the_call},
        {"wave_size_past_the_limit_is_refused", wave_size_past_the_limit_is_refused},
        {"version_2_options_still_work", version_2_options_still_work},
        {"listing_reads_every_page", listing_reads_every_page},
        {"listing_filters_select", listing_filters_select},
        {"bad_filters_are_refused_before_sending", bad_filters_are_refused_before_sending},
        {"a_failed_page_fails_the_listing", a_failed_page_fails_the_listing},
        {"a_cancelled_listing_sends_nothing", a_cancelled_listing_sends_nothing},
        {"busy_code_is_retried", busy_code_is_retried},
    };
    return run_cases(argv[0], cases, sizeof cases / sizeof cases[0], argc, argv);
}
