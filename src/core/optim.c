#include "core/optim.h"

#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include "core/error.h"
#include "core/parallel.h"

static real *zeros(int64_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)(n ? n : 1) * sizeof(real)) != 0) xmalloc(SIZE_MAX);
    memset(p, 0, (size_t)(n ? n : 1) * sizeof(real));
    return p;
}

void adamw_init(AdamW *opt, const ParamStore *ps, double beta1, double beta2, double eps, double weight_decay) {
    memset(opt, 0, sizeof *opt);
    opt->beta1 = beta1;
    opt->beta2 = beta2;
    opt->eps = eps;
    opt->weight_decay = weight_decay;
    opt->total = ps->total;
    opt->n = ps->n;
    opt->steps = xcalloc((size_t)(ps->n ? ps->n : 1), sizeof(int64_t));
    opt->m = zeros(ps->total);
    opt->v = zeros(ps->total);
}

void adamw_free(AdamW *opt) {
    free(opt->steps);
    free(opt->m);
    free(opt->v);
    memset(opt, 0, sizeof *opt);
}

void adamw_step_subset(AdamW *opt, ParamStore *ps, double lr, const uint8_t *active) {
    opt->step++;
    const real b1 = (real)opt->beta1, b2 = (real)opt->beta2, eps = (real)opt->eps;
    /* One parallel region for all tensors and no barrier between them (each element's update is
     * independent): waking threads once per tensor costs more than small tensors' updates. */
#pragma omp parallel if (ps->total > PAR_MIN_ELEMS)
    for (int i = 0; i < ps->n; i++) {
        if (!ps->trainable[i] || (active && !active[i])) continue;
        const int64_t t = opt->steps[i] + 1;
        const double bc1 = 1 - pow(opt->beta1, (double)t), bc2 = 1 - pow(opt->beta2, (double)t);
        const real step_size = (real)(lr / bc1), inv_sqrt_bc2 = (real)(1 / sqrt(bc2));
        const int64_t off = ps->offset[i], n = ps->tensor[i]->numel;
        const real decay = ps->decay[i] ? (real)(1 - lr * opt->weight_decay) : 1;
        real *p = ps->data + off, *gr = ps->grad + off, *m = opt->m + off, *v = opt->v + off;
#pragma omp for simd schedule(static) nowait
        for (int64_t j = 0; j < n; j++) {
            p[j] *= decay;
            m[j] = b1 * m[j] + (1 - b1) * gr[j];
            v[j] = b2 * v[j] + (1 - b2) * gr[j] * gr[j];
            p[j] -= step_size * m[j] / (sqrt(v[j]) * inv_sqrt_bc2 + eps);
        }
    }
    for (int i = 0; i < ps->n; i++)
        if (ps->trainable[i] && (!active || active[i])) opt->steps[i]++;
}

void adamw_step(AdamW *opt, ParamStore *ps, double lr) { adamw_step_subset(opt, ps, lr, NULL); }

void sgd_init(Sgd *opt, const ParamStore *ps, double momentum, double weight_decay, int nesterov) {
    memset(opt, 0, sizeof *opt);
    opt->momentum = momentum;
    opt->weight_decay = weight_decay;
    opt->nesterov = nesterov;
    opt->buf = zeros(ps->total);
}

void sgd_free(Sgd *opt) {
    free(opt->buf);
    memset(opt, 0, sizeof *opt);
}

void sgd_step(Sgd *opt, ParamStore *ps, double lr) {
    const real mu = (real)opt->momentum, l = (real)lr;
    const int first = opt->step == 0;
    opt->step++;
    for (int i = 0; i < ps->n; i++) {
        if (!ps->trainable[i]) continue;
        const int64_t off = ps->offset[i], n = ps->tensor[i]->numel;
        const real wd = ps->decay[i] ? (real)opt->weight_decay : 0;
        real *p = ps->data + off, *gr = ps->grad + off, *b = opt->buf + off;
#pragma omp parallel for simd schedule(static) if (n > PAR_MIN_ELEMS)
        for (int64_t j = 0; j < n; j++) {
            real d = gr[j] + wd * p[j];
            if (mu != 0) {
                b[j] = first ? d : mu * b[j] + d; /* PyTorch starts the buffer at the first gradient */
                d = opt->nesterov ? d + mu * b[j] : b[j];
            }
            p[j] -= l * d;
        }
    }
}

double clip_grad_norm_subset(ParamStore *ps, double max_norm, const uint8_t *active) {
    double sq = 0;
    for (int i = 0; i < ps->n; i++) {
        if (!ps->trainable[i] || (active && !active[i])) continue;
        const real *gr = ps->grad + ps->offset[i];
        const int64_t n = ps->tensor[i]->numel;
        double s = 0;
        for (int64_t j = 0; j < n; j++) s += (double)gr[j] * gr[j];
        sq += s;
    }
    double norm = sqrt(sq);
    if (max_norm > 0 && norm > max_norm && isfinite(norm)) {
        const real scale = (real)(max_norm / (norm + 1e-6));
        for (int i = 0; i < ps->n; i++) {
            if (!ps->trainable[i] || (active && !active[i])) continue;
            real *gr = ps->grad + ps->offset[i];
            for (int64_t j = 0; j < ps->tensor[i]->numel; j++) gr[j] *= scale;
        }
    }
    return norm;
}

double clip_grad_norm(ParamStore *ps, double max_norm) { return clip_grad_norm_subset(ps, max_norm, NULL); }

double lr_warmup_cosine(int64_t step, int64_t warmup, int64_t total, double base_lr, double min_lr) {
    if (warmup > 0 && step < warmup) return base_lr * (double)(step + 1) / (double)warmup;
    if (total <= warmup) return base_lr;
    double t = (double)(step - warmup) / (double)(total - warmup);
    if (t > 1) t = 1;
    return min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(M_PI * t));
}
