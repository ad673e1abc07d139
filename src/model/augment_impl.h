/* Per-record pieces shared by augment.c and augment_3kg.c (not a public interface).
 * x: one record's signal [12, L]; v: its validity [12, L] (always present here: augment_apply
 * materialises it); scratch: [L] bytes of the calling thread. */
#ifndef SCAR_MODEL_AUGMENT_IMPL_H
#define SCAR_MODEL_AUGMENT_IMPL_H

#include <stdint.h>

#include "core/rng.h"
#include "model/augment.h"

/* Zero, in every lead independently, `ratio` of its samples in `blocks` contiguous blocks drawn
 * from r (data/missing.h missing_draw_time_blocks), clearing their validity. */
void augment_zero_blocks(float *x, uint8_t *v, int L, double ratio, int blocks, Rng *r, uint8_t *scratch);

/* 3KG on one record (augment.h): projection, rotation, scaling, back-projection, limb leads, then
 * one block of block_ratio per lead. rows: [8, L] floats of the calling thread. */
void augment_3kg_record(const AugmentOptions *o, Rng *r, float *x, uint8_t *v, int L, uint8_t *scratch, float *rows);

#endif
