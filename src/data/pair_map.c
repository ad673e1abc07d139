#include "data/pair_map.h"

#include <stdlib.h>

#include "core/error.h"

static void alloc_slots(PairMap *m, size_t cap) {
    m->cap = cap;
    m->shift = 64;
    for (size_t c = cap; c > 1; c >>= 1) m->shift--;
    m->keys = xmalloc(cap * sizeof *m->keys);
    m->vals = xmalloc(cap * sizeof *m->vals);
    for (size_t i = 0; i < cap; i++) m->keys[i] = PAIR_MAP_EMPTY;
}

void pair_map_init(PairMap *m, size_t expected) {
    size_t cap = 16;
    while (cap < 2 * expected) cap *= 2;
    m->count = 0;
    alloc_slots(m, cap);
}

void pair_map_free(PairMap *m) {
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}

static void insert_slot(PairMap *m, uint64_t key, int32_t value) {
    size_t i = pair_map_home(m, key);
    while (m->keys[i] != PAIR_MAP_EMPTY) i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = value;
}

static void grow(PairMap *m) {
    uint64_t *keys = m->keys;
    int32_t *vals = m->vals;
    size_t cap = m->cap;
    alloc_slots(m, cap * 2);
    for (size_t i = 0; i < cap; i++)
        if (keys[i] != PAIR_MAP_EMPTY) insert_slot(m, keys[i], vals[i]);
    free(keys);
    free(vals);
}

int32_t pair_map_put_new(PairMap *m, uint64_t key, int32_t value) {
    int32_t old = pair_map_get(m, key);
    if (old >= 0) return old;
    if (2 * (m->count + 1) > m->cap) grow(m);
    insert_slot(m, key, value);
    m->count++;
    return -1;
}
