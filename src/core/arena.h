/* Arena: bump allocation for everything a training step creates (activations, gradients of
 * activations, scratch). Nothing is freed one by one; arena_reset() after the step makes all of it
 * reusable without touching the system allocator. Blocks are 64-byte aligned (cache line, AVX-512). */
#ifndef SCAR_CORE_ARENA_H
#define SCAR_CORE_ARENA_H

#include <stddef.h>

typedef struct Arena Arena;

typedef struct {
    int chunk;      /* index of the chunk in use */
    size_t used;    /* bytes used in that chunk */
} ArenaMark;

Arena *arena_new(size_t chunk_bytes);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t bytes);   /* uninitialised */
void *arena_calloc(Arena *a, size_t bytes);  /* zeroed */
ArenaMark arena_mark(const Arena *a);
void arena_reset_to(Arena *a, ArenaMark m);  /* free everything allocated after the mark */
void arena_reset(Arena *a);
size_t arena_in_use(const Arena *a);         /* bytes handed out now */
size_t arena_peak(const Arena *a);           /* most bytes handed out at once since creation */
size_t arena_reserved(const Arena *a);       /* bytes held from the system */

#endif
