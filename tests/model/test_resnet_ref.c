/* The 1-D ResNet-18, the SimCLR projection head and NT-Xent against PyTorch:
 * tests/ref/resnet_ntxent.safetensors (made by tools/make_resnet_ref.py, float64 PyTorch from float32
 * inputs and weights) holds the inputs, weights, BN buffers, outputs, loss, every gradient, the
 * losses of 3 AdamW steps and the evaluation-mode outputs after them. NT-Xent is also checked on a
 * case worked out by hand. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "core/safetensors.h"
#include "model/ntxent.h"
#include "model/resnet1d.h"
#include "testutil.h"

#define REF "tests/ref/resnet_ntxent.safetensors"
/* Gradient tolerance: 1e-4 of the tensor's largest magnitude plus 1e-3 relative. */
#define GRAD_ATOL_OF_MAX 1e-4
#define GRAD_RTOL 1e-3

typedef struct {
    SafeTensors *st;
    int B, C, L, W, P;
    double temperature;
    ParamStore ps;
    ResNet1d enc;
    ProjectionHead head;
} Fixture;

static int meta_int(const SafeTensors *st, const char *key) {
    const char *v = safetensors_metadata(st, key);
    assert_non_null(v);
    return atoi(v);
}

static double meta_real(const SafeTensors *st, const char *key) {
    const char *v = safetensors_metadata(st, key);
    assert_non_null(v);
    return atof(v);
}

static const float *ref_f32(const SafeTensors *st, const char *name) {
    const TensorRef *t = safetensors_find(st, name);
    if (!t) fail_msg("reference has no tensor %s", name);
    assert_int_equal(t->dtype, DTYPE_F32);
    return t->data;
}

static double ref_f64(const SafeTensors *st, const char *name, int i) {
    const TensorRef *t = safetensors_find(st, name);
    if (!t) fail_msg("reference has no tensor %s", name);
    assert_int_equal(t->dtype, DTYPE_F64);
    return ((const double *)t->data)[i];
}

/* Every parameter and buffer from the reference's starting values. */
static void load_start(Fixture *f) {
    for (int i = 0; i < f->ps.n; i++) {
        char name[128];
        snprintf(name, sizeof name, "weight.%s", f->ps.name[i]);
        memcpy(f->ps.tensor[i]->data, ref_f32(f->st, name), (size_t)f->ps.tensor[i]->numel * sizeof(float));
    }
}

static int setup(void **state) {
    Fixture *f = calloc(1, sizeof *f);
    f->st = safetensors_open(REF);
    if (!f->st) {
        fprintf(stderr, "%s\n", scar_last_error());
        return -1;
    }
    f->B = meta_int(f->st, "batch"), f->C = meta_int(f->st, "leads"), f->L = meta_int(f->st, "length");
    f->W = meta_int(f->st, "width"), f->P = meta_int(f->st, "proj");
    f->temperature = meta_real(f->st, "temperature");
    ResNet1dConfig cfg = resnet1d_config_default();
    cfg.in_channels = f->C;
    cfg.base_width = f->W;
    ProjectionHeadConfig hc = projection_head_config_default(resnet1d_out_features(&cfg));
    hc.out = f->P;
    params_init(&f->ps);
    resnet1d_declare(&f->enc, &f->ps, &cfg, "enc");
    projection_head_declare(&f->head, &f->ps, &hc, "proj");
    params_finalize(&f->ps);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fixture *f = *state;
    params_free(&f->ps);
    safetensors_close(f->st);
    free(f);
    return 0;
}

/* Both views through the encoder as one batch, the head, NT-Xent over the two halves. */
static Tensor *simclr_loss(Graph *g, Fixture *f, Tensor *x1, Tensor *x2, Tensor **features, Tensor **proj) {
    Tensor *views[2] = {x1, x2};
    Tensor *h = resnet1d_forward(g, &f->enc, op_concat(g, views, 2, 0)); /* [2B, 8W] */
    Tensor *z = projection_head_forward(g, &f->head, h);                 /* [2B, P] */
    if (features) *features = h;
    if (proj) *proj = z;
    return ntxent_loss(g, op_slice(g, z, 0, 0, f->B), op_slice(g, z, 0, f->B, f->B), f->temperature, NULL);
}

/* Gradients sum over many paths: an element near 0 carries the rounding of the tensor's large
 * elements, so the absolute part of the tolerance scales with the tensor's largest magnitude. */
static double scaled_ratio(const float *a, const float *ref, size_t n, double rel_to_max, double rtol) {
    double mx = 0;
    for (size_t i = 0; i < n; i++) mx = fabs(ref[i]) > mx ? fabs(ref[i]) : mx;
    return max_tol_ratio(a, ref, n, rel_to_max * mx + 1e-30, rtol);
}

static void check_grad(const char *what, const float *a, const float *ref, size_t n) {
    double r = scaled_ratio(a, ref, n, GRAD_ATOL_OF_MAX, GRAD_RTOL);
    print_message("%s: worst error / tolerance = %.3f\n", what, r);
    assert_true(r <= 1);
}

static double check(const char *what, const float *a, const float *ref, size_t n, double atol, double rtol) {
    double r = max_tol_ratio(a, ref, n, atol, rtol);
    print_message("%s: worst error / tolerance = %.3f\n", what, r);
    assert_true(r <= 1);
    return r;
}

static void forward_and_gradients_match(void **state) {
    Fixture *f = *state;
    load_start(f);
    params_zero_grad(&f->ps);
    Graph *g = graph_new(1 << 22);
    Tensor *x1 = tensor_copy_of(g, ref_f32(f->st, "input.x1"), SHAPE(f->B, f->C, f->L));
    Tensor *x2 = tensor_copy_of(g, ref_f32(f->st, "input.x2"), SHAPE(f->B, f->C, f->L));
    x1->requires_grad = x2->requires_grad = 1;
    Tensor *h, *z;
    Tensor *loss = simclr_loss(g, f, x1, x2, &h, &z);
    assert_int_equal(h->shape[0], 2 * f->B);
    assert_int_equal(h->shape[1], 8 * f->W);
    graph_backward(g, loss);

    const double ref_loss = ref_f64(f->st, "loss", 0);
    print_message("loss: scar %.8f, PyTorch %.8f\n", loss->data[0], ref_loss);
    assert_true(fabs(loss->data[0] - ref_loss) < 1e-5 * (1 + fabs(ref_loss)));
    check("features", h->data, ref_f32(f->st, "features"), (size_t)h->numel, 1e-5, 1e-4);
    check("projections", z->data, ref_f32(f->st, "proj"), (size_t)z->numel, 1e-5, 1e-4);
    check_grad("grad of view 1", x1->grad, ref_f32(f->st, "grad.x1"), (size_t)x1->numel);
    check_grad("grad of view 2", x2->grad, ref_f32(f->st, "grad.x2"), (size_t)x2->numel);
    double worst = 0, worst_buf = 0;
    int n_grad = 0, n_buf = 0;
    for (int i = 0; i < f->ps.n; i++) {
        char name[128];
        const Tensor *t = f->ps.tensor[i];
        if (f->ps.trainable[i]) {
            snprintf(name, sizeof name, "grad.%s", f->ps.name[i]);
            double r = scaled_ratio(t->grad, ref_f32(f->st, name), (size_t)t->numel, GRAD_ATOL_OF_MAX, GRAD_RTOL);
            if (r > 1) print_message("%s: worst error / tolerance = %.3f\n", name, r);
            worst = r > worst ? r : worst;
            n_grad++;
        } else { /* running statistics after one training-mode forward */
            snprintf(name, sizeof name, "buffer.%s", f->ps.name[i]);
            double r = max_tol_ratio(t->data, ref_f32(f->st, name), (size_t)t->numel, 1e-6, 1e-5);
            if (r > 1) print_message("%s: worst error / tolerance = %.3f\n", name, r);
            worst_buf = r > worst_buf ? r : worst_buf;
            n_buf++;
        }
    }
    print_message("gradients of all %d parameter tensors: worst error / tolerance = %.3f\n", n_grad, worst);
    print_message("all %d running-statistics buffers: worst error / tolerance = %.3f\n", n_buf, worst_buf);
    assert_true(worst <= 1);
    assert_true(worst_buf <= 1);
    graph_free(g);
}

static void adamw_steps_and_eval_match(void **state) {
    Fixture *f = *state;
    const SafeTensors *st = f->st;
    load_start(f);
    AdamW opt;
    adamw_init(&opt, &f->ps, meta_real(st, "beta1"), meta_real(st, "beta2"), meta_real(st, "eps"), meta_real(st, "weight_decay"));
    const double lr = meta_real(st, "lr");
    Graph *g = graph_new(1 << 22);
    for (int s = 0; s < 3; s++) {
        graph_reset(g);
        params_zero_grad(&f->ps);
        Tensor *x1 = tensor_copy_of(g, ref_f32(st, "input.x1"), SHAPE(f->B, f->C, f->L));
        Tensor *x2 = tensor_copy_of(g, ref_f32(st, "input.x2"), SHAPE(f->B, f->C, f->L));
        Tensor *loss = simclr_loss(g, f, x1, x2, NULL, NULL);
        graph_backward(g, loss);
        adamw_step(&opt, &f->ps, lr);
        const double ref = ref_f64(st, "adamw_losses", s);
        print_message("AdamW step %d: loss scar %.7f, PyTorch %.7f\n", s, loss->data[0], ref);
        assert_true(fabs(loss->data[0] - ref) < 1e-4 * (1 + fabs(ref)));
    }
    /* Evaluation mode: the running statistics moved by the 3 steps, and they stay put now. */
    graph_reset(g);
    g->training = 0;
    g->grad_enabled = 0;
    const Tensor *rv = f->enc.blocks[7].bn2.var;
    const float before = rv->data[3];
    Tensor *x1 = tensor_copy_of(g, ref_f32(st, "input.x1"), SHAPE(f->B, f->C, f->L));
    Tensor *h = resnet1d_forward(g, &f->enc, x1);
    Tensor *z = projection_head_forward(g, &f->head, h);
    assert_true(rv->data[3] == before);
    check("eval-mode features after 3 steps", h->data, ref_f32(st, "eval.features"), (size_t)h->numel, 1e-4, 1e-3);
    check("eval-mode projections after 3 steps", z->data, ref_f32(st, "eval.proj"), (size_t)z->numel, 1e-4, 1e-3);

    /* With running statistics a sample's output does not depend on the rest of the batch. */
    Tensor *one = tensor_copy_of(g, x1->data + (size_t)f->C * f->L, SHAPE(1, f->C, f->L));
    Tensor *h1 = resnet1d_forward(g, &f->enc, one);
    const int F = h->shape[1];
    for (int j = 0; j < F; j++) assert_float_equal(h1->data[j], h->data[F + j], 1e-5 * (1 + fabs(h->data[F + j])));
    graph_free(g);
    adamw_free(&opt);
}

static void ntxent_alone_matches(void **state) {
    Fixture *f = *state;
    const int B = 5, P = 7;
    Graph *g = graph_new(1 << 16);
    Tensor *z1 = tensor_copy_of(g, ref_f32(f->st, "ntxent.z1"), SHAPE(B, P));
    Tensor *z2 = tensor_copy_of(g, ref_f32(f->st, "ntxent.z2"), SHAPE(B, P));
    z1->requires_grad = z2->requires_grad = 1;
    Tensor *loss = ntxent_loss(g, z1, z2, meta_real(f->st, "ntxent_temperature"), NULL);
    graph_backward(g, loss);
    const double ref = ref_f64(f->st, "ntxent.loss", 0);
    print_message("NT-Xent alone: scar %.8f, PyTorch %.8f\n", loss->data[0], ref);
    assert_true(fabs(loss->data[0] - ref) < 1e-6 * (1 + fabs(ref)));
    check("NT-Xent grad of z1", z1->grad, ref_f32(f->st, "ntxent.grad.z1"), (size_t)z1->numel, 1e-7, 1e-5);
    check("NT-Xent grad of z2", z2->grad, ref_f32(f->st, "ntxent.grad.z2"), (size_t)z2->numel, 1e-7, 1e-5);
    graph_free(g);
}

static void plain_head_matches(void **state) {
    Fixture *f = *state;
    ParamStore ps;
    params_init(&ps);
    ProjectionHead head;
    ProjectionHeadConfig hc = {12, 10, 6, 0};
    projection_head_declare(&head, &ps, &hc, "proj");
    params_finalize(&ps);
    assert_null(params_find(&ps, "proj.bn_w"));
    const char *names[4] = {"fc1_w", "fc1_b", "fc2_w", "fc2_b"};
    for (int i = 0; i < 4; i++) {
        char n[64], r[64];
        snprintf(n, sizeof n, "proj.%s", names[i]);
        snprintf(r, sizeof r, "plain.weight.%s", names[i]);
        Tensor *t = params_find(&ps, n);
        assert_non_null(t);
        memcpy(t->data, ref_f32(f->st, r), (size_t)t->numel * sizeof(float));
    }
    Graph *g = graph_new(1 << 16);
    Tensor *x = tensor_copy_of(g, ref_f32(f->st, "plain.input"), SHAPE(8, 12));
    Tensor *z = projection_head_forward(g, &head, x);
    Tensor *loss = ntxent_loss(g, op_slice(g, z, 0, 0, 4), op_slice(g, z, 0, 4, 4), meta_real(f->st, "plain_temperature"), NULL);
    graph_backward(g, loss);
    check("plain head output", z->data, ref_f32(f->st, "plain.output"), (size_t)z->numel, 1e-6, 1e-5);
    const double ref = ref_f64(f->st, "plain.loss", 0);
    assert_true(fabs(loss->data[0] - ref) < 1e-6 * (1 + fabs(ref)));
    for (int i = 0; i < 4; i++) {
        char n[64], r[64];
        snprintf(n, sizeof n, "proj.%s", names[i]);
        snprintf(r, sizeof r, "plain.grad.%s", names[i]);
        const Tensor *t = params_find(&ps, n);
        check(r, t->grad, ref_f32(f->st, r), (size_t)t->numel, 1e-6, 1e-4);
    }
    graph_free(g);
    params_free(&ps);
}

/* Two samples, 2-D projections: view 2 is view 1 turned by 60 degrees, and the rows are scaled
 * (NT-Xent must not care). Cosines: a0.b0 = a1.b1 = c, a0.b1 = -s, a1.b0 = s, a0.a1 = b0.b1 = 0
 * (c = cos 60, s = sin 60). With T = 0.5, each anchor's loss is -c/T + log of the sum of exp over
 * its 3 candidates:
 *   a0: {a1 0, b0 c, b1 -s}  a1: {a0 0, b0 s, b1 c}  b0: {a0 c, a1 s, b1 0}  b1: {a0 -s, a1 c, b0 0}
 * mean = -c/T + (log(1 + e^{c/T} + e^{-s/T}) + log(1 + e^{c/T} + e^{s/T})) / 2.
 * Top-1: a0 -> b0 (right), a1 -> b0 (s > c, wrong), b0 -> a1 (wrong), b1 -> a1 (right): 1/2. */
static void ntxent_by_hand(void **state) {
    (void)state;
    const double c = 0.5, s = sqrt(3.0) / 2, T = 0.5;
    Graph *g = graph_new(1 << 16);
    const float z1v[4] = {3, 0, 0, 3}, z2v[4] = {(float)(0.5 * c), (float)(0.5 * s), (float)(-2 * s), (float)(2 * c)};
    Tensor *z1 = tensor_copy_of(g, z1v, SHAPE(2, 2)), *z2 = tensor_copy_of(g, z2v, SHAPE(2, 2));
    z1->requires_grad = z2->requires_grad = 1;
    Tensor *logits;
    Tensor *loss = ntxent_loss(g, z1, z2, T, &logits);
    const double expect = -c / T + 0.5 * (log(1 + exp(c / T) + exp(-s / T)) + log(1 + exp(c / T) + exp(s / T)));
    print_message("NT-Xent by hand: %.7f, scar %.7f\n", expect, loss->data[0]);
    assert_float_equal(loss->data[0], expect, 1e-6);
    assert_float_equal(logits->data[0 * 4 + 2], c / T, 1e-6);
    assert_float_equal(logits->data[1 * 4 + 2], s / T, 1e-6);
    assert_float_equal(ntxent_accuracy(logits), 0.5, 1e-12);
    /* The loss does not change with a row's length, so its gradient is orthogonal to the row. */
    graph_backward(g, loss);
    for (int i = 0; i < 2; i++) {
        const float *za = z1v + 2 * i, *zb = z2v + 2 * i, *ga = z1->grad + 2 * i, *gb = z2->grad + 2 * i;
        assert_true(fabs(ga[0]) + fabs(ga[1]) > 1e-3);
        assert_float_equal(za[0] * ga[0] + za[1] * ga[1], 0, 1e-6);
        assert_float_equal(zb[0] * gb[0] + zb[1] * gb[1], 0, 1e-6);
    }
    /* One sample: the partner is the only candidate, so the loss is exactly log 1 = 0. */
    graph_reset(g);
    Tensor *one = ntxent_loss(g, tensor_copy_of(g, z1v, SHAPE(1, 2)), tensor_copy_of(g, z2v, SHAPE(1, 2)), T, NULL);
    assert_float_equal(one->data[0], 0, 1e-7);
    graph_free(g);
}

/* Output sizes over lengths down to 1, the feature count, the standard ResNet-18's size. */
static void shapes_and_size(void **state) {
    Fixture *f = *state;
    ResNet1dConfig cfg = resnet1d_config_default();
    assert_int_equal(cfg.in_channels, 12);
    assert_int_equal(cfg.base_width, 64);
    assert_int_equal(resnet1d_out_features(&cfg), 512);
    assert_int_equal(resnet1d_config_validate(&cfg, "test"), 0);
    cfg.base_width = 0;
    assert_int_equal(resnet1d_config_validate(&cfg, "test"), -1);
    cfg = resnet1d_config_default();
    ParamStore ps;
    params_init(&ps);
    ResNet1d big;
    resnet1d_declare(&big, &ps, &cfg, "enc");
    params_finalize(&ps);
    print_message("ResNet-18 (1-D, 12 leads, width 64): %lld parameters, PyTorch %d\n", (long long)params_count(&ps),
                  meta_int(f->st, "encoder_params_w64"));
    assert_int_equal(params_count(&ps), meta_int(f->st, "encoder_params_w64"));
    assert_null(big.blocks[0].down_w);
    assert_non_null(big.blocks[2].down_w);
    params_free(&ps);

    load_start(f);
    Graph *g = graph_new(1 << 20);
    g->training = 0;
    g->grad_enabled = 0;
    const int lengths[4] = {1, 2, 33, 250};
    for (int i = 0; i < 4; i++) {
        graph_reset(g);
        Tensor *x = tensor_zeros(g, SHAPE(2, f->C, lengths[i]));
        Tensor *h = resnet1d_forward(g, &f->enc, x);
        assert_int_equal(h->ndim, 2);
        assert_int_equal(h->shape[0], 2);
        assert_int_equal(h->shape[1], 8 * f->W);
        for (int64_t j = 0; j < h->numel; j++) assert_true(isfinite(h->data[j]));
    }
    graph_free(g);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_and_gradients_match),
        cmocka_unit_test(adamw_steps_and_eval_match),
        cmocka_unit_test(ntxent_alone_matches),
        cmocka_unit_test(plain_head_matches),
        cmocka_unit_test(ntxent_by_hand),
        cmocka_unit_test(shapes_and_size),
    };
    return cmocka_run_group_tests_name("ResNet-1d and NT-Xent vs PyTorch", tests, setup, teardown);
}
