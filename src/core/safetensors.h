/* safetensors (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 *  "__metadata__": {"key": "value", ...}}, then the byte buffer the offsets point into.
 *
 * The reader trusts nothing: every rule of the format is checked (header length, JSON, dtypes,
 * shapes, offsets in range and covering the buffer exactly, sizes, unique names, string metadata)
 * and a failure names the file and the problem. Tensor data are handed out in place (mmap), so a
 * checkpoint opens in constant time; a tensor whose bytes are not aligned to its element size in
 * the file is copied so that every TensorRef.data can be cast to its element type. The mapping
 * stays valid while a new checkpoint is written over the path, since writers replace files by
 * rename and never rewrite them in place. */
#ifndef SCAR_CORE_SAFETENSORS_H
#define SCAR_CORE_SAFETENSORS_H

#include <stddef.h>

#include "core/dtype.h"

typedef struct SafeTensors SafeTensors;

/* Write n tensors and optional metadata ("key", "value", ..., NULL; or NULL for none) to path,
 * atomically (see atomic_file.h). Tensors are laid out by decreasing element size, then by name,
 * so that each is aligned to its element size and the file does not depend on the input order.
 * Names must be unique, valid UTF-8 and not "__metadata__". */
int safetensors_write(const char *path, const TensorRef *tensors, int n,
                      const char *const *metadata_kv);

/* Open and validate. NULL (with a message) on any problem. */
SafeTensors *safetensors_open(const char *path);
/* The same from bytes in memory (fuzzing, embedded data). The buffer is not copied: it must
 * outlive the SafeTensors. name is used in messages. */
SafeTensors *safetensors_from_memory(const void *buf, size_t len, const char *name);
void safetensors_close(SafeTensors *st);

int safetensors_count(const SafeTensors *st);
const TensorRef *safetensors_at(const SafeTensors *st, int i); /* in file (data offset) order */
const TensorRef *safetensors_find(const SafeTensors *st, const char *name); /* NULL if absent */
const char *safetensors_metadata(const SafeTensors *st, const char *key);   /* NULL if absent */

/* The data of tensor `name`, checked to have this dtype and shape; NULL with a message naming
 * the file and the tensor when it is missing or differs ("has shape [3, 4], expected [3, 5]").
 * shape holds ndim sizes (NULL is fine for a scalar, ndim 0). */
const void *safetensors_get(const SafeTensors *st, const char *name, DType dtype, int ndim,
                            const int64_t *shape);
const float *safetensors_get_f32(const SafeTensors *st, const char *name, int ndim,
                                 const int64_t *shape);

#endif
