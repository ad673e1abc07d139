/* BPE training (tokenizer_train). The corpus is reduced to its distinct pieces with their counts;
 * every adjacent pair of symbols has a count (weighted by piece count) and a list of the pieces it
 * occurs in. A merge visits only the pieces on its pair's list and updates the counts of the pairs
 * around each place it merges, so a step costs what it changes, not a recount of the corpus. The
 * most frequent pair comes from a max-heap with lazy deletion: entries are not updated when a
 * count falls, an entry whose count is out of date is corrected when it reaches the top. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/pair_map.h"
#include "data/pretokenize.h"
#include "data/text_normalize.h"
#include "data/tokenizer.h"
#include "data/tokenizer_internal.h"

/* ---------------------------------------------------------------------------------------------
 * The distinct pieces of the corpus ("words") and how often each occurs */

typedef struct {
    char *bytes;   /* all distinct pieces back to back */
    size_t bytes_n, bytes_cap;
    size_t *off;   /* [n] */
    int32_t *len;  /* [n] bytes, later symbols */
    int64_t *count;
    int32_t n, cap;
    int32_t *slots; /* hash table of word indices, -1 empty */
    uint64_t *slot_hash;
    size_t slots_cap;
} Words;

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ull;
    return h ^ (h >> 29);
}

static void words_rehash(Words *w, size_t cap) {
    free(w->slots);
    free(w->slot_hash);
    w->slots_cap = cap;
    w->slots = xmalloc(cap * sizeof *w->slots);
    w->slot_hash = xmalloc(cap * sizeof *w->slot_hash);
    for (size_t i = 0; i < cap; i++) w->slots[i] = -1;
    for (int32_t k = 0; k < w->n; k++) {
        uint64_t h = hash_bytes(w->bytes + w->off[k], (size_t)w->len[k]);
        size_t i = h & (cap - 1);
        while (w->slots[i] >= 0) i = (i + 1) & (cap - 1);
        w->slots[i] = k;
        w->slot_hash[i] = h;
    }
}

static void words_add(Words *w, const char *s, size_t n) {
    uint64_t h = hash_bytes(s, n);
    size_t i = h & (w->slots_cap - 1);
    for (; w->slots[i] >= 0; i = (i + 1) & (w->slots_cap - 1)) {
        int32_t k = w->slots[i];
        if (w->slot_hash[i] == h && (size_t)w->len[k] == n && !memcmp(w->bytes + w->off[k], s, n)) {
            w->count[k]++;
            return;
        }
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1024;
        w->off = xrealloc(w->off, (size_t)w->cap * sizeof *w->off);
        w->len = xrealloc(w->len, (size_t)w->cap * sizeof *w->len);
        w->count = xrealloc(w->count, (size_t)w->cap * sizeof *w->count);
    }
    while (w->bytes_n + n > w->bytes_cap) {
        w->bytes_cap = w->bytes_cap ? 2 * w->bytes_cap : 65536;
        w->bytes = xrealloc(w->bytes, w->bytes_cap);
    }
    memcpy(w->bytes + w->bytes_n, s, n);
    int32_t k = w->n++;
    w->off[k] = w->bytes_n;
    w->len[k] = (int32_t)n;
    w->count[k] = 1;
    w->bytes_n += n;
    w->slots[i] = k;
    w->slot_hash[i] = h;
    if (2 * (size_t)w->n > w->slots_cap) words_rehash(w, 2 * w->slots_cap);
}

static void words_free(Words *w) {
    free(w->bytes);
    free(w->off);
    free(w->len);
    free(w->count);
    free(w->slots);
    free(w->slot_hash);
}

/* Normalise and pre-tokenise every text into w. */
static int collect_words(const char *const *texts, int n, unsigned flags, Words *w) {
    words_rehash(w, 4096);
    for (int t = 0; t < n; t++) {
        if (!texts[t]) return scar_fail("text %d is NULL", t);
        char *norm;
        size_t len;
        if (text_normalize(texts[t], strlen(texts[t]), flags, &norm, &len) != 0)
            return scar_fail_context("text %d: ", t);
        if (len > INT32_MAX) {
            free(norm);
            return scar_fail("text %d: %zu bytes is too long", t, len);
        }
        for (size_t pos = 0; pos < len;) {
            size_t end = pretokenize_next(norm, len, pos);
            words_add(w, norm + pos, end - pos);
            pos = end;
        }
        free(norm);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Pair statistics and the heap */

typedef struct {
    int32_t *items;
    int32_t n, cap;
} IntList;

typedef struct {
    int64_t count;
    uint64_t key;
    int32_t pair;
} HeapEntry;

typedef struct {
    int32_t **sym;       /* [n_words] symbols of each word, rewritten in place by merges */
    int32_t *sym_len;    /* [n_words] */
    const int64_t *word_count;
    int32_t *word_visit; /* [n_words] last merge that visited the word */

    PairMap index;       /* pair key -> pair number */
    uint64_t *key;       /* [n_pairs] */
    int64_t *count;      /* [n_pairs] current count, weighted */
    IntList *where;      /* [n_pairs] words the pair was seen in (may be stale) */
    uint8_t *banned;     /* [n_pairs] merging would make a token too long */
    int32_t *raised;     /* [n_pairs] last merge that raised the count */
    int32_t n_pairs, cap_pairs;

    int32_t *raised_list; /* pairs raised by the current merge (pushed after it) */
    int32_t raised_n, raised_cap;
    int32_t merge_no;

    HeapEntry *heap;
    size_t heap_n, heap_cap;
} Trainer;

/* True when x should come out of the heap before y: higher count, then smaller (left, right). */
static int heap_before(const HeapEntry *x, const HeapEntry *y) {
    return x->count > y->count || (x->count == y->count && x->key < y->key);
}

static void heap_push(Trainer *t, int32_t pair) {
    if (t->heap_n == t->heap_cap) {
        t->heap_cap = t->heap_cap ? 2 * t->heap_cap : 1024;
        t->heap = xrealloc(t->heap, t->heap_cap * sizeof *t->heap);
    }
    HeapEntry e = {t->count[pair], t->key[pair], pair};
    size_t i = t->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!heap_before(&e, &t->heap[parent])) break;
        t->heap[i] = t->heap[parent];
        i = parent;
    }
    t->heap[i] = e;
}

static HeapEntry heap_pop(Trainer *t) {
    HeapEntry top = t->heap[0], last = t->heap[--t->heap_n];
    size_t i = 0, n = t->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && heap_before(&t->heap[c + 1], &t->heap[c])) c++;
        if (!heap_before(&t->heap[c], &last)) break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    if (n) t->heap[i] = last;
    return top;
}

static int32_t pair_number(Trainer *t, int32_t a, int32_t b) {
    uint64_t key = pair_key(a, b);
    int32_t p = pair_map_put_new(&t->index, key, t->n_pairs);
    if (p >= 0) return p;
    if (t->n_pairs == t->cap_pairs) {
        t->cap_pairs = t->cap_pairs ? 2 * t->cap_pairs : 4096;
        size_t c = (size_t)t->cap_pairs;
        t->key = xrealloc(t->key, c * sizeof *t->key);
        t->count = xrealloc(t->count, c * sizeof *t->count);
        t->where = xrealloc(t->where, c * sizeof *t->where);
        t->banned = xrealloc(t->banned, c * sizeof *t->banned);
        t->raised = xrealloc(t->raised, c * sizeof *t->raised);
    }
    p = t->n_pairs++;
    t->key[p] = key;
    t->count[p] = 0;
    t->where[p] = (IntList){NULL, 0, 0};
    t->banned[p] = 0;
    t->raised[p] = -1;
    return p;
}

/* Add delta to the count of (a, b); a rise also notes the word and queues the pair for the heap. */
static void change_pair(Trainer *t, int32_t a, int32_t b, int64_t delta, int32_t word) {
    int32_t p = pair_number(t, a, b);
    t->count[p] += delta;
    if (delta <= 0) return;
    IntList *l = &t->where[p];
    if (l->n == 0 || l->items[l->n - 1] != word) { /* a word's rises for one pair come together */
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 4;
            l->items = xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
        }
        l->items[l->n++] = word;
    }
    if (t->raised[p] != t->merge_no) {
        t->raised[p] = t->merge_no;
        if (t->raised_n == t->raised_cap) {
            t->raised_cap = t->raised_cap ? 2 * t->raised_cap : 1024;
            t->raised_list = xrealloc(t->raised_list, (size_t)t->raised_cap * sizeof *t->raised_list);
        }
        t->raised_list[t->raised_n++] = p;
    }
}

/* Replace every (a, b) in word w by z, left to right, and move the counts of the neighbouring
 * pairs: x a b y becomes x z y, so (x, a) and (b, y) lose the word's count and (x, z) and (z, y)
 * gain it. With repeats (a b a b) the left neighbour is read from the rewritten symbols, so the
 * (z, a) credited by the first merge is taken back by the second, which credits (z, z). */
static void merge_in_word(Trainer *t, int32_t w, int32_t a, int32_t b, int32_t z) {
    int32_t *s = t->sym[w];
    int32_t n = t->sym_len[w], out = 0;
    int64_t c = t->word_count[w];
    for (int32_t i = 0; i < n;) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            if (out > 0) {
                change_pair(t, s[out - 1], a, -c, w);
                change_pair(t, s[out - 1], z, c, w);
            }
            if (i + 2 < n) {
                change_pair(t, b, s[i + 2], -c, w);
                change_pair(t, z, s[i + 2], c, w);
            }
            s[out++] = z;
            i += 2;
        } else {
            s[out++] = s[i++];
        }
    }
    t->sym_len[w] = out;
}

static void trainer_free(Trainer *t) {
    for (int32_t p = 0; p < t->n_pairs; p++) free(t->where[p].items);
    pair_map_free(&t->index);
    free(t->key);
    free(t->count);
    free(t->where);
    free(t->banned);
    free(t->raised);
    free(t->raised_list);
    free(t->heap);
}

/* ---------------------------------------------------------------------------------------------
 * Training */

Tokenizer *tokenizer_train(const char *const *texts, int n, int vocab_size, const TokenizerOptions *opt) {
    TokenizerOptions o = opt ? *opt : tokenizer_default_options();
    if (vocab_size < TOKEN_FIRST_MERGE || vocab_size > TOKENIZER_MAX_VOCAB) {
        scar_fail("vocab_size %d: must be at least %d (%d special tokens + 256 bytes) and at most %d",
                  vocab_size, TOKEN_FIRST_MERGE, TOKEN_N_SPECIAL, TOKENIZER_MAX_VOCAB);
        return NULL;
    }
    if (n < 0 || (n > 0 && !texts)) {
        scar_fail("tokenizer training needs a corpus (got %d texts%s)", n, texts ? "" : ", NULL");
        return NULL;
    }
    if (o.min_pair_count < 1) {
        scar_fail("min_pair_count %d: must be at least 1", o.min_pair_count);
        return NULL;
    }

    Words words = {0};
    unsigned flags = TEXT_PREFIX_SPACE | (o.lowercase ? TEXT_LOWERCASE : 0);
    if (collect_words(texts, n, flags, &words) != 0) {
        words_free(&words);
        return NULL;
    }

    /* Symbols: every word starts as its bytes. */
    Trainer t = {0};
    size_t total = words.bytes_n ? words.bytes_n : 1;
    int32_t *sym_pool = xmalloc(total * sizeof *sym_pool);
    t.sym = xmalloc(((size_t)words.n + 1) * sizeof *t.sym);
    t.sym_len = words.len;
    t.word_count = words.count;
    t.word_visit = xcalloc((size_t)words.n + 1, sizeof *t.word_visit);
    for (int32_t w = 0; w < words.n; w++) {
        t.sym[w] = sym_pool + words.off[w];
        for (int32_t i = 0; i < words.len[w]; i++)
            t.sym[w][i] = TOKEN_FIRST_BYTE + (uint8_t)words.bytes[words.off[w] + i];
    }
    pair_map_init(&t.index, 1 << 16);
    for (int32_t w = 0; w < words.n; w++)
        for (int32_t i = 0; i + 1 < t.sym_len[w]; i++) change_pair(&t, t.sym[w][i], t.sym[w][i + 1], words.count[w], w);
    for (int32_t p = 0; p < t.n_pairs; p++) heap_push(&t, p);

    int max_merges = vocab_size - TOKEN_FIRST_MERGE;
    int32_t *merges = xmalloc(((size_t)max_merges + 1) * 2 * sizeof *merges);
    int32_t *tok_len = xmalloc(((size_t)vocab_size + 1) * sizeof *tok_len);
    for (int id = 0; id < TOKEN_FIRST_MERGE; id++) tok_len[id] = 1;
    int n_merges = 0;
    while (n_merges < max_merges && t.heap_n) {
        HeapEntry e = heap_pop(&t);
        int64_t now = t.count[e.pair];
        if (t.banned[e.pair]) continue;
        if (now != e.count) {
            /* Out of date. A lower count goes back in; a higher one has its own newer entry. */
            if (now > 0 && now < e.count) heap_push(&t, e.pair);
            continue;
        }
        if (now < o.min_pair_count) break; /* the best pair left is too rare */
        int32_t a = (int32_t)(e.key >> 32), b = (int32_t)(uint32_t)e.key;
        if (tok_len[a] + tok_len[b] > TOKENIZER_MAX_TOKEN_BYTES) {
            t.banned[e.pair] = 1;
            continue;
        }
        int32_t z = TOKEN_FIRST_MERGE + n_merges;
        merges[2 * n_merges] = a;
        merges[2 * n_merges + 1] = b;
        tok_len[z] = tok_len[a] + tok_len[b];
        n_merges++;

        t.merge_no = n_merges;
        t.raised_n = 0;
        IntList where = t.where[e.pair]; /* no new entries: every pair that rises contains z */
        for (int32_t k = 0; k < where.n; k++) {
            int32_t w = where.items[k];
            if (t.word_visit[w] == t.merge_no) continue;
            t.word_visit[w] = t.merge_no;
            merge_in_word(&t, w, a, b, z);
        }
        free(where.items);
        t.where[e.pair] = (IntList){NULL, 0, 0};
        t.count[e.pair] = 0; /* every place was merged (what the neighbour updates took off is moot) */
        for (int32_t k = 0; k < t.raised_n; k++)
            if (t.count[t.raised_list[k]] > 0) heap_push(&t, t.raised_list[k]);
    }

    Tokenizer *tok = tokenizer_from_merges(o.lowercase, merges, n_merges);
    free(merges);
    free(tok_len);
    free(sym_pool);
    free(t.sym);
    free(t.word_visit);
    trainer_free(&t);
    words_free(&words);
    return tok;
}
