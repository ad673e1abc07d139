#include "core/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

typedef struct {
    TensorRef *refs;
    char **names;
    int n, cap;
} RefList;

static void add_ref(RefList *l, const char *prefix, const char *name, DType dt, int ndim, const int64_t *shape, const void *data) {
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->refs = xrealloc(l->refs, (size_t)l->cap * sizeof *l->refs);
        l->names = xrealloc(l->names, (size_t)l->cap * sizeof *l->names);
    }
    size_t len = strlen(prefix) + strlen(name) + 2;
    char *full = xmalloc(len);
    snprintf(full, len, "%s%s", prefix, name);
    TensorRef *r = &l->refs[l->n];
    memset(r, 0, sizeof *r);
    r->name = full;
    r->dtype = dt;
    r->ndim = ndim;
    for (int i = 0; i < ndim; i++) r->shape[i] = shape[i];
    r->data = data;
    l->names[l->n++] = full;
}

static void add_store_tensors(RefList *l, const ParamStore *ps, const char *prefix, const real *base) {
    for (int i = 0; i < ps->n; i++) {
        const Tensor *t = ps->tensor[i];
        int64_t shape[TENSOR_MAX_DIMS];
        for (int d = 0; d < t->ndim; d++) shape[d] = t->shape[d];
        add_ref(l, prefix, ps->name[i], sizeof(real) == 8 ? DTYPE_F64 : DTYPE_F32, t->ndim, shape, base + ps->offset[i]);
    }
}

int checkpoint_save(const char *path, const TrainState *s, const char *const *metadata_kv) {
    RefList l = {0};
    const int64_t one = 1, four = 4;
    add_store_tensors(&l, s->params, "param/", s->params->data);
    if (s->adamw) {
        add_store_tensors(&l, s->params, "adamw.m/", s->adamw->m);
        add_store_tensors(&l, s->params, "adamw.v/", s->adamw->v);
        add_ref(&l, "", "adamw.step", DTYPE_I64, 1, &one, &s->adamw->step);
        const int64_t n_tensors = s->adamw->n;
        add_ref(&l, "", "adamw.steps", DTYPE_I64, 1, &n_tensors, s->adamw->steps);
    }
    if (s->sgd) {
        add_store_tensors(&l, s->params, "sgd.buf/", s->sgd->buf);
        add_ref(&l, "", "sgd.step", DTYPE_I64, 1, &one, &s->sgd->step);
    }
    for (int i = 0; i < s->n_rngs; i++) add_ref(&l, "rng/", s->rng_names[i], DTYPE_U64, 1, &four, s->rngs[i]->s);
    for (int i = 0; i < s->n_counters; i++) add_ref(&l, "counter/", s->counter_names[i], DTYPE_I64, 1, &one, s->counters[i]);

    int n_meta = 0;
    while (metadata_kv && metadata_kv[n_meta]) n_meta++;
    const char **meta = xmalloc((size_t)(n_meta + 3) * sizeof *meta);
    meta[0] = "format";
    meta[1] = CHECKPOINT_FORMAT;
    for (int i = 0; i < n_meta; i++) meta[2 + i] = metadata_kv[i];
    meta[2 + n_meta] = NULL;
    int rc = safetensors_write(path, l.refs, l.n, meta);
    free(meta);
    for (int i = 0; i < l.n; i++) free(l.names[i]);
    free(l.names);
    free(l.refs);
    return rc;
}

/* Copy a tensor of the expected shape from the file into dst. */
static int load_into(const SafeTensors *st, const char *path, const char *prefix, const char *name, DType dt,
                     int ndim, const int64_t *shape, void *dst, size_t bytes) {
    char full[PARAM_NAME_LEN + 32];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    const void *src = safetensors_get(st, full, dt, ndim, shape);
    if (!src) return scar_fail_context("%s: not a checkpoint of this model: ", path);
    memcpy(dst, src, bytes);
    return 0;
}

static int load_store(const SafeTensors *st, const char *path, const ParamStore *ps, const char *prefix, real *base) {
    for (int i = 0; i < ps->n; i++) {
        const Tensor *t = ps->tensor[i];
        int64_t shape[TENSOR_MAX_DIMS];
        for (int d = 0; d < t->ndim; d++) shape[d] = t->shape[d];
        if (load_into(st, path, prefix, ps->name[i], sizeof(real) == 8 ? DTYPE_F64 : DTYPE_F32, t->ndim, shape,
                      base + ps->offset[i], (size_t)t->numel * sizeof(real)) != 0)
            return -1;
    }
    return 0;
}

int checkpoint_load(const char *path, TrainState *s, SafeTensors **keep) {
    SafeTensors *st = safetensors_open(path);
    if (!st) return -1;
    const char *fmt = safetensors_metadata(st, "format");
    const int64_t one = 1, four = 4;
    int rc = 0;
    if (!fmt || strcmp(fmt, CHECKPOINT_FORMAT) != 0) {
        rc = scar_fail("%s: not a scar checkpoint (format '%s', expected '%s')", path, fmt ? fmt : "none", CHECKPOINT_FORMAT);
    }
    if (!rc) rc = load_store(st, path, s->params, "param/", s->params->data);
    if (!rc && s->adamw) {
        rc = load_store(st, path, s->params, "adamw.m/", s->adamw->m);
        if (!rc) rc = load_store(st, path, s->params, "adamw.v/", s->adamw->v);
        if (!rc) rc = load_into(st, path, "", "adamw.step", DTYPE_I64, 1, &one, &s->adamw->step, sizeof(int64_t));
        const int64_t n_tensors = s->adamw->n;
        if (!rc) rc = load_into(st, path, "", "adamw.steps", DTYPE_I64, 1, &n_tensors, s->adamw->steps,
                                (size_t)n_tensors * sizeof(int64_t));
    }
    if (!rc && s->sgd) {
        rc = load_store(st, path, s->params, "sgd.buf/", s->sgd->buf);
        if (!rc) rc = load_into(st, path, "", "sgd.step", DTYPE_I64, 1, &one, &s->sgd->step, sizeof(int64_t));
    }
    for (int i = 0; !rc && i < s->n_rngs; i++)
        rc = load_into(st, path, "rng/", s->rng_names[i], DTYPE_U64, 1, &four, s->rngs[i]->s, sizeof s->rngs[i]->s);
    for (int i = 0; !rc && i < s->n_counters; i++)
        rc = load_into(st, path, "counter/", s->counter_names[i], DTYPE_I64, 1, &one, s->counters[i], sizeof(int64_t));
    if (rc || !keep) safetensors_close(st);
    else *keep = st;
    return rc;
}
