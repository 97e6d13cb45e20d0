/*
 * libdcs_bench: libdcs from C, in the benchmark's modes, for comparison with bench/floor.c.
 *
 *   libdcs_bench seq N WARMUP ID...         WARMUP calls, then N calls measured
 *   libdcs_bench threads T N WARMUP ID...   T threads sharing one client, N calls in all
 *   libdcs_bench startup ID...              one call, then "first-answer MONOTONIC_NS" and exit
 *   libdcs_bench batch IDS REPS WARMUP      calls of IDS ids emu-0001... (the emulator's
 *                                           --generated-instances), REPS of them measured
 *
 * Configured with dcs_config_from_env (DCS_ENDPOINT, HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK,
 * HUAWEICLOUD_SDK_PROJECT_ID); the action is flush (DCS_BENCH_ACTION=restart|soft_restart|flush).
 * Every call must return DCS_OK with one outcome per id, all success.
 *
 * seq, threads and batch print one JSON line: calls, cpu_s (user + system of the measured
 * part, getrusage), wall_s, maxrss_kb (peak RSS, VmHWM; see common.h).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "dcs.h"

static dcs_client *client;
static dcs_action action = DCS_ACTION_FLUSH;
static const char *const *ids;
static size_t id_count;

static void die(const char *what) {
    fprintf(stderr, "libdcs_bench: %s\n", what);
    exit(2);
}

static void setup(void) {
    const char *name = getenv("DCS_BENCH_ACTION");
    if (name != NULL && strcmp(name, "restart") == 0) action = DCS_ACTION_RESTART;
    else if (name != NULL && strcmp(name, "soft_restart") == 0) action = DCS_ACTION_SOFT_RESTART;
    else if (name != NULL && strcmp(name, "flush") != 0) die("DCS_BENCH_ACTION: restart, soft_restart or flush");

    dcs_config *cfg = dcs_config_new();
    if (cfg == NULL) die("out of memory");
    if (dcs_config_from_env(cfg) != DCS_OK) {
        fprintf(stderr, "libdcs_bench: %s\n", dcs_config_error(cfg));
        exit(2);
    }
    dcs_error *err = NULL;
    dcs_status status = dcs_client_new(cfg, &client, &err);
    dcs_config_free(cfg);
    if (status != DCS_OK) {
        fprintf(stderr, "libdcs_bench: %s: %s\n", dcs_status_name(status), dcs_error_message(err));
        exit(2);
    }
}

/* One call; exits unless every id succeeded. */
static void call(void) {
    dcs_results *results = NULL;
    dcs_error *err = NULL;
    dcs_status status = dcs_call(client, action, ids, id_count, NULL, &results, &err);
    if (status != DCS_OK || dcs_results_count(results) != id_count) {
        fprintf(stderr, "libdcs_bench: %s http_status=%d: %s\n", dcs_status_name(status),
                dcs_error_http_status(err), dcs_error_message(err));
        exit(1);
    }
    dcs_outcome outcome;
    while (dcs_results_next(results, NULL, &outcome))
        if (outcome != DCS_OUTCOME_SUCCESS) die("an instance did not succeed");
    dcs_results_free(results);
}

static void calls(long n) {
    for (long i = 0; i < n; i++) call();
}

static void *thread_main(void *arg) {
    bench_thread_args *a = arg;
    calls(a->warmup);
    pthread_barrier_wait(a->ready);
    calls(a->n);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "startup") == 0) {
        setup();
        ids = (const char *const *)argv + 2;
        id_count = (size_t)argc - 2;
        call();
        print_first_answer();
        dcs_client_free(client);
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "seq") == 0) {
        long n = atol(argv[2]), warmup = atol(argv[3]);
        setup();
        ids = (const char *const *)argv + 4;
        id_count = (size_t)argc - 4;
        calls(warmup);
        bench_mark start = bench_now();
        calls(n);
        bench_mark end = bench_now();
        print_result("libdcs-c", "seq", 1, n, start, end);
        dcs_client_free(client);
        return 0;
    }
    if (argc >= 6 && strcmp(argv[1], "threads") == 0) {
        int threads = atoi(argv[2]);
        long n = atol(argv[3]), warmup = atol(argv[4]);
        if (threads < 1 || threads > BENCH_MAX_THREADS || n % threads != 0) die("threads: 1 to 64, N a multiple of T");
        setup();
        ids = (const char *const *)argv + 5;
        id_count = (size_t)argc - 5;
        bench_mark start, end;
        bench_run_threads(threads, n, warmup, thread_main, &start, &end);
        print_result("libdcs-c", "threads", threads, n, start, end);
        dcs_client_free(client);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "batch") == 0) {
        long count = atol(argv[2]), reps = atol(argv[3]), warmup = atol(argv[4]);
        if (count < 1 || count > 9999) die("batch: 1 to 9999 ids");
        setup();
        char **generated = malloc((size_t)count * sizeof *generated);
        if (generated == NULL) die("out of memory");
        for (long i = 0; i < count; i++) {
            generated[i] = malloc(16);
            if (generated[i] == NULL) die("out of memory");
            snprintf(generated[i], 16, "emu-%04ld", i + 1);
        }
        ids = (const char *const *)generated;
        id_count = (size_t)count;
        calls(warmup);
        bench_mark start = bench_now();
        calls(reps);
        bench_mark end = bench_now();
        char mode[32];
        snprintf(mode, sizeof mode, "batch-%ld", count);
        print_result("libdcs-c", mode, 1, reps, start, end);
        dcs_client_free(client);
        return 0;
    }
    fprintf(stderr, "usage: libdcs_bench seq N WARMUP ID... | threads T N WARMUP ID... | startup ID... | "
                    "batch IDS REPS WARMUP\n");
    return 2;
}
