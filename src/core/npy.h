/* NumPy .npy arrays: "\x93NUMPY", a version, a header length, a Python dict literal
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } padded with spaces and '\n',
 * then the raw elements.
 *
 * The writer produces version 1.0 with the data starting at a multiple of 64 bytes, as numpy
 * does. The reader takes versions 1.0, 2.0 and 3.0, parses the dict properly, validates every
 * field and the data size against the shape, and names the file and the problem on failure.
 * Little-endian bool, int8-64, uint8-64, float16/32/64 ('|b1', '<i4', '<f4', ...); big-endian,
 * structured and object arrays are refused. Fortran-order arrays are accepted and transposed to
 * C order, so the caller always gets C order (numpy writes Fortran order for e.g. a saved `a.T`).
 */
#ifndef SCAR_CORE_NPY_H
#define SCAR_CORE_NPY_H

#include <stddef.h>

#include "core/dtype.h"

typedef struct {
    DType dtype;
    int ndim;
    int64_t shape[TENSORREF_MAX_DIMS];
    void *data; /* owned, C order, aligned for any element type; free with npy_free */
    size_t nbytes;
} NpyArray;

/* Write one array (t->name is not used) atomically (see atomic_file.h). BF16 and the 8-bit float
 * types have no .npy spelling and are refused. */
int npy_write(const char *path, const TensorRef *t);

/* 0 and *out filled, or -1 with a message and *out zeroed. */
int npy_read(const char *path, NpyArray *out);
/* The same from bytes in memory (fuzzing); name is used in messages. */
int npy_from_memory(const void *buf, size_t len, const char *name, NpyArray *out);
void npy_free(NpyArray *a);

#endif
