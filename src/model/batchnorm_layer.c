#include "model/batchnorm_layer.h"

#include <stdio.h>

#include "core/ops.h"

void batchnorm_layer_declare(BatchNormLayer *bn, ParamStore *ps, const char *prefix, int C,
                             double momentum, double eps) {
    char name[PARAM_NAME_LEN];
    snprintf(name, sizeof name, "%s_w", prefix);
    bn->w = params_add(ps, name, SHAPE(C), 0);
    snprintf(name, sizeof name, "%s_b", prefix);
    bn->b = params_add(ps, name, SHAPE(C), 0);
    snprintf(name, sizeof name, "%s_mean", prefix);
    bn->mean = params_add_buffer(ps, name, SHAPE(C));
    snprintf(name, sizeof name, "%s_var", prefix);
    bn->var = params_add_buffer(ps, name, SHAPE(C));
    bn->momentum = momentum;
    bn->eps = eps;
}

void batchnorm_layer_init(BatchNormLayer *bn) {
    for (int64_t i = 0; i < bn->w->numel; i++) {
        bn->w->data[i] = 1;
        bn->b->data[i] = 0;
        bn->mean->data[i] = 0;
        bn->var->data[i] = 1;
    }
}

Tensor *batchnorm_layer_forward(Graph *g, const BatchNormLayer *bn, Tensor *x) {
    return op_batchnorm(g, x, bn->w, bn->b, bn->mean->data, bn->var->data, bn->momentum, bn->eps);
}

Tensor *batchnorm_layer_add_relu(Graph *g, const BatchNormLayer *bn, Tensor *x, Tensor *residual, int relu) {
    return op_batchnorm_add_relu(g, x, bn->w, bn->b, bn->mean->data, bn->var->data, bn->momentum, bn->eps, residual, relu);
}
