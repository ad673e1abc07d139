/* Binary L2-regularised logistic regression in double precision, solved by Newton's method with a
 * backtracking line search: the solver under the linear probe (eval/linear_probe.h).
 *
 * It minimises scikit-learn's LogisticRegression(penalty="l2", C) objective
 *     C * sum_i [log(1 + exp(z_i)) - y_i z_i] + 1/2 |w|^2,    z_i = x_i . w + b,
 * with the intercept b not penalised, so its solutions can be compared with scikit-learn's.
 *
 * Why Newton: d is a few hundred at most and n a few tens of thousands, so the (d+1)^2 Hessian
 * is cheap to factor and, formed with a BLAS rank-k update, costs about as much as a few dozen
 * gradient passes; Newton then converges to machine precision in a handful of iterations where
 * first-order methods need hundreds, and warm starts along a grid of C cut that further.
 * Single-threaded by design: the probe runs one class per thread. */
#ifndef SCAR_EVAL_LOGREG_H
#define SCAR_EVAL_LOGREG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int max_iter;   /* Newton iterations; <= 0 means 100 */
    double tol;     /* stop when half the squared Newton decrement (the predicted decrease of the
                       objective) is <= tol * (1 + objective); <= 0 means 1e-14 */
} LogregOptions;

typedef struct {
    int iterations;     /* Newton steps taken */
    int converged;      /* 1 when the tolerance was met (not merely max_iter reached) */
    double objective;   /* final value of the objective above */
} LogregInfo;

/* Fit on x [n, d] (row-major; standardised by the caller) and labels y[i * y_stride] in {0, 1}.
 * wb [d + 1]: the weights then the intercept; read as the starting point (zeros, or the solution
 * at a neighbouring C for a warm start) and overwritten with the solution. Needs at least one
 * positive and one negative (otherwise the intercept has no finite optimum): -1 with a message.
 * info may be NULL. */
int logreg_fit(const double *x, const uint8_t *y, size_t y_stride, int n, int d, double C,
               const LogregOptions *opt, double *wb, LogregInfo *info);

/* Decision values z [n] = x [n, d] . w + b for wb [d + 1]. */
void logreg_decision(const double *x, int n, int d, const double *wb, double *z);

#endif
