/* What the benchmark's C clients share: time and CPU marks, and the lines they print. */
#ifndef DCS_BENCH_COMMON_H
#define DCS_BENCH_COMMON_H

#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
    struct timespec wall;  /* CLOCK_MONOTONIC */
    struct rusage usage;   /* RUSAGE_SELF: every thread of the process */
} bench_mark;

static inline bench_mark bench_now(void) {
    bench_mark m;
    clock_gettime(CLOCK_MONOTONIC, &m.wall);
    getrusage(RUSAGE_SELF, &m.usage);
    return m;
}

static inline double bench_seconds(struct timeval t) {
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static inline double bench_cpu(const bench_mark *m) {
    return bench_seconds(m->usage.ru_utime) + bench_seconds(m->usage.ru_stime);
}

/* Peak RSS in KiB: VmHWM of /proc/self/status, the high-water mark of this program's own
 * memory. Not ru_maxrss: Linux carries the RSS the process had before execve (that of the
 * Python driver that forked it) into ru_maxrss, which would hide a small client's figure. */
static inline long peak_rss_kb(long fallback) {
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return fallback;
    char line[256];
    long kb = fallback;
    while (fgets(line, sizeof line, status) != NULL)
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
    fclose(status);
    return kb;
}

/* One JSON line: the measured part's calls, CPU (user + system) and wall time, peak RSS. */
static inline void print_result(const char *client, const char *mode, int threads, long calls,
                                bench_mark start, bench_mark end) {
    double wall = (double)(end.wall.tv_sec - start.wall.tv_sec) + (double)(end.wall.tv_nsec - start.wall.tv_nsec) / 1e9;
    printf("{\"client\": \"%s\", \"mode\": \"%s\", \"threads\": %d, \"calls\": %ld, \"cpu_s\": %.6f, "
           "\"user_s\": %.6f, \"sys_s\": %.6f, \"wall_s\": %.6f, \"maxrss_kb\": %ld}\n",
           client, mode, threads, calls, bench_cpu(&end) - bench_cpu(&start),
           bench_seconds(end.usage.ru_utime) - bench_seconds(start.usage.ru_utime),
           bench_seconds(end.usage.ru_stime) - bench_seconds(start.usage.ru_stime), wall,
           peak_rss_kb(end.usage.ru_maxrss));
    fflush(stdout);
}

#define BENCH_MAX_THREADS 64

/* What each thread of a threads run gets: its warm-up calls, then the barrier every thread and
 * the main one meet at, then its measured calls. */
typedef struct {
    long warmup, n;
    pthread_barrier_t *ready;
} bench_thread_args;

/* Runs `threads` (1 to BENCH_MAX_THREADS) threads of thread_main, each given a bench_thread_args with its share of
 * `warmup` and `n`, and marks the measured part: from the barrier to the last join. */
static inline void bench_run_threads(int threads, long n, long warmup, void *(*thread_main)(void *),
                                     bench_mark *start, bench_mark *end) {
    pthread_t tid[BENCH_MAX_THREADS];
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, (unsigned)threads + 1);
    bench_thread_args args = {warmup / threads, n / threads, &ready};
    for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, thread_main, &args);
    pthread_barrier_wait(&ready);
    *start = bench_now();
    for (int i = 0; i < threads; i++) pthread_join(tid[i], NULL);
    *end = bench_now();
    pthread_barrier_destroy(&ready);
}

/* Printed right after the first answer: the driver subtracts the time it spawned the process. */
static inline void print_first_answer(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    printf("first-answer %lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
    fflush(stdout);
}

#endif
