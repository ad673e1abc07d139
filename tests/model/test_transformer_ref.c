/* The pre-norm transformer encoder against PyTorch: tests/ref/transformer.safetensors (made by
 * tools/make_transformer_ref.py, float64 PyTorch from float32 inputs and weights) holds inputs,
 * weights, the encoder output, the loss, every gradient and the losses of 5 AdamW steps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "model/transformer.h"
#include "testutil.h"

#define REF "tests/ref/transformer.safetensors"

typedef struct {
    SafeTensors *st;
    int B, T, D, H, L, M, C;
    ParamStore ps;
    Transformer tf;
    Tensor *head;
    const uint8_t *mask;
    int32_t labels[16];
} Fixture;

static int meta_int(const SafeTensors *st, const char *key) {
    const char *v = safetensors_metadata(st, key);
    assert_non_null(v);
    return atoi(v);
}

static const float *ref_f32(const SafeTensors *st, const char *name) {
    const TensorRef *t = safetensors_find(st, name);
    if (!t) fail_msg("reference has no tensor %s", name);
    assert_int_equal(t->dtype, DTYPE_F32);
    return t->data;
}

static int setup(void **state) {
    Fixture *f = calloc(1, sizeof *f);
    f->st = safetensors_open(REF);
    if (!f->st) {
        fprintf(stderr, "%s\n", scar_last_error());
        return -1;
    }
    f->B = meta_int(f->st, "batch"), f->T = meta_int(f->st, "tokens"), f->D = meta_int(f->st, "width");
    f->H = meta_int(f->st, "heads"), f->L = meta_int(f->st, "layers"), f->M = meta_int(f->st, "mlp");
    f->C = meta_int(f->st, "classes");
    TransformerConfig cfg = {f->D, f->H, f->L, f->M, 0.0, 1e-5};
    params_init(&f->ps);
    transformer_declare(&f->tf, &f->ps, &cfg, "enc");
    f->head = params_add(&f->ps, "head_w", SHAPE(f->C, f->D), 1);
    params_finalize(&f->ps);
    for (int i = 0; i < f->ps.n; i++) {
        char name[128];
        snprintf(name, sizeof name, "weight.%s", f->ps.name[i]);
        memcpy(f->ps.tensor[i]->data, ref_f32(f->st, name), (size_t)f->ps.tensor[i]->numel * sizeof(float));
    }
    const TensorRef *m = safetensors_find(f->st, "mask");
    assert_non_null(m);
    f->mask = m->data;
    const TensorRef *lab = safetensors_find(f->st, "labels");
    assert_non_null(lab);
    for (int b = 0; b < f->B; b++) f->labels[b] = (int32_t)((const int64_t *)lab->data)[b];
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fixture *f = *state;
    transformer_free(&f->tf);
    params_free(&f->ps);
    safetensors_close(f->st);
    free(f);
    return 0;
}

/* Encoder -> mean over present tokens -> linear head -> cross-entropy, as the reference does. */
static Tensor *model_loss(Graph *g, Fixture *f, Tensor *x, Tensor **out) {
    Tensor *h = transformer_forward(g, &f->tf, x, f->mask);
    Tensor *w = tensor_zeros(g, SHAPE(f->B, f->T));
    for (int b = 0; b < f->B; b++) {
        int n = 0;
        for (int t = 0; t < f->T; t++) n += f->mask[b * f->T + t];
        for (int t = 0; t < f->T; t++) w->data[b * f->T + t] = f->mask[b * f->T + t] ? 1.0f / (float)n : 0;
    }
    if (out) *out = h;
    return op_cross_entropy(g, op_linear(g, op_pool_weighted(g, h, w), f->head, NULL), f->labels);
}

static void forward_and_gradients_match(void **state) {
    Fixture *f = *state;
    Graph *g = graph_new(1 << 20);
    params_zero_grad(&f->ps);
    Tensor *x = tensor_copy_of(g, ref_f32(f->st, "input"), SHAPE(f->B, f->T, f->D));
    x->requires_grad = 1;
    Tensor *h;
    Tensor *loss = model_loss(g, f, x, &h);
    graph_backward(g, loss);

    const double ref_loss = ((const double *)safetensors_find(f->st, "loss")->data)[0];
    print_message("loss: scar %.8f, PyTorch %.8f\n", loss->data[0], ref_loss);
    assert_true(fabs(loss->data[0] - ref_loss) < 2e-6 * (1 + fabs(ref_loss)));

    double r = max_tol_ratio(h->data, ref_f32(f->st, "output"), (size_t)h->numel, 2e-6, 2e-5);
    print_message("output: worst error / tolerance = %.3f\n", r);
    assert_true(r <= 1);
    r = max_tol_ratio(x->grad, ref_f32(f->st, "grad.input"), (size_t)x->numel, 1e-6, 2e-4);
    print_message("grad of input: worst error / tolerance = %.3f\n", r);
    assert_true(r <= 1);
    double worst = 0;
    for (int i = 0; i < f->ps.n; i++) {
        char name[128];
        snprintf(name, sizeof name, "grad.%s", f->ps.name[i]);
        double ri = max_tol_ratio(f->ps.tensor[i]->grad, ref_f32(f->st, name), (size_t)f->ps.tensor[i]->numel, 1e-6, 2e-4);
        if (ri > 1) print_message("%s: worst error / tolerance = %.3f\n", name, ri);
        if (ri > worst) worst = ri;
    }
    print_message("gradients of all %d parameter tensors: worst error / tolerance = %.3f\n", f->ps.n, worst);
    assert_true(worst <= 1);
    graph_free(g);
}

static void adamw_steps_match(void **state) {
    Fixture *f = *state;
    const SafeTensors *st = f->st;
    AdamW opt;
    adamw_init(&opt, &f->ps, atof(safetensors_metadata(st, "beta1")), atof(safetensors_metadata(st, "beta2")),
               atof(safetensors_metadata(st, "eps")), atof(safetensors_metadata(st, "weight_decay")));
    const double lr = atof(safetensors_metadata(st, "lr"));
    const double *ref = safetensors_find(st, "adamw_losses")->data;
    Graph *g = graph_new(1 << 20);
    for (int s = 0; s < 5; s++) {
        graph_reset(g);
        params_zero_grad(&f->ps);
        Tensor *x = tensor_copy_of(g, ref_f32(st, "input"), SHAPE(f->B, f->T, f->D));
        Tensor *loss = model_loss(g, f, x, NULL);
        graph_backward(g, loss);
        adamw_step(&opt, &f->ps, lr);
        print_message("AdamW step %d: loss scar %.7f, PyTorch %.7f\n", s, loss->data[0], ref[s]);
        assert_true(fabs(loss->data[0] - ref[s]) < 2e-5 * (1 + fabs(ref[s])));
    }
    graph_free(g);
    adamw_free(&opt);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_and_gradients_match),
        cmocka_unit_test(adamw_steps_match),
    };
    return cmocka_run_group_tests_name("transformer vs PyTorch", tests, setup, teardown);
}
