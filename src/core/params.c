#include "core/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define PARAM_ALIGN_ELEMS (64 / (int64_t)sizeof(real))

void params_init(ParamStore *ps) { memset(ps, 0, sizeof *ps); }

void params_free(ParamStore *ps) {
    for (int i = 0; i < ps->n; i++) free(ps->tensor[i]);
    free(ps->tensor);
    free(ps->name);
    free(ps->decay);
    free(ps->trainable);
    free(ps->offset);
    free(ps->data);
    free(ps->grad);
    memset(ps, 0, sizeof *ps);
}

static Tensor *declare(ParamStore *ps, const char *name, int ndim, const int *shape, int decay, int trainable) {
    if (ps->data) {
        fprintf(stderr, "scar: parameter %s declared after params_finalize\n", name);
        abort();
    }
    if (params_find(ps, name)) {
        fprintf(stderr, "scar: parameter %s declared twice\n", name);
        abort();
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? 2 * ps->cap : 64;
        ps->tensor = xrealloc(ps->tensor, (size_t)ps->cap * sizeof *ps->tensor);
        ps->name = xrealloc(ps->name, (size_t)ps->cap * sizeof *ps->name);
        ps->decay = xrealloc(ps->decay, (size_t)ps->cap);
        ps->trainable = xrealloc(ps->trainable, (size_t)ps->cap);
        ps->offset = xrealloc(ps->offset, (size_t)ps->cap * sizeof *ps->offset);
    }
    Tensor *t = xcalloc(1, sizeof *t);
    int64_t n = tensor_set_shape(t, ndim, shape);
    t->requires_grad = trainable;
    int i = ps->n++;
    ps->tensor[i] = t;
    snprintf(ps->name[i], PARAM_NAME_LEN, "%s", name);
    ps->decay[i] = (uint8_t)(decay && trainable);
    ps->trainable[i] = (uint8_t)trainable;
    ps->offset[i] = ps->total;
    ps->total += (n + PARAM_ALIGN_ELEMS - 1) / PARAM_ALIGN_ELEMS * PARAM_ALIGN_ELEMS;
    return t;
}

Tensor *params_add(ParamStore *ps, const char *name, int ndim, const int *shape, int decay) {
    return declare(ps, name, ndim, shape, decay, 1);
}

Tensor *params_add_buffer(ParamStore *ps, const char *name, int ndim, const int *shape) {
    return declare(ps, name, ndim, shape, 0, 0);
}

static real *aligned_zeros(int64_t n) {
    void *p = NULL;
    size_t bytes = (size_t)(n ? n : 1) * sizeof(real);
    if (posix_memalign(&p, 64, bytes) != 0) xmalloc(SIZE_MAX);
    memset(p, 0, bytes);
    return p;
}

void params_finalize(ParamStore *ps) {
    ps->data = aligned_zeros(ps->total);
    ps->grad = aligned_zeros(ps->total);
    for (int i = 0; i < ps->n; i++) {
        ps->tensor[i]->data = ps->data + ps->offset[i];
        ps->tensor[i]->grad = ps->grad + ps->offset[i];
    }
}

void params_zero_grad(ParamStore *ps) { memset(ps->grad, 0, (size_t)ps->total * sizeof(real)); }

Tensor *params_find(const ParamStore *ps, const char *name) {
    for (int i = 0; i < ps->n; i++)
        if (!strcmp(ps->name[i], name)) return ps->tensor[i];
    return NULL;
}

void params_select(const ParamStore *ps, const char *prefix, int match, uint8_t *active) {
    const size_t n = strlen(prefix);
    for (int i = 0; i < ps->n; i++) active[i] = (uint8_t)((strncmp(ps->name[i], prefix, n) == 0) == (match != 0));
}

void params_set_requires_grad(ParamStore *ps, const uint8_t *active, int flag) {
    for (int i = 0; i < ps->n; i++)
        if (active[i] && ps->trainable[i]) ps->tensor[i]->requires_grad = flag;
}

int64_t params_count(const ParamStore *ps) {
    int64_t n = 0;
    for (int i = 0; i < ps->n; i++)
        if (ps->trainable[i]) n += ps->tensor[i]->numel;
    return n;
}
