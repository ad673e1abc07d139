/* The threaded GEMM (row or column blocks, one single-threaded BLAS call per thread) against a
 * plain triple loop in double, for every transpose combination and awkward sizes. */
#include <math.h>
#include <stdlib.h>

#include "core/gemm.h"
#include "core/parallel.h"
#include "core/rng.h"
#include "testutil.h"

static void check(int ta, int tb, int M, int N, int K, float alpha, float beta) {
    Rng r;
    rng_seed(&r, (uint64_t)(M * 131 + N * 17 + K), (uint64_t)(ta * 2 + tb));
    float *A = malloc(sizeof(float) * (size_t)(M * K + 1)), *B = malloc(sizeof(float) * (size_t)(K * N + 1));
    float *C = malloc(sizeof(float) * (size_t)(M * N + 1));
    double *ref = malloc(sizeof(double) * (size_t)(M * N + 1));
    for (int i = 0; i < M * K; i++) A[i] = rng_uniform(&r) - 0.5f;
    for (int i = 0; i < K * N; i++) B[i] = rng_uniform(&r) - 0.5f;
    for (int i = 0; i < M * N; i++) C[i] = rng_uniform(&r) - 0.5f;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)(ta ? A[k * M + i] : A[i * K + k]) * (tb ? B[j * K + k] : B[k * N + j]);
            ref[i * N + j] = alpha * s + beta * C[i * N + j];
        }
    gemm(ta, tb, M, N, K, alpha, A, ta ? M : K, B, tb ? K : N, beta, C, N);
    for (int i = 0; i < M * N; i++) assert_true(fabs(C[i] - ref[i]) < 1e-4 * (1 + sqrt((double)K)));
    free(A), free(B), free(C), free(ref);
}

static void all_layouts_and_sizes(void **state) {
    (void)state;
    int sizes[][3] = {{1, 1, 1}, {7, 5, 3}, {130, 3, 17}, {3, 257, 9}, {301, 299, 64}, {64, 64, 0}, {513, 40, 129}};
    for (int s = 0; s < 7; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                check(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1, 0);
                check(ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 0.5f, 1);
            }
}

static void same_bits_every_run(void **state) {
    (void)state;
    const int M = 400, N = 300, K = 200;
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
    float *C1 = malloc(sizeof(float) * M * N), *C2 = malloc(sizeof(float) * M * N);
    Rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < M * K; i++) A[i] = rng_uniform(&r);
    for (int i = 0; i < K * N; i++) B[i] = rng_uniform(&r);
    gemm(0, 1, M, N, K, 1, A, K, B, K, 0, C1, N);
    gemm(0, 1, M, N, K, 1, A, K, B, K, 0, C2, N);
    assert_memory_equal(C1, C2, sizeof(float) * M * N);
    free(A), free(B), free(C1), free(C2);
}

int main(void) {
    engine_init(2);
    const struct CMUnitTest tests[] = {cmocka_unit_test(all_layouts_and_sizes), cmocka_unit_test(same_bits_every_run)};
    return cmocka_run_group_tests_name("gemm", tests, NULL, NULL);
}
