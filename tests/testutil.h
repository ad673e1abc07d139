/* Shared helpers for the cmocka test programs. Tests run from the repository root (make test). */
#ifndef SCAR_TESTUTIL_H
#define SCAR_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* The real ECG fixtures: $SCAR_FIXTURES, else ../shared/ecg-fixtures. NULL when absent. */
const char *fixtures_dir(void);
/* Skip the calling test (reported as skipped, not failed) when the fixtures are absent. */
#define REQUIRE_FIXTURES()                                        \
    do {                                                          \
        if (!fixtures_dir()) {                                    \
            print_message("fixtures absent: skipping\n");         \
            skip();                                               \
        }                                                         \
    } while (0)

/* A fresh temporary directory, removed with everything in it by tmpdir_remove(). */
char *tmpdir_make(void);
void tmpdir_remove(char *dir);

/* Path join into a static rotating buffer (good for a few nested calls). */
const char *path_join(const char *dir, const char *name);

/* Whole file into memory (NUL-terminated); NULL if unreadable. */
char *read_file_all(const char *path, size_t *len);
int write_file_all(const char *path, const void *data, size_t len);

/* Run a shell command, capture stdout+stderr (malloc'd, NUL-terminated) and the exit status. */
int run_command(const char *cmd, char **output);
/* The scar binary under test: $SCAR_BIN, else build/scar. */
const char *scar_bin(void);
/* run_command("<scar_bin> <printf-formatted arguments>", output). */
int run_scar(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Largest |a-b| / (atol + rtol*|b|) over n values; <= 1 means every value is within tolerance. */
double max_tol_ratio(const float *a, const float *b, size_t n, double atol, double rtol);

#endif
