/* Same seed, same data, same thread count -> the same bits: a few training steps of a small
 * transformer with dropout (drawn from the graph's RNG), run twice per thread count. */
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "model/transformer.h"
#include "testutil.h"

/* Train 4 steps from seed 11; return the final parameters (malloc'd) and the losses. */
static float *train(int threads, float losses[4], int64_t *total) {
    engine_init(threads);
    TransformerConfig cfg = {24, 3, 2, 48, 0.1, 1e-5};
    ParamStore ps;
    params_init(&ps);
    Transformer tf;
    transformer_declare(&tf, &ps, &cfg, "enc");
    Tensor *head = params_add(&ps, "head", SHAPE(4, 24), 1);
    params_finalize(&ps);
    Rng rng;
    rng_seed(&rng, 11, 0);
    transformer_init(&tf, &rng);
    init_normal(head, &rng, 0.02);
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.999, 1e-8, 0.01);
    Graph *g = graph_new(1 << 22);
    rng_seed(&g->rng, 11, 1);
    const int B = 6, T = 40;
    uint8_t mask[6 * 40];
    for (int i = 0; i < B * T; i++) mask[i] = (i % 7) != 3;
    for (int s = 0; s < 4; s++) {
        graph_reset(g);
        params_zero_grad(&ps);
        Tensor *x = tensor_new(g, SHAPE(B, T, 24));
        for (int64_t i = 0; i < x->numel; i++) x->data[i] = (float)rng_normal(&rng);
        Tensor *h = transformer_forward(g, &tf, x, mask);
        Tensor *w = tensor_new(g, SHAPE(B, T));
        for (int i = 0; i < B * T; i++) w->data[i] = mask[i] / 34.0f;
        int32_t y[6] = {0, 1, 2, 3, 1, 2};
        Tensor *loss = op_cross_entropy(g, op_linear(g, op_pool_weighted(g, h, w), head, NULL), y);
        graph_backward(g, loss);
        clip_grad_norm(&ps, 1.0);
        adamw_step(&opt, &ps, 1e-3);
        losses[s] = loss->data[0];
    }
    float *out = malloc(sizeof(float) * (size_t)ps.total);
    memcpy(out, ps.data, sizeof(float) * (size_t)ps.total);
    *total = ps.total;
    graph_free(g);
    adamw_free(&opt);
    transformer_free(&tf);
    params_free(&ps);
    return out;
}

static void identical_bits_per_thread_count(void **state) {
    (void)state;
    for (int threads = 1; threads <= 2; threads++) {
        float la[4], lb[4];
        int64_t na, nb;
        float *a = train(threads, la, &na), *b = train(threads, lb, &nb);
        assert_memory_equal(la, lb, sizeof la);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, sizeof(float) * (size_t)na); /* every parameter, bit for bit */
        free(a), free(b);
        assert_true(la[3] != la[0]); /* it did train */
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(identical_bits_per_thread_count)};
    return cmocka_run_group_tests_name("determinism", tests, NULL, NULL);
}
