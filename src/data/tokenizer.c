/* Tokenizer construction, accessors, encoding and decoding. Training is in bpe_train.c,
 * JSON and files in tokenizer_json.c. */
#include "data/tokenizer.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/pretokenize.h"
#include "data/text_normalize.h"
#include "data/tokenizer_internal.h"

const char *const TOKEN_SPECIAL_NAMES[TOKEN_N_SPECIAL] = {"[PAD]", "[CLS]", "[SEP]", "[MASK]"};

TokenizerOptions tokenizer_default_options(void) {
    return (TokenizerOptions){.lowercase = 1, .min_pair_count = 2};
}

static void build_whole_index(Tokenizer *tok);

Tokenizer *tokenizer_from_merges(int lowercase, const int32_t *merges, int n_merges) {
    if (n_merges < 0 || n_merges > TOKENIZER_MAX_VOCAB - TOKEN_FIRST_MERGE) {
        scar_fail("%d merges: must be 0 .. %d (a vocabulary of at most %d tokens)", n_merges,
                  TOKENIZER_MAX_VOCAB - TOKEN_FIRST_MERGE, TOKENIZER_MAX_VOCAB);
        return NULL;
    }
    int vocab = TOKEN_FIRST_MERGE + n_merges;
    Tokenizer *tok = xcalloc(1, sizeof *tok);
    tok->lowercase = lowercase != 0;
    tok->n_merges = n_merges;
    tok->merges = xmalloc((size_t)n_merges * 2 * sizeof *tok->merges);
    memcpy(tok->merges, merges, (size_t)n_merges * 2 * sizeof *tok->merges);
    pair_map_init(&tok->rank, (size_t)n_merges);
    tok->tok_off = xmalloc((size_t)vocab * sizeof *tok->tok_off);
    tok->tok_len = xmalloc((size_t)vocab * sizeof *tok->tok_len);

    /* Lengths first (checking the merges), then one buffer for all token bytes. */
    size_t total = 0;
    for (int id = 0; id < vocab; id++) {
        uint32_t len;
        if (id < TOKEN_N_SPECIAL) {
            len = (uint32_t)strlen(TOKEN_SPECIAL_NAMES[id]);
        } else if (id < TOKEN_FIRST_MERGE) {
            len = 1;
        } else {
            int i = id - TOKEN_FIRST_MERGE;
            int32_t a = merges[2 * i], b = merges[2 * i + 1];
            if (a < TOKEN_FIRST_BYTE || b < TOKEN_FIRST_BYTE || a >= id || b >= id) {
                scar_fail("merge %d: (%d, %d) must join two tokens among %d .. %d (bytes and earlier merges)",
                          i, (int)a, (int)b, TOKEN_FIRST_BYTE, id - 1);
                goto fail;
            }
            int32_t earlier = pair_map_put_new(&tok->rank, pair_key(a, b), i);
            if (earlier >= 0) {
                scar_fail("merge %d: (%d, %d) repeats merge %d", i, (int)a, (int)b, (int)earlier);
                goto fail;
            }
            len = tok->tok_len[a] + tok->tok_len[b];
            if (len > TOKENIZER_MAX_TOKEN_BYTES) {
                scar_fail("merge %d: token of %u bytes, longer than the limit of %d", i, len,
                          TOKENIZER_MAX_TOKEN_BYTES);
                goto fail;
            }
        }
        tok->tok_len[id] = len;
        tok->tok_off[id] = (uint32_t)total;
        total += len;
    }
    tok->tok_bytes = xmalloc(total ? total : 1);
    for (int id = 0; id < vocab; id++) {
        char *dst = tok->tok_bytes + tok->tok_off[id];
        if (id < TOKEN_N_SPECIAL) {
            memcpy(dst, TOKEN_SPECIAL_NAMES[id], tok->tok_len[id]);
        } else if (id < TOKEN_FIRST_MERGE) {
            *dst = (char)(id - TOKEN_FIRST_BYTE);
        } else {
            int32_t a = tok->merges[2 * (id - TOKEN_FIRST_MERGE)], b = tok->merges[2 * (id - TOKEN_FIRST_MERGE) + 1];
            memcpy(dst, tok->tok_bytes + tok->tok_off[a], tok->tok_len[a]);
            memcpy(dst + tok->tok_len[a], tok->tok_bytes + tok->tok_off[b], tok->tok_len[b]);
        }
    }
    build_whole_index(tok);
    return tok;
fail:
    tokenizer_free(tok);
    return NULL;
}

void tokenizer_free(Tokenizer *tok) {
    if (!tok) return;
    free(tok->merges);
    pair_map_free(&tok->rank);
    free(tok->tok_off);
    free(tok->tok_len);
    free(tok->tok_bytes);
    free(tok->whole);
    free(tok);
}

int tokenizer_vocab_size(const Tokenizer *tok) { return TOKEN_FIRST_MERGE + tok->n_merges; }
int tokenizer_lowercase(const Tokenizer *tok) { return tok->lowercase; }

unsigned tokenizer_text_flags(const Tokenizer *tok) {
    return TEXT_PREFIX_SPACE | (tok->lowercase ? TEXT_LOWERCASE : 0);
}

int tokenizer_merge(const Tokenizer *tok, int i, int32_t *left, int32_t *right) {
    if (i < 0 || i >= tok->n_merges) return -1;
    *left = tok->merges[2 * i];
    *right = tok->merges[2 * i + 1];
    return 0;
}

const char *tokenizer_token_bytes(const Tokenizer *tok, int32_t id, int *len) {
    if (id < 0 || id >= tokenizer_vocab_size(tok)) return NULL;
    *len = (int)tok->tok_len[id];
    return tok->tok_bytes + tok->tok_off[id];
}

/* ---------------------------------------------------------------------------------------------
 * Encoding */

/* Working memory for the piece being merged: its symbols as a doubly linked list over byte
 * positions, and a heap of candidate merges. Grown to the longest piece seen. */
typedef struct {
    int32_t *sym;   /* [cap] token at a position; -1 once merged into its left neighbour */
    int32_t *next;  /* [cap] next live position, -1 at the end */
    int32_t *prev;  /* [cap] */
    uint64_t *heap; /* [3 cap] (rank << 32 | position): every merge pushes at most two candidates */
    size_t heap_n;
    int cap;
    void *block;
} Scratch;

static void scratch_reserve(Scratch *w, int n) {
    if (n <= w->cap) return;
    free(w->block);
    w->cap = n < 64 ? 64 : n;
    size_t c = (size_t)w->cap;
    char *b = w->block = xmalloc(c * (3 * sizeof(uint64_t) + 3 * sizeof(int32_t)));
    w->heap = (uint64_t *)b;
    w->sym = (int32_t *)(b + 3 * c * sizeof(uint64_t));
    w->next = w->sym + c;
    w->prev = w->next + c;
}

static void heap_push(Scratch *w, uint64_t e) {
    size_t i = w->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (w->heap[parent] <= e) break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = e;
}

static uint64_t heap_pop(Scratch *w) {
    uint64_t top = w->heap[0], last = w->heap[--w->heap_n];
    size_t i = 0, n = w->heap_n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && w->heap[c + 1] < w->heap[c]) c++;
        if (last <= w->heap[c]) break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    if (n) w->heap[i] = last;
    return top;
}

static void push_candidate(const Tokenizer *tok, Scratch *w, int32_t pos) {
    int32_t r = pair_map_get(&tok->rank, pair_key(w->sym[pos], w->sym[w->next[pos]]));
    if (r >= 0) heap_push(w, (uint64_t)r << 32 | (uint32_t)pos);
}

/* BPE of one piece s[0..n): always the lowest-ranked merge available, leftmost first. A merge
 * creates a token newer than both parts, so any merge it enables ranks later: the merges happen
 * in rank order, each at all its places left to right, exactly as in training. Appends the
 * tokens to out; returns how many. */
static int encode_piece(const Tokenizer *tok, const uint8_t *s, int n, Scratch *w, int32_t *out) {
    if (n == 1) {
        out[0] = TOKEN_FIRST_BYTE + s[0];
        return 1;
    }
    scratch_reserve(w, n);
    for (int i = 0; i < n; i++) {
        w->sym[i] = TOKEN_FIRST_BYTE + s[i];
        w->next[i] = i + 1 < n ? i + 1 : -1;
        w->prev[i] = i - 1;
    }
    w->heap_n = 0;
    for (int i = 0; i + 1 < n; i++) push_candidate(tok, w, i);
    while (w->heap_n) {
        uint64_t e = heap_pop(w);
        int32_t rank = (int32_t)(e >> 32), i = (int32_t)(uint32_t)e;
        int32_t j = w->next[i];
        /* Stale candidates: the left symbol was absorbed, or either side has changed since. */
        if (w->sym[i] < 0 || j < 0 || w->sym[i] != tok->merges[2 * rank] || w->sym[j] != tok->merges[2 * rank + 1])
            continue;
        w->sym[i] = TOKEN_FIRST_MERGE + rank;
        w->sym[j] = -1;
        w->next[i] = w->next[j];
        if (w->next[i] >= 0) {
            w->prev[w->next[i]] = i;
            push_candidate(tok, w, i);
        }
        if (w->prev[i] >= 0) push_candidate(tok, w, w->prev[i]);
    }
    int k = 0;
    for (int i = 0; i >= 0; i = w->next[i]) out[k++] = w->sym[i];
    return k;
}

static uint32_t hash_piece(const uint8_t *s, int n) {
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}

/* The token that piece s[0..n) is as a whole, or -1 when it takes the merge loop. */
static int32_t whole_token(const Tokenizer *tok, const uint8_t *s, int n) {
    if (n > TOKENIZER_MAX_TOKEN_BYTES) return -1;
    for (uint32_t i = hash_piece(s, n) & (tok->whole_cap - 1);; i = (i + 1) & (tok->whole_cap - 1)) {
        int32_t id = tok->whole[i];
        if (id < 0) return -1;
        if (tok->tok_len[id] == (uint32_t)n && !memcmp(tok->tok_bytes + tok->tok_off[id], s, (size_t)n)) return id;
    }
}

/* Index every merged token that the merge loop turns its own bytes into. (Not every one: the
 * merges can take a token's bytes another way, e.g. "abc" learned as ab+c after bc was learned.
 * Those keep going through the loop, so the index never changes what encoding gives.) */
static void build_whole_index(Tokenizer *tok) {
    uint32_t cap = 16;
    while (cap < 2u * (uint32_t)tok->n_merges) cap *= 2;
    tok->whole_cap = cap;
    tok->whole = xmalloc(cap * sizeof *tok->whole);
    for (uint32_t i = 0; i < cap; i++) tok->whole[i] = -1;
    Scratch w = {0};
    int32_t out[TOKENIZER_MAX_TOKEN_BYTES];
    for (int32_t id = TOKEN_FIRST_MERGE; id < tokenizer_vocab_size(tok); id++) {
        const uint8_t *s = (const uint8_t *)tok->tok_bytes + tok->tok_off[id];
        int n = (int)tok->tok_len[id];
        if (encode_piece(tok, s, n, &w, out) != 1 || out[0] != id) continue;
        uint32_t i = hash_piece(s, n) & (cap - 1);
        while (tok->whole[i] >= 0) i = (i + 1) & (cap - 1);
        tok->whole[i] = id;
    }
    free(w.block);
}

/* Content tokens of text into a new array *ids of *n (at most one per normalised byte). */
static int encode_content(const Tokenizer *tok, const char *text, int32_t **ids, int *n) {
    *ids = NULL;
    *n = 0;
    char *norm;
    size_t len;
    if (!text) return scar_fail("no text to tokenize (NULL)");
    if (text_normalize(text, strlen(text), tokenizer_text_flags(tok), &norm, &len) != 0) return -1;
    if (len > INT32_MAX) {
        free(norm);
        return scar_fail("text of %zu bytes is too long to tokenize", len);
    }
    int32_t *out = xmalloc((len ? len : 1) * sizeof *out); /* at most one token per byte */
    Scratch w = {0};
    int k = 0;
    for (size_t pos = 0; pos < len;) {
        size_t end = pretokenize_next(norm, len, pos);
        const uint8_t *piece = (const uint8_t *)norm + pos;
        int32_t whole = whole_token(tok, piece, (int)(end - pos));
        if (whole >= 0)
            out[k++] = whole;
        else
            k += encode_piece(tok, piece, (int)(end - pos), &w, out + k);
        pos = end;
    }
    free(w.block);
    free(norm);
    *ids = out;
    *n = k;
    return 0;
}

int tokenizer_tokenize(const Tokenizer *tok, const char *text, int32_t **ids, int *n) {
    return encode_content(tok, text, ids, n);
}

int tokenizer_encode(const Tokenizer *tok, const char *text, int max_len, int32_t *ids_out, uint8_t *mask_out) {
    if (max_len < 2) return scar_fail("max_len %d leaves no room for CLS and SEP (needs >= 2)", max_len);
    int32_t *content;
    int n;
    if (encode_content(tok, text, &content, &n) != 0) return -1;
    if (n > max_len - 2) n = max_len - 2;
    ids_out[0] = TOKEN_CLS;
    memcpy(ids_out + 1, content, (size_t)n * sizeof *ids_out);
    ids_out[n + 1] = TOKEN_SEP;
    for (int i = n + 2; i < max_len; i++) ids_out[i] = TOKEN_PAD;
    if (mask_out)
        for (int i = 0; i < max_len; i++) mask_out[i] = i < n + 2;
    free(content);
    return n + 2;
}

int tokenizer_encode_batch(const Tokenizer *tok, const char *const *texts, int n, int max_len,
                           int32_t *ids_out, uint8_t *mask_out, int *lengths_out) {
    if (max_len < 2) return scar_fail("max_len %d leaves no room for CLS and SEP (needs >= 2)", max_len);
    int first_failed = n;
#pragma omp parallel for schedule(dynamic, 64)
    for (int i = 0; i < n; i++) {
        int len = tokenizer_encode(tok, texts[i], max_len, ids_out + (size_t)i * max_len,
                                   mask_out ? mask_out + (size_t)i * max_len : NULL);
        if (lengths_out) lengths_out[i] = len;
        if (len < 0) {
#pragma omp critical(tokenizer_batch_failure)
            if (i < first_failed) first_failed = i;
        }
    }
    if (first_failed < n) {
        /* Messages are per thread: encode the culprit again here to have its message. */
        int32_t *row = xmalloc((size_t)max_len * sizeof *row);
        tokenizer_encode(tok, texts[first_failed], max_len, row, NULL);
        free(row);
        return scar_fail_context("text %d: ", first_failed);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Decoding */

char *tokenizer_decode(const Tokenizer *tok, const int32_t *ids, int n) {
    int vocab = tokenizer_vocab_size(tok);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] < 0 || ids[i] >= vocab) {
            scar_fail("cannot decode: position %d holds id %d, outside the vocabulary 0 .. %d", i, (int)ids[i], vocab - 1);
            return NULL;
        }
        total += tok->tok_len[ids[i]];
    }
    char *raw = xmalloc(total + 1);
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        int32_t id = ids[i];
        if (id == TOKEN_PAD || id == TOKEN_CLS || id == TOKEN_SEP) continue;
        memcpy(raw + len, tok->tok_bytes + tok->tok_off[id], tok->tok_len[id]);
        len += tok->tok_len[id];
    }
    /* Undo the space the tokenizer puts before the first word, and mend cut characters. */
    size_t start = len && raw[0] == ' ';
    char *text = xmalloc(3 * (len - start) + 1);
    size_t out = 0;
    for (size_t i = start; i < len;) {
        int32_t cp;
        const char *why;
        size_t k = (uint8_t)raw[i] < 0x80 ? 1 : utf8_sequence((const uint8_t *)raw + i, len - i, &cp, &why);
        if (k) {
            memcpy(text + out, raw + i, k);
            out += k;
            i += k;
        } else {
            memcpy(text + out, "\xEF\xBF\xBD", 3);
            out += 3;
            i++;
        }
    }
    text[out] = 0;
    free(raw);
    return text;
}
