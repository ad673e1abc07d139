/* The tokenizer's representation, shared by its construction (tokenizer.c), training
 * (bpe_train.c) and serialisation (tokenizer_json.c). Not for use outside src/data/tokenizer*. */
#ifndef SCAR_DATA_TOKENIZER_INTERNAL_H
#define SCAR_DATA_TOKENIZER_INTERNAL_H

#include <stdint.h>

#include "data/pair_map.h"
#include "data/tokenizer.h"

/* The longest token, in bytes. Training never learns a longer one, and loading refuses one: a
 * hostile file could otherwise double a token's length with every merge. */
#define TOKENIZER_MAX_TOKEN_BYTES 64

/* Names of the special tokens, by id: "[PAD]" "[CLS]" "[SEP]" "[MASK]". */
extern const char *const TOKEN_SPECIAL_NAMES[TOKEN_N_SPECIAL];

struct Tokenizer {
    int lowercase;
    int n_merges;
    int32_t *merges;   /* [n_merges, 2]: merge i joins (left, right) into TOKEN_FIRST_MERGE + i */
    PairMap rank;      /* (left, right) -> i */
    uint32_t *tok_off; /* [vocab]: bytes of token id are tok_bytes[tok_off[id] .. + tok_len[id]) */
    uint32_t *tok_len; /* [vocab] */
    char *tok_bytes;
    /* Tokens whose bytes, as a piece, encode to that one token (most learned words), by a hash of
     * the bytes: such a piece skips the merge loop. Open addressing, -1 marks a free slot. */
    int32_t *whole;  /* [whole_cap] */
    uint32_t whole_cap;
};

/* Build a tokenizer from merges[n_merges, 2] (copied), checking that every merge joins two
 * existing non-special tokens, that no pair is merged twice and that no token grows past
 * TOKENIZER_MAX_TOKEN_BYTES. NULL with scar_fail("merge 7: ...") on failure. */
Tokenizer *tokenizer_from_merges(int lowercase, const int32_t *merges, int n_merges);

/* Normalisation flags for this tokenizer (text_normalize.h). */
unsigned tokenizer_text_flags(const Tokenizer *tok);

#endif
