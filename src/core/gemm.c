#include "core/gemm.h"

#include <cblas.h>
#include <stdlib.h>

#include "core/parallel.h"

static int g_threads;

void engine_init(int n_threads) {
    openblas_set_num_threads(1);
    if (n_threads <= 0) {
        const char *e = getenv("OMP_NUM_THREADS");
        n_threads = (e && atoi(e) > 0) ? atoi(e) : omp_get_num_procs();
    }
    omp_set_num_threads(n_threads);
    g_threads = n_threads;
}

int engine_threads(void) {
    if (!g_threads) engine_init(0);
    return g_threads;
}

void gemm_serial(int trans_a, int trans_b, int M, int N, int K, real alpha, const real *A, int lda,
                 const real *B, int ldb, real beta, real *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        /* BLAS leaves C untouched for K = 0 only when beta = 1; make the result explicit. */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(long)i * ldc + j] = beta == 0 ? 0 : beta * C[(long)i * ldc + j];
        return;
    }
#ifdef SCAR_F64
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#else
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

void gemm(int trans_a, int trans_b, int M, int N, int K, real alpha, const real *A, int lda,
          const real *B, int ldb, real beta, real *C, int ldc) {
    int nt = engine_threads();
    double flops = 2.0 * M * N * (double)K;
    if (nt == 1 || flops < 2e6 || omp_in_parallel()) {
        gemm_serial(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* Split the larger side of C; each block is an independent single-threaded product. */
    int split_rows = M >= N;
#pragma omp parallel num_threads(nt)
    {
        int64_t lo, hi;
        thread_share(split_rows ? M : N, &lo, &hi);
        if (hi > lo) {
            if (split_rows) {
                const real *a = trans_a ? A + lo : A + lo * lda;
                gemm_serial(trans_a, trans_b, (int)(hi - lo), N, K, alpha, a, lda, B, ldb, beta, C + lo * ldc, ldc);
            } else {
                const real *b = trans_b ? B + lo * ldb : B + lo;
                gemm_serial(trans_a, trans_b, M, (int)(hi - lo), K, alpha, A, lda, b, ldb, beta, C + lo, ldc);
            }
        }
    }
}
