/* Report tokenizer (DESIGN §4): byte-level BPE in the manner of GPT-2, trained on the report
 * corpus and stored with the model.
 *
 * Text -> text_normalize() (UTF-8 validated, optional lower-casing, NFC, white space collapsed)
 * -> pieces (pretokenize.h: a leading space plus a run of letters, digits or punctuation; the
 * text is treated as starting with a space so its first word matches later ones) -> UTF-8 bytes
 * of each piece -> merges applied in the order they were learned. Every byte has a token, so any
 * valid text encodes and decodes back to its normalised form exactly.
 *
 * Ids: the special tokens first, then the 256 bytes (byte b is TOKEN_FIRST_BYTE + b), then one
 * token per merge (merge i is TOKEN_FIRST_MERGE + i). vocab size = TOKEN_FIRST_MERGE + merges.
 *
 * Training is deterministic and independent of the order of the corpus: each step merges the
 * most frequent adjacent pair (counted over pieces, weighted by how often each piece occurs), ties
 * going to the pair with the smaller (left id, right id). Training stops at the requested vocab
 * size or when no pair occurs at least min_pair_count times, whichever comes first.
 *
 * A Tokenizer is immutable after training or loading: encoding and decoding may run on many
 * threads at once. */
#ifndef SCAR_DATA_TOKENIZER_H
#define SCAR_DATA_TOKENIZER_H

#include <stdint.h>

enum {
    TOKEN_PAD = 0,  /* padding after SEP; key mask 0 */
    TOKEN_CLS = 1,  /* first token of every sequence (BOS); the text encoder may pool on it */
    TOKEN_SEP = 2,  /* last real token of every sequence (EOS) */
    TOKEN_MASK = 3, /* stands for a hidden token in masked-language modelling */
    TOKEN_N_SPECIAL = 4,
    TOKEN_FIRST_BYTE = TOKEN_N_SPECIAL,
    TOKEN_FIRST_MERGE = TOKEN_FIRST_BYTE + 256,
    TOKEN_BOS = TOKEN_CLS,
    TOKEN_EOS = TOKEN_SEP,
};

/* The largest vocabulary accepted by training and loading (ids must fit the embedding table). */
#define TOKENIZER_MAX_VOCAB 1000000

typedef struct Tokenizer Tokenizer;

typedef struct {
    int lowercase;      /* lower-case text before everything else (default 1) */
    int min_pair_count; /* stop training when the best pair occurs fewer times (default 2, >= 1) */
} TokenizerOptions;

TokenizerOptions tokenizer_default_options(void);

/* Learn merges from n texts (valid UTF-8, NUL-terminated) until the vocabulary has vocab_size
 * tokens (at least TOKEN_FIRST_MERGE, at most TOKENIZER_MAX_VOCAB) or no pair is frequent
 * enough. opt NULL: defaults. NULL with scar_last_error() on failure ("text 12: invalid UTF-8 at
 * byte 5 ..."). */
Tokenizer *tokenizer_train(const char *const *texts, int n, int vocab_size, const TokenizerOptions *opt);
void tokenizer_free(Tokenizer *tok);

/* Tokens in the vocabulary (ids 0 .. size-1); may be below the vocab_size asked of training. */
int tokenizer_vocab_size(const Tokenizer *tok);
int tokenizer_lowercase(const Tokenizer *tok);
/* Merge i (0 <= i < vocab - TOKEN_FIRST_MERGE) joined tokens *left and *right. -1 out of range. */
int tokenizer_merge(const Tokenizer *tok, int i, int32_t *left, int32_t *right);
/* The bytes a token stands for (*len of them, not NUL-terminated; may be part of a UTF-8
 * character); special tokens give their names "[PAD]" "[CLS]" "[SEP]" "[MASK]". NULL if id is
 * out of range. */
const char *tokenizer_token_bytes(const Tokenizer *tok, int32_t id, int *len);

/* The content tokens of text, without CLS/SEP: *ids (free()) holds *n ids. -1 on invalid UTF-8. */
int tokenizer_tokenize(const Tokenizer *tok, const char *text, int32_t **ids, int *n);

/* Fixed-length model input: CLS, the content tokens, SEP, then PAD up to max_len.
 *   ids_out:  [max_len]             token ids
 *   mask_out: [max_len] or NULL     1 for CLS..SEP, 0 for PAD (the key mask of the transformer)
 * Longer texts are truncated to their first max_len - 2 content tokens (SEP still ends them).
 * Returns the number of real tokens (2 .. max_len), or -1 (invalid UTF-8, max_len < 2). */
int tokenizer_encode(const Tokenizer *tok, const char *text, int max_len, int32_t *ids_out, uint8_t *mask_out);

/* tokenizer_encode for n texts at once, spread over the OpenMP threads.
 *   ids_out:  [n, max_len]   mask_out: [n, max_len] or NULL   lengths_out: [n] or NULL
 * -1 naming the first text that failed. */
int tokenizer_encode_batch(const Tokenizer *tok, const char *const *texts, int n, int max_len,
                           int32_t *ids_out, uint8_t *mask_out, int *lengths_out);

/* Text of n ids (free()): the bytes of the tokens in order, PAD, CLS and SEP skipped, MASK
 * written "[MASK]", the leading space of the first word removed. Bytes that do not form UTF-8
 * (a character cut by truncation) become U+FFFD. decode(encode(x)) == normalised x whenever x was
 * not truncated. NULL if an id is out of range. */
char *tokenizer_decode(const Tokenizer *tok, const int32_t *ids, int n);

/* Compact JSON (free()), e.g. for a checkpoint's safetensors metadata:
 *   {"format":"scar-bpe-1","lowercase":true,"special_tokens":["[PAD]","[CLS]","[SEP]","[MASK]"],
 *    "vocab_size":N,"merges":[left0,right0,left1,right1,...]}                                */
char *tokenizer_to_json(const Tokenizer *tok);
/* The inverse, checking every field (format, types, special tokens, merge ids in range and
 * referring only to earlier tokens, no repeated merge, vocab_size consistent). NULL with
 * scar_last_error() on failure. */
Tokenizer *tokenizer_from_json(const char *json);

/* The JSON in a file, written atomically; and back. Messages name the file. */
int tokenizer_save(const Tokenizer *tok, const char *path);
Tokenizer *tokenizer_load(const char *path);

#endif
