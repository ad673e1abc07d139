/* Element types shared by the safetensors and .npy formats, and TensorRef: a borrowed view of one
 * tensor's bytes (what a writer is given and what a reader hands back). Shapes are in elements,
 * C order, at most TENSORREF_MAX_DIMS dimensions; a scalar has ndim 0. */
#ifndef SCAR_CORE_DTYPE_H
#define SCAR_CORE_DTYPE_H

#include <stddef.h>
#include <stdint.h>

/* The safetensors set (sub-byte float formats excepted). */
typedef enum {
    DTYPE_BOOL,
    DTYPE_U8,
    DTYPE_I8,
    DTYPE_F8_E5M2,
    DTYPE_F8_E4M3,
    DTYPE_U16,
    DTYPE_I16,
    DTYPE_F16,
    DTYPE_BF16,
    DTYPE_U32,
    DTYPE_I32,
    DTYPE_F32,
    DTYPE_U64,
    DTYPE_I64,
    DTYPE_F64,
    DTYPE_COUNT
} DType;

#define TENSORREF_MAX_DIMS 8

typedef struct {
    const char *name;
    DType dtype;
    int ndim;
    int64_t shape[TENSORREF_MAX_DIMS];
    const void *data;
} TensorRef;

size_t dtype_size(DType t);      /* bytes per element; 0 for an invalid value */
const char *dtype_name(DType t); /* safetensors spelling ("F32"); "?" if invalid */
int dtype_from_name(const char *s,
                    DType *out); /* 0, or -1 without a message (the caller has the context) */

/* Number of elements of a shape, and bytes of a TensorRef. -1 with a message (no file name: the
 * caller prefixes it) when a dimension is negative, ndim is out of range or the count overflows. */
int shape_numel(int ndim, const int64_t *shape, size_t *numel);
int tensor_ref_bytes(const TensorRef *t, size_t *bytes);

/* "[3, 4]" into buf (truncated to fit), for messages. */
void shape_format(int ndim, const int64_t *shape, char *buf, size_t size);

#endif
