/* Checkpoints: the whole training state in one safetensors file, written atomically.
 *
 *   param/<name>                 every tensor of the ParamStore (buffers included)
 *   adamw.m/<name>, adamw.v/<name>, adamw.step, adamw.steps  when an AdamW is given
 *   sgd.buf/<name>, sgd.step                        when an SGD is given
 *   rng/<name>                   U64 [4]: the state of each named generator
 *   counter/<name>               I64 [1]: step, epoch, data position, ...
 *   __metadata__                 "format": "scar-checkpoint-1" plus the caller's keys
 *
 * Loading fills an already declared and finalised state of the same shapes; a tensor that is
 * missing or has another shape is an error naming it. Restoring a checkpoint and continuing gives
 * the same bits as never having stopped. */
#ifndef SCAR_CORE_CHECKPOINT_H
#define SCAR_CORE_CHECKPOINT_H

#include <stdint.h>

#include "core/optim.h"
#include "core/params.h"
#include "core/rng.h"
#include "core/safetensors.h"

#define CHECKPOINT_FORMAT "scar-checkpoint-1"

typedef struct {
    ParamStore *params;               /* required */
    AdamW *adamw;                     /* optional */
    Sgd *sgd;                         /* optional */
    int n_rngs;
    Rng **rngs;                       /* [n_rngs] */
    const char *const *rng_names;     /* [n_rngs] */
    int n_counters;
    int64_t **counters;               /* [n_counters] */
    const char *const *counter_names; /* [n_counters] */
} TrainState;

/* metadata_kv: "key", "value", ..., NULL (or NULL). */
int checkpoint_save(const char *path, const TrainState *s, const char *const *metadata_kv);
/* On success, if keep is not NULL the file stays open there (to read metadata); close it with
 * safetensors_close. */
int checkpoint_load(const char *path, TrainState *s, SafeTensors **keep);

#endif
