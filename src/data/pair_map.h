/* Open-addressing hash map from a pair of token ids to an int32 value: the BPE trainer's
 * pair -> statistics index, and the tokenizer's pair -> merge rank. Keys are (left << 32 | right)
 * with both ids non-negative, so the all-ones key can mark empty slots. Values are non-negative
 * (-1 means absent). */
#ifndef SCAR_DATA_PAIR_MAP_H
#define SCAR_DATA_PAIR_MAP_H

#include <stddef.h>
#include <stdint.h>

#define PAIR_MAP_EMPTY UINT64_MAX

typedef struct {
    uint64_t *keys; /* [cap], PAIR_MAP_EMPTY where free */
    int32_t *vals;  /* [cap] */
    size_t cap;     /* a power of two, kept at least twice the count */
    int shift;      /* 64 - log2(cap) */
    size_t count;
} PairMap;

static inline uint64_t pair_key(int32_t left, int32_t right) {
    return (uint64_t)(uint32_t)left << 32 | (uint32_t)right;
}

static inline size_t pair_map_home(const PairMap *m, uint64_t key) {
    /* Fibonacci hashing: the top bits of the product depend on every bit of the key. */
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> m->shift);
}

/* The value stored for key, or -1. */
static inline int32_t pair_map_get(const PairMap *m, uint64_t key) {
    for (size_t i = pair_map_home(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key) return m->vals[i];
        if (m->keys[i] == PAIR_MAP_EMPTY) return -1;
    }
}

/* An empty map sized for about `expected` keys. */
void pair_map_init(PairMap *m, size_t expected);
void pair_map_free(PairMap *m);
/* Store value under key; returns the value already there (left unchanged) or -1 if key was new. */
int32_t pair_map_put_new(PairMap *m, uint64_t key, int32_t value);

#endif
