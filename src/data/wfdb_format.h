/* WFDB sample formats (PhysioNet's signal(5)): the byte stream of a signal file as a sequence of
 * integer samples, in file order (frames of interleaved signals one after another; the packing of
 * 212, 310 and 311 runs across signal boundaries).
 *
 *   8    8-bit first differences (the reader adds them up from the initial value)
 *   16   16-bit two's complement, little-endian      61   the same, big-endian
 *   80   8-bit offset binary                         160  16-bit offset binary
 *   24   24-bit two's complement, little-endian      32   32-bit two's complement, little-endian
 *   212  two 12-bit samples in three bytes
 *   310  three 10-bit samples in two 16-bit words (low 11 bits of each, then the high 5 bits)
 *   311  three 10-bit samples in one 32-bit word
 */
#ifndef SCAR_DATA_WFDB_FORMAT_H
#define SCAR_DATA_WFDB_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* In-memory marker for "no sample" (what each format writes as its most negative value). */
#define WFDB_NO_SAMPLE INT32_MIN

/* Bytes that n samples take in the format; -1 on overflow or format 0. */
int wfdb_format_bytes(int format, size_t n, size_t *bytes);
/* Samples that fit whole in `bytes` bytes. */
size_t wfdb_format_samples_in(int format, size_t bytes);
/* The value a format stores for "no sample" (-32768 for 16-bit formats, -2048 for 212, ...);
 * 0 with *has = 0 for format 8, which cannot mark one. */
int32_t wfdb_format_invalid_value(int format, int *has);
/* The smallest and largest storable value (the invalid value excluded). */
void wfdb_format_range(int format, int32_t *lo, int32_t *hi);

/* Decode n samples from `in` (which holds at least wfdb_format_bytes(n) bytes). Format 8 yields
 * the raw differences. */
void wfdb_decode(int format, const uint8_t *in, size_t n, int32_t *out);
/* Encode n samples (each within the format's range or its invalid value; format 8 takes
 * differences). `out` has room for wfdb_format_bytes(n); padding bits are zero. */
void wfdb_encode(int format, const int32_t *in, size_t n, uint8_t *out);

#endif
