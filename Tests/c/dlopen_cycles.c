/*
 * dlopen and dlclose of libdcs, over and over, as a plugin host does: prints the resident
 * memory growth per cycle after a warm-up, in bytes.
 *
 *   dlopen_cycles LIBRARY CYCLES
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long resident_bytes(void) {
    FILE *statm = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (statm == NULL || fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = -1;
    if (statm != NULL) fclose(statm);
    return resident * 4096;
}

/* One cycle: load, make and free a config and a client (what a plugin does first), unload. */
static int cycle(const char *library) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 0;
    }
    const char *(*version)(void) = (const char *(*)(void))dlsym(handle, "dcs_version");
    void *(*config_new)(void) = (void *(*)(void))dlsym(handle, "dcs_config_new");
    void (*config_free)(void *) = (void (*)(void *))dlsym(handle, "dcs_config_free");
    int ok = version != NULL && config_new != NULL && config_free != NULL && strlen(version()) > 0;
    if (ok) config_free(config_new());
    dlclose(handle);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: dlopen_cycles LIBRARY CYCLES\n");
        return 2;
    }
    int cycles = atoi(argv[2]);
    for (int i = 0; i < 20; i++)
        if (!cycle(argv[1])) return 1;
    long before = resident_bytes();
    for (int i = 0; i < cycles; i++)
        if (!cycle(argv[1])) return 1;
    printf("%ld\n", (resident_bytes() - before) / cycles);
    return 0;
}
