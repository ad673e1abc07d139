/* Every op's backward against central finite differences, in double precision (this program links
 * the core compiled with -DSCAR_F64). The loss is <out, R> for a fixed random R; each input
 * element's analytic gradient is compared with (L(x + h) - L(x - h)) / 2h, recomputing the
 * recorded tape. Shapes are odd on purpose; masks include rows and samples with nothing present. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops.h"
#include "core/parallel.h"
#include "testutil.h"

typedef struct {
    int ndim;
    int shape[4];
    int grad;          /* 1: differentiable input, checked */
    double lo, hi;     /* uniform range of the values (default [-1, 1]) */
} InSpec;

typedef Tensor *(*BuildFn)(Graph *g, Tensor **in);

static Rng g_rng;

static double loss_of(const Tensor *out, const double *R) {
    double s = 0;
    for (int64_t i = 0; i < out->numel; i++) s += out->data[i] * R[i];
    return s;
}

/* Returns the worst |num - ana| / (1e-6 + 1e-5 |num|) over the checked elements. */
static double gradcheck(const char *name, int n_in, const InSpec *spec, BuildFn build) {
    Graph *g = graph_new(1 << 20);
    Tensor *in[8];
    for (int i = 0; i < n_in; i++) {
        in[i] = tensor_new(g, spec[i].ndim, spec[i].shape);
        double lo = spec[i].lo, hi = spec[i].hi;
        if (lo == 0 && hi == 0) lo = -1, hi = 1;
        for (int64_t j = 0; j < in[i]->numel; j++) in[i]->data[j] = lo + (hi - lo) * rng_uniform_f64(&g_rng);
        in[i]->requires_grad = spec[i].grad;
    }
    Tensor *out = build(g, in);
    double *R = malloc((size_t)out->numel * sizeof(double));
    for (int64_t j = 0; j < out->numel; j++) R[j] = rng_uniform_f64(&g_rng) * 2 - 1;
    graph_backward_from(g, out, R);
    double worst = 0;
    const double h = 1e-6;
    for (int i = 0; i < n_in; i++) {
        if (!spec[i].grad) continue;
        int64_t n = in[i]->numel, step = n <= 48 ? 1 : n / 48;
        for (int64_t j = 0; j < n; j += step) {
            double x0 = in[i]->data[j];
            in[i]->data[j] = x0 + h;
            graph_recompute(g);
            double lp = loss_of(out, R);
            in[i]->data[j] = x0 - h;
            graph_recompute(g);
            double lm = loss_of(out, R);
            in[i]->data[j] = x0;
            double num = (lp - lm) / (2 * h);
            double ana = in[i]->grad ? in[i]->grad[j] : 0;
            double r = fabs(num - ana) / (1e-6 + 1e-5 * fabs(num));
            if (r > worst) worst = r;
            if (r > 1) print_message("%s: input %d element %lld: numeric %.9g analytic %.9g\n", name, i, (long long)j, num, ana);
        }
    }
    graph_recompute(g);
    free(R);
    graph_free(g);
    return worst;
}

#define CHECK(name, n, spec, fn) assert_true(gradcheck(name, n, spec, fn) <= 1.0)

/* ---- matrix products ------------------------------------------------------------------------ */
static int g_ta, g_tb;
static Tensor *b_matmul(Graph *g, Tensor **in) { return op_matmul(g, in[0], in[1], g_ta, g_tb); }
static Tensor *b_linear(Graph *g, Tensor **in) { return op_linear(g, in[0], in[1], in[2]); }
static Tensor *b_linear_nobias(Graph *g, Tensor **in) { return op_linear(g, in[0], in[1], NULL); }

static void matmul_all_layouts(void **state) {
    (void)state;
    for (g_ta = 0; g_ta < 2; g_ta++)
        for (g_tb = 0; g_tb < 2; g_tb++) {
            InSpec batched[2] = {{3, {3, g_ta ? 7 : 5, g_ta ? 5 : 7}, 1, 0, 0}, {3, {3, g_tb ? 4 : 7, g_tb ? 7 : 4}, 1, 0, 0}};
            CHECK("matmul batched", 2, batched, b_matmul);
            InSpec shared[2] = {{3, {2, g_ta ? 6 : 3, g_ta ? 3 : 6}, 1, 0, 0}, {2, {g_tb ? 5 : 6, g_tb ? 6 : 5}, 1, 0, 0}};
            CHECK("matmul shared b", 2, shared, b_matmul);
        }
    /* enough items to take the parallel path */
    g_ta = 0, g_tb = 1;
    InSpec many[2] = {{3, {9, 4, 3}, 1, 0, 0}, {3, {9, 5, 3}, 1, 0, 0}};
    CHECK("matmul many", 2, many, b_matmul);
}

static void linear_layer(void **state) {
    (void)state;
    InSpec s[3] = {{3, {2, 5, 7}, 1, 0, 0}, {2, {3, 7}, 1, 0, 0}, {1, {3}, 1, 0, 0}};
    CHECK("linear", 3, s, b_linear);
    CHECK("linear without bias", 2, s, b_linear_nobias);
}

/* ---- elementwise ------------------------------------------------------------------------------ */
static Tensor *b_add(Graph *g, Tensor **in) { return op_add(g, in[0], in[1]); }
static Tensor *b_sub(Graph *g, Tensor **in) { return op_sub(g, in[0], in[1]); }
static Tensor *b_mul(Graph *g, Tensor **in) { return op_mul(g, in[0], in[1]); }

static void broadcast_binary(void **state) {
    (void)state;
    InSpec cases[4][2] = {
        {{3, {2, 3, 5}, 1, 0, 0}, {3, {2, 3, 5}, 1, 0, 0}}, /* same shape */
        {{3, {2, 3, 5}, 1, 0, 0}, {1, {5}, 1, 0, 0}},       /* bias */
        {{3, {2, 3, 5}, 1, 0, 0}, {3, {2, 1, 5}, 1, 0, 0}}, /* general */
        {{2, {4, 3}, 1, 0, 0}, {1, {1}, 1, 0, 0}},          /* scalar */
    };
    for (int c = 0; c < 4; c++) {
        CHECK("add", 2, cases[c], b_add);
        CHECK("sub", 2, cases[c], b_sub);
        CHECK("mul", 2, cases[c], b_mul);
    }
}

static Tensor *b_scale(Graph *g, Tensor **in) { return op_scale(g, in[0], -1.7); }
static Tensor *b_exp(Graph *g, Tensor **in) { return op_exp(g, in[0]); }
static Tensor *b_clamp(Graph *g, Tensor **in) { return op_clamp(g, in[0], -0.5, 0.5); }
static Tensor *b_gelu(Graph *g, Tensor **in) { return op_gelu(g, in[0]); }
static Tensor *b_relu(Graph *g, Tensor **in) { return op_relu(g, in[0]); }
static Tensor *b_sigmoid(Graph *g, Tensor **in) { return op_sigmoid(g, in[0]); }
static Tensor *b_tanh(Graph *g, Tensor **in) { return op_tanh(g, in[0]); }

static void activations(void **state) {
    (void)state;
    InSpec s[1] = {{2, {7, 9}, 1, -3, 3}};
    CHECK("scale", 1, s, b_scale);
    CHECK("exp", 1, s, b_exp);
    CHECK("gelu", 1, s, b_gelu);
    CHECK("sigmoid", 1, s, b_sigmoid);
    CHECK("tanh", 1, s, b_tanh);
    /* kinks at 0 and at the clamp bounds: values kept away from them */
    InSpec pos[1] = {{2, {7, 9}, 1, 0.01, 0.49}}, neg[1] = {{2, {5, 3}, 1, -3, -0.01}}, out[1] = {{2, {4, 5}, 1, 0.51, 3}};
    CHECK("relu positive", 1, pos, b_relu);
    CHECK("relu negative", 1, neg, b_relu);
    CHECK("clamp inside", 1, pos, b_clamp);
    CHECK("clamp outside", 1, out, b_clamp);
}

/* ---- softmax ---------------------------------------------------------------------------------- */
static uint8_t g_mask[256];
static Tensor *b_softmax(Graph *g, Tensor **in) { return op_softmax(g, in[0], g_mask); }
static Tensor *b_log_softmax(Graph *g, Tensor **in) { return op_log_softmax(g, in[0], g_mask); }
static Tensor *b_softmax_nomask(Graph *g, Tensor **in) { return op_softmax(g, in[0], NULL); }
static Tensor *b_log_softmax_nomask(Graph *g, Tensor **in) { return op_log_softmax(g, in[0], NULL); }

static void softmax_masked(void **state) {
    (void)state;
    InSpec s[1] = {{3, {2, 3, 7}, 1, -2, 2}};
    for (int i = 0; i < 42; i++) g_mask[i] = (i * 7 + 3) % 5 != 0;
    for (int j = 0; j < 7; j++) g_mask[7 + j] = 0; /* a row with nothing present */
    CHECK("softmax masked", 1, s, b_softmax);
    CHECK("log_softmax masked", 1, s, b_log_softmax);
    CHECK("softmax", 1, s, b_softmax_nomask);
    CHECK("log_softmax", 1, s, b_log_softmax_nomask);
}

/* ---- normalisation ----------------------------------------------------------------------------- */
static real g_rmean[8], g_rvar[8];
static Tensor *b_layernorm(Graph *g, Tensor **in) { return op_layernorm(g, in[0], in[1], in[2], 1e-5); }
static Tensor *b_batchnorm(Graph *g, Tensor **in) { return op_batchnorm(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5); }
static Tensor *b_batchnorm_eval(Graph *g, Tensor **in) {
    g->training = 0;
    Tensor *y = op_batchnorm(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5);
    g->training = 1;
    return y;
}
static Tensor *b_bn_add_relu(Graph *g, Tensor **in) {
    return op_batchnorm_add_relu(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5, in[3], 1);
}
static Tensor *b_bn_relu(Graph *g, Tensor **in) { return op_batchnorm_add_relu(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5, NULL, 1); }
static Tensor *b_bn_add(Graph *g, Tensor **in) { return op_batchnorm_add_relu(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5, in[3], 0); }
static Tensor *b_bn_add_relu_eval(Graph *g, Tensor **in) {
    g->training = 0;
    Tensor *y = op_batchnorm_add_relu(g, in[0], in[1], in[2], g_rmean, g_rvar, 0.1, 1e-5, in[3], 1);
    g->training = 1;
    return y;
}
static Tensor *b_l2(Graph *g, Tensor **in) { return op_l2_normalize(g, in[0], 1e-12); }
static Tensor *b_cosine(Graph *g, Tensor **in) { return op_cosine_matrix(g, in[0], in[1]); }

static void normalisation(void **state) {
    (void)state;
    InSpec ln[3] = {{3, {2, 3, 9}, 1, 0, 0}, {1, {9}, 1, 0.5, 1.5}, {1, {9}, 1, 0, 0}};
    CHECK("layernorm", 3, ln, b_layernorm);
    InSpec bn3[3] = {{3, {3, 4, 5}, 1, 0, 0}, {1, {4}, 1, 0.5, 1.5}, {1, {4}, 1, 0, 0}};
    InSpec bn2[3] = {{2, {6, 4}, 1, 0, 0}, {1, {4}, 1, 0.5, 1.5}, {1, {4}, 1, 0, 0}};
    for (int c = 0; c < 4; c++) g_rmean[c] = 0.1 * c, g_rvar[c] = 1 + 0.2 * c;
    CHECK("batchnorm [B,C,L]", 3, bn3, b_batchnorm);
    CHECK("batchnorm [B,C]", 3, bn2, b_batchnorm);
    CHECK("batchnorm eval", 3, bn3, b_batchnorm_eval);
    /* The fused tail: + residual, then ReLU (shifts of 0.3 keep about a third of the outputs at 0). */
    InSpec bnr3[4] = {{3, {3, 4, 5}, 1, 0, 0}, {1, {4}, 1, 0.5, 1.5}, {1, {4}, 1, -0.3, 0.3}, {3, {3, 4, 5}, 1, 0, 0}};
    InSpec bnr2[4] = {{2, {6, 4}, 1, 0, 0}, {1, {4}, 1, 0.5, 1.5}, {1, {4}, 1, -0.3, 0.3}, {2, {6, 4}, 1, 0, 0}};
    CHECK("batchnorm + residual + relu [B,C,L]", 4, bnr3, b_bn_add_relu);
    CHECK("batchnorm + residual + relu [B,C]", 4, bnr2, b_bn_add_relu);
    CHECK("batchnorm + relu", 3, bnr3, b_bn_relu);
    CHECK("batchnorm + residual", 4, bnr3, b_bn_add);
    CHECK("batchnorm + residual + relu, eval", 4, bnr3, b_bn_add_relu_eval);
    InSpec l2[1] = {{2, {5, 6}, 1, 0, 0}};
    CHECK("l2_normalize", 1, l2, b_l2);
    InSpec cs[2] = {{2, {4, 6}, 1, 0, 0}, {2, {3, 6}, 1, 0, 0}};
    CHECK("cosine_matrix", 2, cs, b_cosine);
}

/* ---- attention ---------------------------------------------------------------------------------- */
static uint8_t g_keymask[3 * 7];
static Tensor *b_attention(Graph *g, Tensor **in) { return op_attention(g, in[0], g_keymask, 3); }
static Tensor *b_attention_nomask(Graph *g, Tensor **in) { return op_attention(g, in[0], NULL, 2); }

static void attention(void **state) {
    (void)state;
    /* sample 0: every token; sample 1: holes in the middle; sample 2: nothing present */
    for (int t = 0; t < 7; t++) g_keymask[t] = 1, g_keymask[7 + t] = (t % 3) != 1, g_keymask[14 + t] = 0;
    InSpec s[1] = {{3, {3, 7, 3 * 12}, 1, 0, 0}};
    CHECK("attention masked", 1, s, b_attention);
    InSpec s2[1] = {{3, {2, 5, 3 * 6}, 1, 0, 0}};
    CHECK("attention", 1, s2, b_attention_nomask);
}

/* ---- convolution and pooling ------------------------------------------------------------------ */
static int g_stride, g_pad, g_dil, g_opad;
static Tensor *b_conv(Graph *g, Tensor **in) { return op_conv1d(g, in[0], in[1], in[2], g_stride, g_pad, g_dil); }
static Tensor *b_conv_nobias(Graph *g, Tensor **in) { return op_conv1d(g, in[0], in[1], NULL, g_stride, g_pad, g_dil); }
static Tensor *b_convt(Graph *g, Tensor **in) { return op_conv_transpose1d(g, in[0], in[1], in[2], g_stride, g_pad, g_dil, g_opad); }
static Tensor *b_avgpool(Graph *g, Tensor **in) { return op_avgpool1d(g, in[0], 3, 2, 1); }
static Tensor *b_maxpool(Graph *g, Tensor **in) { return op_maxpool1d(g, in[0], 3, 2, 1); }

static void convolution(void **state) {
    (void)state;
    int geoms[3][4] = {{1, 0, 1, 0}, {2, 1, 2, 1}, {3, 2, 1, 2}};
    for (int k = 0; k < 3; k++) {
        g_stride = geoms[k][0], g_pad = geoms[k][1], g_dil = geoms[k][2], g_opad = geoms[k][3] % g_stride;
        InSpec c[3] = {{3, {3, 2, 11}, 1, 0, 0}, {3, {4, 2, 3}, 1, 0, 0}, {1, {4}, 1, 0, 0}};
        CHECK("conv1d", 3, c, b_conv);
        InSpec t[3] = {{3, {3, 2, 6}, 1, 0, 0}, {3, {2, 4, 3}, 1, 0, 0}, {1, {4}, 1, 0, 0}};
        CHECK("conv_transpose1d", 3, t, b_convt);
    }
    /* A batch that conv1d's im2col path splits into chunks of several samples, the last one short. */
    g_stride = 2, g_pad = 1, g_dil = 1;
    InSpec cb[3] = {{3, {13, 2, 9}, 1, 0, 0}, {3, {3, 2, 4}, 1, 0, 0}, {1, {3}, 1, 0, 0}};
    CHECK("conv1d, chunked batch", 3, cb, b_conv);
    /* Kernel 3, stride 1 (the Winograd path): lengths that are and are not whole tiles, paddings
     * 0 to 2, a chunked batch. */
    const int wino[4][4] = {{3, 11, 1, 1}, {2, 8, 0, 1}, {13, 7, 2, 1}, {4, 3, 1, 0}}; /* B, L, pad, bias */
    for (int k = 0; k < 4; k++) {
        g_stride = 1, g_pad = wino[k][2], g_dil = 1;
        InSpec cw[3] = {{3, {wino[k][0], 3, wino[k][1]}, 1, 0, 0}, {3, {4, 3, 3}, 1, 0, 0}, {1, {4}, 1, 0, 0}};
        CHECK(wino[k][3] ? "conv1d k3 s1" : "conv1d k3 s1, no bias", wino[k][3] ? 3 : 2, cw, wino[k][3] ? b_conv : b_conv_nobias);
    }
    /* Kernel 3, stride 2 (split by phase): even and odd lengths, paddings 0 to 2, a chunked batch. */
    const int wino2[4][4] = {{3, 12, 1, 1}, {2, 11, 0, 0}, {13, 9, 2, 1}, {3, 4, 1, 1}}; /* B, L, pad, bias */
    for (int k = 0; k < 4; k++) {
        g_stride = 2, g_pad = wino2[k][2], g_dil = 1;
        InSpec cw[3] = {{3, {wino2[k][0], 3, wino2[k][1]}, 1, 0, 0}, {3, {4, 3, 3}, 1, 0, 0}, {1, {4}, 1, 0, 0}};
        CHECK(wino2[k][3] ? "conv1d k3 s2" : "conv1d k3 s2, no bias", wino2[k][3] ? 3 : 2, cw, wino2[k][3] ? b_conv : b_conv_nobias);
    }
    InSpec p[1] = {{3, {2, 3, 10}, 1, 0, 0}};
    CHECK("avgpool1d", 1, p, b_avgpool);
    CHECK("maxpool1d", 1, p, b_maxpool);
}

/* ---- selection and shape ------------------------------------------------------------------------ */
static Tensor *b_embedding(Graph *g, Tensor **in) { return op_embedding(g, in[0], (int32_t[]){3, 0, 3, 4, 1}, 5); }
static Tensor *b_gather(Graph *g, Tensor **in) { return op_gather_rows(g, in[0], (int32_t[]){5, -1, 0, 2, 5, 1}, 6); }
static int g_axis;
static Tensor *b_concat(Graph *g, Tensor **in) { return op_concat(g, in, 5, g_axis); }
static Tensor *b_slice(Graph *g, Tensor **in) { return op_slice(g, in[0], g_axis, 1, 2); }
static Tensor *b_reshape(Graph *g, Tensor **in) { return op_mul(g, op_reshape(g, in[0], SHAPE(6, 4)), in[1]); }
static Tensor *b_transpose(Graph *g, Tensor **in) { return op_transpose(g, in[0]); }
static Tensor *b_dropout(Graph *g, Tensor **in) { return op_dropout(g, in[0], 0.3); }

static void selection(void **state) {
    (void)state;
    InSpec emb[1] = {{2, {5, 4}, 1, 0, 0}};
    CHECK("embedding", 1, emb, b_embedding);
    InSpec rows[1] = {{3, {2, 3, 4}, 1, 0, 0}};
    CHECK("gather_rows", 1, rows, b_gather);
    for (g_axis = 0; g_axis < 3; g_axis++) {
        InSpec cat[5];
        for (int i = 0; i < 5; i++) {
            int sh[3] = {2, 3, 4};
            sh[g_axis] = 1 + i % 3;
            cat[i] = (InSpec){3, {sh[0], sh[1], sh[2]}, i != 2, 0, 0};
        }
        CHECK("concat", 5, cat, b_concat);
        InSpec sl[1] = {{3, {3, 4, 5}, 1, 0, 0}};
        CHECK("slice", 1, sl, b_slice);
    }
    InSpec rs[2] = {{3, {2, 3, 4}, 1, 0, 0}, {2, {6, 4}, 1, 0, 0}};
    CHECK("reshape", 2, rs, b_reshape);
    InSpec tr[1] = {{3, {2, 3, 5}, 1, 0, 0}};
    CHECK("transpose", 1, tr, b_transpose);
    CHECK("dropout", 1, tr, b_dropout);
}

static void stop_gradient_blocks(void **state) {
    (void)state;
    Graph *g = graph_new(1 << 16);
    Tensor *x = tensor_zeros(g, SHAPE(3, 2));
    x->requires_grad = 1;
    for (int i = 0; i < 6; i++) x->data[i] = i + 1;
    /* y = x * sg(x): dy/dx = sg(x) only, not 2x */
    Tensor *y = op_sum(g, op_mul(g, x, op_stop_gradient(g, x)));
    graph_backward(g, y);
    for (int i = 0; i < 6; i++) assert_true(fabs(x->grad[i] - (i + 1)) < 1e-12);
    graph_free(g);
}

/* ---- reductions and losses ------------------------------------------------------------------------ */
static Tensor *b_sum(Graph *g, Tensor **in) { return op_sum(g, in[0]); }
static Tensor *b_mean(Graph *g, Tensor **in) { return op_mean(g, in[0]); }
static Tensor *b_mean_last(Graph *g, Tensor **in) { return op_mean_last(g, in[0]); }
static Tensor *b_pool_weighted(Graph *g, Tensor **in) { return op_pool_weighted(g, in[0], in[1]); }
static Tensor *b_ce(Graph *g, Tensor **in) { return op_cross_entropy(g, in[0], (int32_t[]){2, 0, -1, 4, 1}); }
static Tensor *b_bce(Graph *g, Tensor **in) {
    return op_bce_logits(g, in[0], in[1], (uint8_t[]){1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1});
}
static Tensor *b_kl(Graph *g, Tensor **in) {
    return op_kl_div(g, op_log_softmax(g, in[0], NULL), op_softmax(g, in[1], NULL));
}
static Tensor *b_mse(Graph *g, Tensor **in) { return op_mse(g, in[0], in[1]); }

static void reductions_and_losses(void **state) {
    (void)state;
    InSpec x[1] = {{3, {2, 3, 5}, 1, 0, 0}};
    CHECK("sum", 1, x, b_sum);
    CHECK("mean", 1, x, b_mean);
    CHECK("mean_last", 1, x, b_mean_last);
    InSpec pw[2] = {{3, {2, 3, 5}, 1, 0, 0}, {2, {2, 3}, 1, 0, 0}};
    CHECK("pool_weighted", 2, pw, b_pool_weighted);
    InSpec ce[1] = {{2, {5, 6}, 1, -3, 3}};
    CHECK("cross_entropy", 1, ce, b_ce);
    InSpec bce[2] = {{2, {3, 4}, 1, -4, 4}, {2, {3, 4}, 1, 0, 1}};
    CHECK("bce_logits", 2, bce, b_bce);
    InSpec kl[2] = {{2, {4, 5}, 1, -2, 2}, {2, {4, 5}, 1, -2, 2}};
    CHECK("kl_div", 2, kl, b_kl);
    InSpec mse[2] = {{2, {4, 5}, 1, 0, 0}, {2, {4, 5}, 1, 0, 0}};
    CHECK("mse", 2, mse, b_mse);
}

/* ---- Gumbel top-K: the backward is the soft relaxation's gradient --------------------------------- */
static uint8_t g_elig[3 * 8];
static Tensor *b_topk(Graph *g, Tensor **in) { return op_gumbel_topk(g, in[0], g_elig, (int32_t[]){3, 2, 0}, 0.7, 0); }
static Tensor *b_soft(Graph *g, Tensor **in) { return op_mul(g, op_sigmoid(g, op_scale(g, in[0], 1 / 0.7)), in[1]); }

static void gumbel_topk_straight_through(void **state) {
    (void)state;
    for (int i = 0; i < 24; i++) g_elig[i] = i % 4 != 1;
    /* The same scores and upstream through the op and through sigmoid(s / tau) * eligible: the
     * analytic gradients must agree, and the soft one is checked against finite differences. */
    Graph *g = graph_new(1 << 16);
    Tensor *s = tensor_new(g, SHAPE(3, 8)), *e = tensor_new(g, SHAPE(3, 8));
    for (int i = 0; i < 24; i++) s->data[i] = sin(i * 1.3), e->data[i] = g_elig[i];
    s->requires_grad = 1;
    Tensor *hard = b_topk(g, (Tensor *[]){s});
    real up[24];
    for (int i = 0; i < 24; i++) up[i] = cos(i * 0.7);
    graph_backward_from(g, hard, up);
    real ste[24];
    memcpy(ste, s->grad, sizeof ste);
    memset(s->grad, 0, sizeof ste);
    Tensor *soft = b_soft(g, (Tensor *[]){s, e});
    graph_backward_from(g, soft, up);
    for (int i = 0; i < 24; i++) assert_true(fabs(ste[i] - s->grad[i]) < 1e-12);
    graph_free(g);
    InSpec sp[2] = {{2, {3, 8}, 1, 0, 0}, {2, {3, 8}, 0, 1, 1}};
    CHECK("soft relaxation", 2, sp, b_soft);
}

int main(void) {
    engine_init(2);
    rng_seed(&g_rng, 2024, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matmul_all_layouts),
        cmocka_unit_test(linear_layer),
        cmocka_unit_test(broadcast_binary),
        cmocka_unit_test(activations),
        cmocka_unit_test(softmax_masked),
        cmocka_unit_test(normalisation),
        cmocka_unit_test(attention),
        cmocka_unit_test(convolution),
        cmocka_unit_test(selection),
        cmocka_unit_test(stop_gradient_blocks),
        cmocka_unit_test(reductions_and_losses),
        cmocka_unit_test(gumbel_topk_straight_through),
    };
    return cmocka_run_group_tests_name("gradcheck (float64)", tests, NULL, NULL);
}
