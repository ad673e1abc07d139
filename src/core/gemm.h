/* Matrix products: row-major C = alpha * op(A) * op(B) + beta * C through OpenBLAS.
 *   op(A): [M, K] (A is [K, M] when trans_a), op(B): [K, N] (B is [N, K] when trans_b), C: [M, N].
 * gemm() splits C into row (or column) blocks across the OpenMP threads, each calling
 * single-threaded BLAS; gemm_serial() is for callers already inside a parallel region. */
#ifndef SCAR_CORE_GEMM_H
#define SCAR_CORE_GEMM_H

#include "core/real.h"

void gemm(int trans_a, int trans_b, int M, int N, int K, real alpha, const real *A, int lda,
          const real *B, int ldb, real beta, real *C, int ldc);
void gemm_serial(int trans_a, int trans_b, int M, int N, int K, real alpha, const real *A, int lda,
                 const real *B, int ldb, real beta, real *C, int ldc);

#endif
