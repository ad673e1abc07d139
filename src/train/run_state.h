/* What a training run checkpoints besides its parameters and AdamW moments: the graph's RNG (dropout,
 * augmentation draws), the step, and the best validation score so far. The score is kept as the bits
 * of a double in an int64 counter so that a resumed run compares against exactly the same value. */
#ifndef SCAR_TRAIN_RUN_STATE_H
#define SCAR_TRAIN_RUN_STATE_H

#include <stdint.h>
#include <string.h>

#include "core/checkpoint.h"

static inline int64_t double_bits(double v) {
    int64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static inline double bits_double(int64_t b) {
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* rngs[1] and counters[2] are the caller's storage; they must outlive the returned state. */
static inline TrainState run_state(ParamStore *params, AdamW *opt, Rng *graph_rng, int64_t *step, int64_t *best_bits,
                                   Rng **rngs, int64_t **counters) {
    static const char *const rng_names[] = {"graph"}, *const counter_names[] = {"step", "best_val_bits"};
    rngs[0] = graph_rng;
    counters[0] = step;
    counters[1] = best_bits;
    TrainState s = {params, opt, NULL, 1, rngs, rng_names, 2, counters, counter_names};
    return s;
}

#endif
