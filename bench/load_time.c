/*
 * load_time: what loading libdcs costs a process, in a fresh one: the time of dlopen(RTLD_NOW)
 * plus the first call (dcs_version), and the resident memory that loading it and making one
 * client (from the environment, as dcsctl does) add. Prints one JSON line.
 *
 *   load_time /path/to/libdcs.so
 *   load_time --dlopen-only LIBRARY    the time and memory of loading LIBRARY alone (libcurl.so.4,
 *                                      what libdcs loads with it)
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Resident memory in KiB, from /proc/self/statm. */
static long resident_kib(void) {
    FILE *statm = fopen("/proc/self/statm", "r");
    long pages = 0, resident = -1;
    if (statm == NULL || fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = -1;
    if (statm != NULL) fclose(statm);
    return resident * 4;
}

static void *symbol(void *library, const char *name) {
    void *found = dlsym(library, name);
    if (found == NULL) fprintf(stderr, "load_time: %s\n", dlerror());
    return found;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--dlopen-only") == 0) {
        long before = resident_kib();
        double started = now_ms();
        if (dlopen(argv[2], RTLD_NOW | RTLD_LOCAL) == NULL) {
            fprintf(stderr, "load_time: %s\n", dlerror());
            return 2;
        }
        printf("{\"load_ms\": %.3f, \"rss_before_kib\": %ld, \"rss_loaded_kib\": %ld}\n", now_ms() - started, before,
               resident_kib());
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: load_time /path/to/libdcs.so | --dlopen-only LIBRARY\n");
        return 2;
    }
    long resident_before = resident_kib();
    double start = now_ms();
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "load_time: %s\n", dlerror());
        return 2;
    }
    const char *(*version)(void) = (const char *(*)(void))symbol(library, "dcs_version");
    if (version == NULL) return 2;
    const char *text = version();
    double end = now_ms();
    if (text == NULL || strchr(text, '.') == NULL) {
        fprintf(stderr, "load_time: dcs_version gave no version\n");
        return 2;
    }
    long resident_loaded = resident_kib();

    /* One client, as a program makes it first (nothing is sent). */
    void *(*config_new)(void) = (void *(*)(void))symbol(library, "dcs_config_new");
    int (*from_env)(void *) = (int (*)(void *))symbol(library, "dcs_config_from_env");
    int (*client_new)(void *, void **, void **) = (int (*)(void *, void **, void **))symbol(library, "dcs_client_new");
    if (config_new == NULL || from_env == NULL || client_new == NULL) return 2;
    void *cfg = config_new();
    void *client = NULL;
    if (from_env(cfg) != 0 || client_new(cfg, &client, NULL) != 0) {
        fprintf(stderr, "load_time: no client from the environment\n");
        return 2;
    }
    long resident_client = resident_kib();
    printf("{\"load_ms\": %.3f, \"version\": \"%s\", \"rss_before_kib\": %ld, \"rss_loaded_kib\": %ld, "
           "\"rss_client_kib\": %ld}\n", end - start, text, resident_before, resident_loaded, resident_client);
    return 0;
}
