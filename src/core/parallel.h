/* Threads: OpenMP owns all parallelism; BLAS runs single-threaded inside our threads (on 2 cores,
 * splitting rows across two OpenMP threads that each call single-threaded BLAS was measured much
 * faster than letting BLAS thread itself). Work is split statically, so the same thread count
 * gives the same bits. */
#ifndef SCAR_CORE_PARALLEL_H
#define SCAR_CORE_PARALLEL_H

#include <stdint.h>
#include <omp.h>

/* Set the engine's thread count (<= 0: OMP_NUM_THREADS or all cores) and pin BLAS to one thread. */
void engine_init(int n_threads);
int engine_threads(void);

/* This thread's share [lo, hi) of n items inside a parallel region. */
static inline void thread_share(int64_t n, int64_t *lo, int64_t *hi) {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    *lo = n * t / nt;
    *hi = n * (t + 1) / nt;
}

/* Below this many elements an elementwise loop runs on one thread: waking a team costs more. */
#define PAR_MIN_ELEMS 16384

#endif
