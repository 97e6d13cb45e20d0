/*
 * Load on libdcs through its C ABI, against dcs-emulator on loopback.
 *
 *   stress_test threads   many threads share one client while the driver injects faults; each
 *                         thread also makes and frees clients of its own; the shared client is
 *                         freed at the end. Run under ThreadSanitizer by the driver.
 *   stress_test soak      tens of thousands of sequential calls; the resident memory after
 *                         them may not exceed that after a warm-up by more than a small bound.
 *
 * Configured from the environment (dcs_config_from_env), like abi_test.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dcs.h"

static const char *const fleet[] = {
    "2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef", "5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c",
    "9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a", "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f",
    "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
};

static dcs_client *new_client(void) {
    dcs_config *cfg = dcs_config_new();
    if (cfg == NULL || dcs_config_from_env(cfg) != DCS_OK) {
        fprintf(stderr, "configuration from the environment failed\n");
        exit(2);
    }
    dcs_config_set_timeouts(cfg, 1000, 1500);
    dcs_config_set_max_retries(cfg, 1);
    dcs_client *client = NULL;
    dcs_error *err = NULL;
    if (dcs_client_new(cfg, &client, &err) != DCS_OK) {
        fprintf(stderr, "dcs_client_new: %s\n", dcs_error_message(err));
        exit(2);
    }
    dcs_config_free(cfg);
    return client;
}

/* One call; returns 0 when what came back is consistent: a known status, one result per id,
 * and no outcome an answered request cannot have. */
static int call_once(dcs_client *client, unsigned seed) {
    size_t count = 1 + seed % 5;
    const char *ids[5];
    for (size_t i = 0; i < count; i++) ids[i] = fleet[(seed + i) % 5];
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status;
    switch (seed % 4) {
    case 0: status = dcs_restart(client, ids, count, &results, &err); break;
    case 1: status = dcs_soft_restart(client, ids, count, &results, &err); break;
    case 2: status = dcs_flush(client, ids, count, &results, &err); break;
    default: {
        dcs_call_options options = DCS_CALL_OPTIONS_INIT;
        options.deadline_ms = 800;
        status = dcs_call(client, DCS_ACTION_FLUSH, ids, count, &options, &results, &err);
    }
    }
    int bad = 0;
    if (status < DCS_ENOMEM || status > DCS_EPARTIAL || status == DCS_EINVAL || status == DCS_ECONFIG) bad = 1;
    if (dcs_results_count(results) != count) bad = 1;
    if ((status == DCS_OK) != (err == NULL)) bad = 1;
    if (bad) fprintf(stderr, "inconsistent call: %s %s\n", dcs_status_name(status), dcs_error_message(err));
    dcs_results_free(results);
    dcs_error_free(err);
    return bad;
}

#define THREADS 16
#define CALLS 60

static void *worker(void *arg) {
    dcs_client *shared = arg;
    long bad = 0;
    unsigned seed = (unsigned)(size_t)pthread_self();
    for (int i = 0; i < CALLS; i++) {
        bad += call_once(shared, seed + (unsigned)i);
        if (i % 20 == 0) {
            /* A client of its own, made, used and freed while others work. */
            dcs_client *own = new_client();
            bad += call_once(own, seed + (unsigned)i + 1);
            dcs_client_free(own);
        }
    }
    return (void *)bad;
}

static int run_threads(void) {
    dcs_client *shared = new_client();
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, worker, shared);
    long bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        bad += (long)result;
    }
    dcs_client_free(shared);
    printf("threads=%d calls=%d inconsistent=%ld\n", THREADS, THREADS * CALLS, bad);
    return bad == 0 ? 0 : 1;
}

static long resident_kib(void) {
    long pages_total = 0, pages_resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm == NULL || fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2) exit(2);
    fclose(statm);
    return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int run_soak(void) {
    long calls = atol(getenv("DCS_SOAK_CALLS") ? getenv("DCS_SOAK_CALLS") : "30000");
    long bound_kib = atol(getenv("DCS_SOAK_BOUND_KIB") ? getenv("DCS_SOAK_BOUND_KIB") : "2048");
    dcs_client *client = new_client();
    long bad = 0;
    for (long i = 0; i < 2000; i++) bad += call_once(client, (unsigned)i);
    long after_warm_up = resident_kib();
    for (long i = 0; i < calls; i++) bad += call_once(client, (unsigned)i);
    long after_soak = resident_kib();
    dcs_client_free(client);
    printf("calls=%ld warm_kib=%ld end_kib=%ld growth_kib=%ld bound_kib=%ld inconsistent=%ld\n", calls,
           after_warm_up, after_soak, after_soak - after_warm_up, bound_kib, bad);
    return bad == 0 && after_soak - after_warm_up <= bound_kib ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "threads") == 0) return run_threads();
    if (argc == 2 && strcmp(argv[1], "soak") == 0) return run_soak();
    fprintf(stderr, "usage: stress_test threads|soak\n");
    return 2;
}
