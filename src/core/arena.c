#include "core/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define ARENA_ALIGN 64
#define ARENA_MAX_CHUNKS 64

typedef struct {
    char *base;
    size_t size;
    size_t used;
} Chunk;

struct Arena {
    Chunk chunks[ARENA_MAX_CHUNKS];
    int n_chunks;
    int current;
    size_t chunk_bytes;
    size_t peak;
};

static size_t round_up(size_t n) { return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1); }

Arena *arena_new(size_t chunk_bytes) {
    Arena *a = xcalloc(1, sizeof *a);
    a->chunk_bytes = round_up(chunk_bytes ? chunk_bytes : ((size_t)64 << 20));
    return a;
}

void arena_free(Arena *a) {
    if (!a) return;
    for (int i = 0; i < a->n_chunks; i++) free(a->chunks[i].base);
    free(a);
}

size_t arena_in_use(const Arena *a) {
    size_t n = 0;
    for (int i = 0; i <= a->current && i < a->n_chunks; i++) n += a->chunks[i].used;
    return n;
}

static void *take(Arena *a, Chunk *c, size_t bytes) {
    void *p = c->base + c->used;
    c->used += bytes;
    size_t now = arena_in_use(a);
    if (now > a->peak) a->peak = now;
    return p;
}

void *arena_alloc(Arena *a, size_t bytes) {
    bytes = round_up(bytes ? bytes : 1);
    /* Room in the current chunk, or in one held after it (chunks after `current` are empty). */
    for (int i = a->current; i < a->n_chunks; i++) {
        Chunk *c = &a->chunks[i];
        if (c->size - c->used >= bytes) {
            a->current = i;
            return take(a, c, bytes);
        }
    }
    if (a->n_chunks == ARENA_MAX_CHUNKS) {
        fprintf(stderr, "scar: arena exhausted (%d chunks of %zu bytes); raise its chunk size\n",
                ARENA_MAX_CHUNKS, a->chunk_bytes);
        exit(1);
    }
    size_t size = bytes > a->chunk_bytes ? bytes : a->chunk_bytes;
    void *base = NULL;
    if (posix_memalign(&base, ARENA_ALIGN, size) != 0) {
        fprintf(stderr, "scar: out of memory (arena chunk of %zu bytes)\n", size);
        exit(1);
    }
    a->chunks[a->n_chunks] = (Chunk){.base = base, .size = size, .used = 0};
    a->current = a->n_chunks++;
    return take(a, &a->chunks[a->current], bytes);
}

void *arena_calloc(Arena *a, size_t bytes) {
    void *p = arena_alloc(a, bytes);
    memset(p, 0, bytes);
    return p;
}

ArenaMark arena_mark(const Arena *a) {
    ArenaMark m = {a->current, a->n_chunks ? a->chunks[a->current].used : 0};
    return m;
}

void arena_reset_to(Arena *a, ArenaMark m) {
    if (a->n_chunks == 0) return;
    for (int i = m.chunk + 1; i < a->n_chunks; i++) a->chunks[i].used = 0;
    a->current = m.chunk;
    a->chunks[m.chunk].used = m.used;
}

void arena_reset(Arena *a) {
    for (int i = 0; i < a->n_chunks; i++) a->chunks[i].used = 0;
    a->current = 0;
}

size_t arena_peak(const Arena *a) { return a->peak; }

size_t arena_reserved(const Arena *a) {
    size_t n = 0;
    for (int i = 0; i < a->n_chunks; i++) n += a->chunks[i].size;
    return n;
}
