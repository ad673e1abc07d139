#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "testutil.h"

static void aligned_and_disjoint(void **state) {
    (void)state;
    Arena *a = arena_new(4096);
    char *p[100];
    for (int i = 0; i < 100; i++) {
        p[i] = arena_alloc(a, (size_t)(i * 37 % 500) + 1);
        assert_int_equal((uintptr_t)p[i] % 64, 0);
        memset(p[i], i, (size_t)(i * 37 % 500) + 1);
    }
    for (int i = 0; i < 100; i++) assert_int_equal((unsigned char)p[i][0], i);
    arena_free(a);
}

static void reset_reuses_memory(void **state) {
    (void)state;
    Arena *a = arena_new(1 << 16);
    void *first = arena_alloc(a, 1000);
    for (int i = 0; i < 100; i++) arena_alloc(a, 3000); /* spills into more chunks */
    size_t reserved = arena_reserved(a);
    arena_reset(a);
    assert_int_equal(arena_in_use(a), 0);
    assert_ptr_equal(arena_alloc(a, 1000), first);
    for (int i = 0; i < 100; i++) arena_alloc(a, 3000);
    assert_int_equal(arena_reserved(a), reserved); /* a second step takes nothing new */
    assert_true(arena_peak(a) >= 1000 + 100 * 3000);
    arena_free(a);
}

static void mark_and_rewind(void **state) {
    (void)state;
    Arena *a = arena_new(1 << 12);
    arena_alloc(a, 100);
    ArenaMark m = arena_mark(a);
    size_t before = arena_in_use(a);
    void *x = arena_alloc(a, 5000); /* larger than a chunk */
    arena_alloc(a, 200);
    arena_reset_to(a, m);
    assert_int_equal(arena_in_use(a), before);
    (void)x;
    float *z = arena_calloc(a, 64 * sizeof(float));
    for (int i = 0; i < 64; i++) assert_true(z[i] == 0.0f);
    arena_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aligned_and_disjoint),
        cmocka_unit_test(reset_reuses_memory),
        cmocka_unit_test(mark_and_rewind),
    };
    return cmocka_run_group_tests_name("arena", tests, NULL, NULL);
}
