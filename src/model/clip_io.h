/* Saving and loading a trained ECG-language model: one safetensors checkpoint (core/checkpoint.h)
 * whose metadata carries the model configuration and the report tokenizer as JSON, so a checkpoint
 * alone is enough to embed ECGs and reports. */
#ifndef SCAR_MODEL_CLIP_IO_H
#define SCAR_MODEL_CLIP_IO_H

#include "core/checkpoint.h"
#include "data/tokenizer.h"
#include "model/clip_model.h"

#define CLIP_MODEL_KIND "scar-clip"

/* Write model + tokenizer (+ the optimizer and training counters in `state` when not NULL; its
 * params must be m->params) and extra metadata ("key", "value", ..., NULL). */
int clip_model_save(const char *path, ClipModel *m, const Tokenizer *tok, TrainState *state,
                    const char *const *extra_kv);
/* Read the configuration and tokenizer from a checkpoint, create the model and fill its weights.
 * With state (params == NULL in it; filled with &m->params) also restores the optimizer and
 * counters. *keep, when not NULL, receives the open file for more metadata (safetensors_close it). */
int clip_model_load(const char *path, ClipModel *m, Tokenizer **tok, TrainState *state, SafeTensors **keep);

#endif
