/* The ECG-language model: an ECG encoder, a report encoder and a learnable temperature, with its
 * configuration as JSON (stored in every checkpoint's metadata, so a checkpoint is self-describing).
 *
 * JSON: {"rate_hz": 100, "ecg": {"patch_len": 50, "n_patches": 20, "width": 128, "layers": 4,
 *        "heads": 4, "mlp": 512, "dropout": 0.1, "selector": 0}, "text": {"vocab": 2000, "max_len": 64,
 *        "width": 128, "layers": 2, "heads": 4, "mlp": 512, "dropout": 0.1}, "embed_dim": 128,
 *        "masker": {"hidden": 64, "budget": 0.3, "lead_share": 0.4, "segment_share": 0.3,
 *                   "penalty": 0.1, "tau_start": 1, "tau_end": 0.3}}
 * "masker" is present only in models trained with SCAR's adversarial masker.
 * Missing keys keep their defaults; unknown keys and out-of-range values are errors. */
#ifndef SCAR_MODEL_CLIP_MODEL_H
#define SCAR_MODEL_CLIP_MODEL_H

#include "core/params.h"
#include "core/rng.h"
#include "model/ecg_encoder.h"
#include "model/masker.h"
#include "model/text_encoder.h"

typedef struct {
    double rate_hz;               /* the sampling rate the ECG encoder expects */
    EcgEncoderConfig ecg;
    TextEncoderConfig text;
    int embed_dim;
    int has_masker;               /* SCAR: the model carries its adversarial masker */
    MaskerConfig masker;
} ClipConfig;

typedef struct {
    ClipConfig cfg;
    ParamStore params;
    EcgEncoder ecg;
    TextEncoder text;
    Tensor *logit_scale;          /* [1] log(1 / temperature) */
    Masker masker;                /* when cfg.has_masker */
} ClipModel;

/* Defaults sized for 2 CPU cores: 1 s patches at 100 Hz, width 128; ecg.n_patches 0 = as many
 * patches as the training records hold. */
ClipConfig clip_config_default(void);
/* Overlay a JSON object's keys onto cfg; `what` names the source in messages. */
int clip_config_from_json(ClipConfig *cfg, const char *json, const char *what);
/* Newly allocated JSON text. */
char *clip_config_to_json(const ClipConfig *cfg);
/* Check ranges and consistency (heads divide widths, ...). */
int clip_config_validate(const ClipConfig *cfg, const char *what);

/* Declare and finalise the parameters; then clip_model_init for fresh values or a checkpoint. */
void clip_model_create(ClipModel *m, const ClipConfig *cfg);
void clip_model_init(ClipModel *m, Rng *rng);
void clip_model_free(ClipModel *m);

#endif
