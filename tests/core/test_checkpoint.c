/* Checkpoints: save -> load restores every bit; stopping, saving, loading and continuing gives the
 * same bits as never stopping (parameters, AdamW moments, RNG state, counters); a checkpoint of
 * another model is refused with a message naming the tensor. */
#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"
#include "core/error.h"
#include "core/parallel.h"
#include "testutil.h"

typedef struct {
    ParamStore ps;
    Tensor *w, *b;
    AdamW opt;
    Rng rng;
    int64_t step;
} Toy;

static void toy_init(Toy *t, int rows) {
    params_init(&t->ps);
    t->w = params_add(&t->ps, "layer.w", SHAPE(rows, 7), 1);
    t->b = params_add(&t->ps, "layer.b", SHAPE(7), 0);
    params_finalize(&t->ps);
    adamw_init(&t->opt, &t->ps, 0.9, 0.999, 1e-8, 0.01);
    rng_seed(&t->rng, 3, 0);
    for (int64_t i = 0; i < t->w->numel; i++) t->w->data[i] = (float)rng_normal(&t->rng);
    t->step = 0;
}

static void toy_free(Toy *t) {
    adamw_free(&t->opt);
    params_free(&t->ps);
}

/* A step whose gradient depends on the RNG: a restored RNG matters. */
static void toy_step(Toy *t) {
    for (int64_t i = 0; i < t->w->numel; i++) t->w->grad[i] = t->w->data[i] + (float)rng_normal(&t->rng);
    for (int i = 0; i < 7; i++) t->b->grad[i] = (float)rng_uniform(&t->rng);
    adamw_step(&t->opt, &t->ps, 0.01);
    t->step++;
}

static TrainState state_of(Toy *t, Rng **rp, int64_t **cp) {
    static const char *rng_names[] = {"data"}, *counter_names[] = {"step"};
    rp[0] = &t->rng;
    cp[0] = &t->step;
    TrainState s = {&t->ps, &t->opt, NULL, 1, rp, rng_names, 1, cp, counter_names};
    return s;
}

static void resume_is_bit_identical(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "ckpt.safetensors");
    Toy straight, first, resumed;
    toy_init(&straight, 5);
    for (int i = 0; i < 8; i++) toy_step(&straight);

    toy_init(&first, 5);
    for (int i = 0; i < 4; i++) toy_step(&first);
    Rng *rp[1];
    int64_t *cp[1];
    TrainState s = state_of(&first, rp, cp);
    assert_int_equal(checkpoint_save(path, &s, (const char *[]){"model", "toy", NULL}), 0);

    toy_init(&resumed, 5); /* fresh values everywhere, then overwritten by the checkpoint */
    toy_step(&resumed);
    Rng *rp2[1];
    int64_t *cp2[1];
    TrainState s2 = state_of(&resumed, rp2, cp2);
    SafeTensors *st = NULL;
    assert_int_equal(checkpoint_load(path, &s2, &st), 0);
    assert_string_equal(safetensors_metadata(st, "model"), "toy");
    safetensors_close(st);
    assert_int_equal(resumed.step, 4);
    assert_int_equal(resumed.opt.step, 4);
    for (int i = 0; i < 4; i++) toy_step(&resumed);
    assert_memory_equal(resumed.ps.data, straight.ps.data, sizeof(float) * (size_t)straight.ps.total);
    assert_memory_equal(resumed.opt.v, straight.opt.v, sizeof(float) * (size_t)straight.ps.total);
    assert_memory_equal(&resumed.rng, &straight.rng, sizeof(Rng));
    toy_free(&straight), toy_free(&first), toy_free(&resumed);
    tmpdir_remove(dir);
}

static void other_model_is_refused(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "ckpt.safetensors");
    Toy a, b;
    toy_init(&a, 5);
    toy_init(&b, 6); /* layer.w is [6, 7] here */
    Rng *rp[1];
    int64_t *cp[1];
    TrainState s = state_of(&a, rp, cp);
    assert_int_equal(checkpoint_save(path, &s, NULL), 0);
    TrainState s2 = state_of(&b, rp, cp);
    assert_int_equal(checkpoint_load(path, &s2, NULL), -1);
    assert_non_null(strstr(scar_last_error(), "layer.w"));
    assert_non_null(strstr(scar_last_error(), "ckpt.safetensors"));
    /* a safetensors file that is not a checkpoint */
    const char *other = path_join(dir, "other.safetensors");
    float v = 1;
    TensorRef r = {.name = "x", .dtype = DTYPE_F32, .ndim = 1, .shape = {1}, .data = &v};
    assert_int_equal(safetensors_write(other, &r, 1, NULL), 0);
    assert_int_equal(checkpoint_load(other, &s2, NULL), -1);
    assert_non_null(strstr(scar_last_error(), "not a scar checkpoint"));
    toy_free(&a), toy_free(&b);
    tmpdir_remove(dir);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {cmocka_unit_test(resume_is_bit_identical), cmocka_unit_test(other_model_is_refused)};
    return cmocka_run_group_tests_name("checkpoint", tests, NULL, NULL);
}
