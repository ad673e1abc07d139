#include "eval/logreg.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Rows per rank-k update of the Hessian: large enough for BLAS to run near peak, small enough
 * that the scaled copy stays in cache. */
#define HESSIAN_BLOCK 1024

/* log(1 + exp(z)) without overflow. */
static double softplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

static double sigmoid(double z) {
    if (z >= 0) return 1 / (1 + exp(-z));
    double e = exp(z);
    return e / (1 + e);
}

void logreg_decision(const double *x, int n, int d, const double *wb, double *z) {
    for (int i = 0; i < n; i++) z[i] = wb[d];
    if (n > 0 && d > 0) cblas_dgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0, x, d, wb, 1, 1.0, z, 1);
}

/* C * sum of the log-losses at decision values z, plus |w|^2 / 2. */
static double objective(const double *z, const uint8_t *y, size_t ys, int n, const double *w, int d,
                        double C) {
    double loss = 0, ww = 0;
    for (int i = 0; i < n; i++) loss += softplus(z[i]) - (y[(size_t)i * ys] ? z[i] : 0);
    for (int j = 0; j < d; j++) ww += w[j] * w[j];
    return C * loss + 0.5 * ww;
}

/* In-place Cholesky of the symmetric positive definite a [m, m] (lower triangle used and
 * overwritten with L); 0, or -1 when a pivot is not positive. */
static int cholesky(double *a, int m) {
    for (int j = 0; j < m; j++) {
        double s = a[(size_t)j * m + j];
        for (int k = 0; k < j; k++) s -= a[(size_t)j * m + k] * a[(size_t)j * m + k];
        if (!(s > 0)) return -1;
        double l = sqrt(s);
        a[(size_t)j * m + j] = l;
        for (int i = j + 1; i < m; i++) {
            double t = a[(size_t)i * m + j];
            const double *ri = a + (size_t)i * m, *rj = a + (size_t)j * m;
            for (int k = 0; k < j; k++) t -= ri[k] * rj[k];
            a[(size_t)i * m + j] = t / l;
        }
    }
    return 0;
}

/* Solve L L^T x = b in place (b [m] becomes x). */
static void cholesky_solve(const double *l, int m, double *b) {
    for (int i = 0; i < m; i++) {
        double t = b[i];
        for (int k = 0; k < i; k++) t -= l[(size_t)i * m + k] * b[k];
        b[i] = t / l[(size_t)i * m + i];
    }
    for (int i = m - 1; i >= 0; i--) {
        double t = b[i];
        for (int k = i + 1; k < m; k++) t -= l[(size_t)k * m + i] * b[k];
        b[i] = t / l[(size_t)i * m + i];
    }
}

/* Hessian h [d+1, d+1] (full, row-major) = C * [x 1]^T diag(D) [x 1] + diag(1..1, 0), with
 * C D_i = curv_i, through rank-k updates on blocks of rows scaled by sqrt(curv_i). The products run
 * in single precision (about three times faster than double here): the Hessian only steers the
 * step, while the gradient, the objective and hence the optimum stay in double, so an error of
 * 1e-7 in H costs at most a fraction of an iteration and nothing in accuracy. */
static void hessian(const double *x, const double *curv, int n, int d, float *buf, float *hf, double *h) {
    int m = d + 1;
    memset(hf, 0, sizeof *hf * (size_t)m * m);
    for (int r0 = 0; r0 < n; r0 += HESSIAN_BLOCK) {
        int rows = n - r0 < HESSIAN_BLOCK ? n - r0 : HESSIAN_BLOCK;
        for (int i = 0; i < rows; i++) {
            double s = sqrt(curv[r0 + i]);
            const double *xi = x + (size_t)(r0 + i) * d;
            float *bi = buf + (size_t)i * m;
            for (int j = 0; j < d; j++) bi[j] = (float)(s * xi[j]);
            bi[d] = (float)s;
        }
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, m, rows, 1.0f, buf, m, 1.0f, hf, m);
    }
    for (int i = 0; i < m; i++)
        for (int j = i; j < m; j++) h[(size_t)i * m + j] = h[(size_t)j * m + i] = hf[(size_t)i * m + j];
    for (int j = 0; j < d; j++) h[(size_t)j * m + j] += 1.0;
}

/* Factor h into L (lower triangle of factor); a tiny ridge rescues a numerically singular H (every
 * probability saturated, which only very weak regularisation on separable data gives). */
static int factor_hessian(const double *h, int m, double *factor) {
    double ridge = 0, diag_max = 0;
    for (int j = 0; j < m; j++) diag_max = fmax(diag_max, h[(size_t)j * m + j]);
    for (int tries = 0; tries <= 30; tries++) {
        memcpy(factor, h, sizeof *factor * (size_t)m * m);
        for (int j = 0; j < m; j++) factor[(size_t)j * m + j] += ridge;
        if (cholesky(factor, m) == 0) return 0;
        ridge = ridge ? ridge * 10 : 1e-12 * fmax(diag_max, 1);
    }
    return scar_fail("logistic regression: Hessian not positive definite (non-finite features?)");
}

typedef struct {
    const double *x;
    const uint8_t *y;
    size_t ys;
    int n, d;
    double C;
    double *z, *u, *resid, *curv, *g, *step, *trial;
} Problem;

/* Gradient g [d+1] = C [x 1]^T (p - y) + (w, 0) at decision values z; also curv_i = C p_i (1 - p_i). */
static void gradient(Problem *P, const double *wb) {
    int n = P->n, d = P->d;
    double gb = 0;
    for (int i = 0; i < n; i++) {
        double p = sigmoid(P->z[i]);
        P->resid[i] = P->C * (p - (P->y[(size_t)i * P->ys] ? 1.0 : 0.0));
        P->curv[i] = P->C * p * (1 - p);
        gb += P->resid[i];
    }
    memcpy(P->g, wb, sizeof *P->g * (size_t)d);
    if (d > 0) cblas_dgemv(CblasRowMajor, CblasTrans, n, d, 1.0, P->x, d, P->resid, 1, 1.0, P->g, 1);
    P->g[d] = gb;
}

/* Backtracking (Armijo) line search along P->step with slope g . step < 0; each trial is O(n)
 * along z + t u, u = [x 1] step. `final`: the step is the last one, accept any decrease. Returns
 * 1 and updates wb, z, *f when a point was accepted. */
static int line_search(Problem *P, double slope, int final, double *wb, double *f) {
    int n = P->n, d = P->d, m = d + 1;
    logreg_decision(P->x, n, d, P->step, P->u);
    double t = 1;
    for (int k = 0; k < 60; k++, t *= 0.5) {
        for (int j = 0; j < m; j++) P->trial[j] = wb[j] + t * P->step[j];
        for (int i = 0; i < n; i++) P->resid[i] = P->z[i] + t * P->u[i];
        double f_new = objective(P->resid, P->y, P->ys, n, P->trial, d, P->C);
        if (f_new <= *f + 1e-4 * t * slope || (final && f_new <= *f)) {
            memcpy(wb, P->trial, sizeof *wb * (size_t)m);
            *f = f_new;
            /* z + t u is the new decision value: saves a pass over x (the drift from recomputing
             * is at the rounding level, and the same bits on every run) */
            double *z = P->z;
            P->z = P->resid;
            P->resid = z;
            return 1;
        }
    }
    return 0;
}

/* step = -H^-1 g with the factor; returns g . step = -(Newton decrement)^2. */
static double newton_step(Problem *P, const double *factor, int m) {
    for (int j = 0; j < m; j++) P->step[j] = -P->g[j];
    cholesky_solve(factor, m, P->step);
    double slope = 0;
    for (int j = 0; j < m; j++) slope += P->g[j] * P->step[j];
    return slope;
}

int logreg_fit(const double *x, const uint8_t *y, size_t y_stride, int n, int d, double C,
               const LogregOptions *opt, double *wb, LogregInfo *info) {
    int max_iter = opt && opt->max_iter > 0 ? opt->max_iter : 100;
    double tol = opt && opt->tol > 0 ? opt->tol : 1e-14;
    if (!(C > 0) || !isfinite(C)) return scar_fail("logistic regression: C = %g (must be positive)", C);
    int pos = 0;
    for (int i = 0; i < n; i++) pos += y[(size_t)i * y_stride] != 0;
    if (pos == 0 || pos == n)
        return scar_fail("logistic regression: %d positives among %d samples (need both classes)", pos, n);

    int m = d + 1;
    Problem P = {x, y, y_stride, n, d, C, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    P.z = xmalloc(sizeof *P.z * (size_t)n);
    P.u = xmalloc(sizeof *P.u * (size_t)n);
    P.resid = xmalloc(sizeof *P.resid * (size_t)n);
    P.curv = xmalloc(sizeof *P.curv * (size_t)n);
    P.g = xmalloc(sizeof *P.g * (size_t)m);
    P.step = xmalloc(sizeof *P.step * (size_t)m);
    P.trial = xmalloc(sizeof *P.trial * (size_t)m);
    double *h = xmalloc(sizeof *h * (size_t)m * m), *factor = xmalloc(sizeof *factor * (size_t)m * m);
    float *hf = xmalloc(sizeof *hf * (size_t)m * m), *buf = xmalloc(sizeof *buf * (size_t)HESSIAN_BLOCK * m);

    int rc = 0, have_factor = 0;
    LogregInfo done = {0, 0, NAN};
    logreg_decision(x, n, d, wb, P.z);
    double f = objective(P.z, y, y_stride, n, wb, d, C);
    for (;;) {
        gradient(&P, wb);
        if (have_factor) {
            /* The last Hessian still measures the decrement well near the optimum: stop here
             * rather than form a new one only to learn that we are done. */
            double slope = newton_step(&P, factor, m);
            if (-slope / 2 <= tol * (1 + f)) {
                line_search(&P, slope, 1, wb, &f);
                done.converged = 1;
                break;
            }
        }
        if (done.iterations == max_iter) break;
        hessian(x, P.curv, n, d, buf, hf, h);
        if (factor_hessian(h, m, factor) != 0) {
            rc = -1;
            break;
        }
        have_factor = 1;
        done.iterations++;
        double slope = newton_step(&P, factor, m);
        int small = -slope / 2 <= tol * (1 + f);
        int accepted = line_search(&P, slope, small, wb, &f);
        if (small || !accepted) {
            /* no decrease possible along the Newton direction: at the optimum to rounding */
            done.converged = small || -slope / 2 <= 1e-10 * (1 + f);
            break;
        }
    }
    done.objective = f;
    if (info) *info = done;
    free(P.z);
    free(P.u);
    free(P.resid);
    free(P.curv);
    free(P.g);
    free(P.step);
    free(P.trial);
    free(h);
    free(factor);
    free(hf);
    free(buf);
    return rc;
}
