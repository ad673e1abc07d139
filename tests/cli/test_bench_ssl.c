/* scar bench ssl as a user runs it, on a tiny model without the PyTorch side: exit status, the
 * table's rows, and the refusal of bad options. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int scar(char **out, const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s bench ssl %s", scar_bin(), args);
    return run_command(cmd, out);
}

static void tiny_run_prints_table(void **state) {
    (void)state;
    char *out = NULL;
    int rc = scar(&out, "--no-torch --batch 4 --length 64 --width 4 --proj 8 --steps 2 --warmup 0");
    if (rc != 0) print_message("%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "| scar ms/step, 1 thread (median of 2) |"));
    assert_non_null(strstr(out, "| scar ms/step, 2 threads (median of 2) |"));
    /* width 4: stem 336 + 8, stage 1 224, stage 2 784, stage 3 2976, stage 4 11584 (encoder 15912);
     * head 32x32 + BN 64 + 8x32 + 8 = 1352 */
    assert_non_null(strstr(out, "(17264 parameters)"));
    assert_null(strstr(out, "PyTorch ms/step"));
    free(out);
}

static void one_thread_count_and_plain_head(void **state) {
    (void)state;
    char *out = NULL;
    int rc = scar(&out, "--no-torch --batch 3 --length 40 --width 4 --proj 8 --steps 1 --warmup 0 --threads 1 --no-head-bn");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "| scar ms/step, 1 thread (median of 1) |"));
    assert_null(strstr(out, "scar ms/step, 2 threads"));
    assert_null(strstr(out, "(BN head)"));
    free(out);
}

static void refuses_bad_options(void **state) {
    (void)state;
    const char *bad[] = {"--batch 1", "--steps 0", "--temperature -1", "--width x", "--frobnicate", "extra"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = NULL;
        int rc = scar(&out, bad[i]);
        if (rc != 2) print_message("'%s' gave %d: %s\n", bad[i], rc, out);
        assert_int_equal(rc, 2);
        free(out);
    }
    char *out = NULL;
    assert_int_equal(scar(&out, "--help"), 0);
    assert_non_null(strstr(out, "usage: scar bench ssl"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tiny_run_prints_table),
        cmocka_unit_test(one_thread_count_and_plain_head),
        cmocka_unit_test(refuses_bad_options),
    };
    return cmocka_run_group_tests_name("scar bench ssl", tests, NULL, NULL);
}
