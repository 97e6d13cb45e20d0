#ifndef DCS_FUZZ_DRIVER_H
#define DCS_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry for programs with a main of their own: SwiftPM gives every executable its
 * own main, so the fuzz targets call this from theirs. Defined by the fuzzer runtime that
 * -sanitize=fuzzer links in; only referenced when built with -D DCS_FUZZ. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
