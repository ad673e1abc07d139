/* The self-supervised ECG model (DESIGN §1, second method): an encoder -- the 1-D ResNet-18 or
 * the spatio-temporal transformer -- with SimCLR's projection head, and, for adversarial
 * masking, the mask generator. Its configuration is JSON, kept in every checkpoint:
 *
 *   {"encoder": "resnet", "rate_hz": 100, "samples": 1000, "resnet": {"base_width": 64},
 *    "transformer": {"patch_len": 100, "width": 128, "layers": 4, "heads": 4, "mlp": 512,
 *                    "dropout": 0.1},
 *    "head": {"hidden": 512, "out": 128, "bn": 1}, "temperature": 0.1,
 *    "masker": {"masks": 2, "shared": 0, "channels": 16, "depth": 3, "kernel": 7, "sharpness": 2}}
 *
 * Downstream tasks use the encoder's features (ssl_features); the head serves the SSL loss only. */
#ifndef SCAR_MODEL_SSL_MODEL_H
#define SCAR_MODEL_SSL_MODEL_H

#include "core/checkpoint.h"
#include "model/ecg_encoder.h"
#include "model/ntxent.h"
#include "model/resnet1d.h"
#include "model/ssl_masker.h"

enum { SSL_RESNET, SSL_TRANSFORMER };

typedef struct {
    int encoder;                  /* SSL_RESNET or SSL_TRANSFORMER */
    double rate_hz;               /* the input the model was built for */
    int samples;                  /* samples per lead */
    ResNet1dConfig resnet;
    EcgEncoderConfig transformer; /* n_patches = samples / patch_len */
    ProjectionHeadConfig head;    /* in_features follows the encoder */
    double temperature;           /* NT-Xent */
    int has_masker;               /* adversarial masking */
    SslMaskerConfig masker;
} SslConfig;

typedef struct {
    SslConfig cfg;
    ParamStore params;
    ResNet1d resnet;              /* SSL_RESNET */
    EcgEncoder tf;                /* SSL_TRANSFORMER */
    ProjectionHead head;
    SslMasker masker;             /* has_masker */
} SslModel;

SslConfig ssl_config_default(int encoder);
int ssl_config_validate(const SslConfig *c, const char *what);
int ssl_config_from_json(SslConfig *c, const char *json, const char *what);
char *ssl_config_to_json(const SslConfig *c);   /* malloc'd */

void ssl_model_create(SslModel *m, const SslConfig *cfg);
void ssl_model_init(SslModel *m, Rng *rng);
void ssl_model_free(SslModel *m);
int ssl_feature_dim(const SslConfig *c);

/* Encoder features h [B, F] of signal [B, 12, samples] (a removed or missing sample is a zero). */
Tensor *ssl_features(Graph *g, const SslModel *m, Tensor *signal);

#define SSL_MODEL_KIND "scar-ssl"
/* Checkpoints: the configuration in the metadata ("kind": "scar-ssl", "config": JSON). */
int ssl_model_save(const char *path, SslModel *m, TrainState *state, const char *const *extra_kv);
/* state NULL: weights only; else also the optimizer and counters (state->params is set here). */
int ssl_model_load(const char *path, SslModel *m, TrainState *state);

#endif
