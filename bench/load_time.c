/*
 * load_time: the cost of loading libdcs: dlopen(RTLD_NOW) of the library plus the first call
 * of dcs_version, in a fresh process. Prints one JSON line with load_ms.
 *
 *   load_time /path/to/libdcs.so
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

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: load_time /path/to/libdcs.so\n");
        return 2;
    }
    double start = now_ms();
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        fprintf(stderr, "load_time: %s\n", dlerror());
        return 2;
    }
    const char *(*version)(void) = (const char *(*)(void))dlsym(library, "dcs_version");
    if (version == NULL) {
        fprintf(stderr, "load_time: %s\n", dlerror());
        return 2;
    }
    const char *text = version();
    double end = now_ms();
    if (text == NULL || strchr(text, '.') == NULL) {
        fprintf(stderr, "load_time: dcs_version gave no version\n");
        return 2;
    }
    printf("{\"load_ms\": %.3f, \"version\": \"%s\"}\n", end - start, text);
    return 0;
}
