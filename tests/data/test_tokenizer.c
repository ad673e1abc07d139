/* Report tokenizer: normalisation, hand-computed BPE merges, round trips, special tokens, fixed-length
 * encoding, determinism, JSON and files, hostile input, (real reports and the corpus-scale
 * benchmark: test_tokenizer_corpus.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/text_normalize.h"
#include "data/tokenizer.h"
#include "testutil.h"
#include "tokenizer_asserts.h"

/* ---------------------------------------------------------------------------------------------
 * Helpers */


static void assert_normalizes_to(const char *text, int lowercase, const char *expected) {
    char *out = normalized(text, lowercase);
    assert_string_equal(out, expected);
    free(out);
}


static void assert_same_ids(const Tokenizer *tok, const char *x, const char *y) {
    int32_t *a, *b;
    int na = tokens_of(tok, x, &a), nb = tokens_of(tok, y, &b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    free(a);
    free(b);
}


static void assert_error_contains(const char *needle) {
    const char *msg = scar_last_error();
    if (!strstr(msg, needle)) fail_msg("error \"%s\" does not mention \"%s\"", msg, needle);
}

/* German report phrases in the style of PTB-XL, for the small tests. */
static const char *const GERMAN[] = {
    "sinusrhythmus überdrehter linkstyp",
    "Sinusrhythmus Lagetyp normal ST-Senkung in V5, V6",
    "sinusbradykardie sonst normales ekg",
    "vorhofflimmern mit schneller überleitung, linksschenkelblock",
    "ST-Senkung und T-Negativierung lateral, Verdacht auf Ischämie",
    "Lagetyp: überdrehter Linkstyp; QRS(T) abnormal",
    "sinusrhythmus normales ekg",
    "sinusrhythmus linkstyp größere Q-Zacke in III",
    "Außenschichtischämie möglich, Hypertrophie nicht ausgeschlossen",
    "sinusrhythmus überdrehter linkstyp linksanteriorer hemiblock",
};
#define N_GERMAN ((int)(sizeof GERMAN / sizeof *GERMAN))

static Tokenizer *german_tokenizer(int vocab) {
    TokenizerOptions o = tokenizer_default_options();
    o.min_pair_count = 1;
    Tokenizer *tok = tokenizer_train(GERMAN, N_GERMAN, vocab, &o);
    assert_non_null(tok);
    return tok;
}

/* ---------------------------------------------------------------------------------------------
 * Normalisation */

static void normalization_german_and_whitespace(void **state) {
    (void)state;
    assert_normalizes_to("  Sinusrhythmus\t\tÜberdrehter  Linkstyp \n", 1, "sinusrhythmus überdrehter linkstyp");
    assert_normalizes_to("ST-Senkung", 1, "st-senkung");
    assert_normalizes_to("Lagetyp", 1, "lagetyp");
    assert_normalizes_to("Größere Q-Zacke, STRASSE, Straße", 1, "größere q-zacke, strasse, straße");
    assert_normalizes_to("qt-verlÄngerung", 1, "qt-verlängerung"); /* as in PTB-XL record 7 */
    /* NBSP, U+2028 line separator, ideographic space, vertical tab: all white space */
    assert_normalizes_to("a\xC2\xA0" "b\xE2\x80\xA8" "c\xE3\x80\x80" "d\ve", 1, "a b c d e");
    /* without lower-casing the case stays */
    assert_normalizes_to(" ST-Senkung  in V5 ", 0, "ST-Senkung in V5");
    assert_normalizes_to("", 1, "");
    assert_normalizes_to(" \t\n ", 1, "");
    /* decomposed input composes: u + COMBINING DIAERESIS -> ü, U + it -> Ü -> ü */
    assert_normalizes_to("u\xCC\x88" "berdrehter", 1, "überdrehter");
    assert_normalizes_to("U\xCC\x88" "berdrehter", 1, "überdrehter");
    assert_normalizes_to("U\xCC\x88" "berdrehter", 0, "Überdrehter");
    /* Text below U+0300 skips utf8proc; anything at or past it goes through utf8proc. Both ways
     * must agree: every code point from U+00A0 to U+02FF, then the same with U+2C65 appended. */
    char below[2 * 0x300 + 1], *p = below;
    for (int cp = 0xA0; cp < 0x300; cp++) p += utf8proc_encode_char(cp, (utf8proc_uint8_t *)p);
    *p = 0;
    char with_far[sizeof below + 8];
    snprintf(with_far, sizeof with_far, "%s \xE2\xB1\xA5", below);
    for (int lower = 0; lower <= 1; lower++) {
        char *fast = normalized(below, lower), *slow = normalized(with_far, lower);
        assert_true(strlen(slow) == strlen(fast) + 4);
        assert_memory_equal(slow, fast, strlen(fast));
        if (lower) assert_non_null(strstr(fast, "\xC3\xA4\xC3\xA5")); /* "äå" from "ÄÅ" */
        free(fast);
        free(slow);
    }
    /* idempotent */
    for (int i = 0; i < N_GERMAN; i++) {
        char *once = normalized(GERMAN[i], 1), *twice = normalized(once, 1);
        assert_string_equal(once, twice);
        free(once);
        free(twice);
    }
}

static void invalid_utf8_names_the_offset(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *needle;
    } cases[] = {
        {"abc\xFF" "def", "byte 3 (0xff): byte never used"},
        {"\x80", "byte 0 (0x80): unexpected continuation"},
        {"ab\xC3", "byte 2 (0xc3): sequence cut short"},
        {"ab\xC3x", "byte 2 (0xc3): missing continuation"},
        {"sinus \xC0\xAF", "byte 6 (0xc0): overlong"},
        {"\xE0\x80\xAF", "byte 0 (0xe0): overlong"},
        {"\xF0\x80\x80\xAF", "byte 0 (0xf0): overlong"},
        {"ok \xED\xA0\x80", "byte 3 (0xed): UTF-16 surrogate"},
        {"\xF4\x90\x80\x80", "byte 0 (0xf4): code point past U+10FFFF"},
        {"\xC3\xBC\xE2\x82", "byte 2 (0xe2): sequence cut short"},
    };
    Tokenizer *tok = german_tokenizer(300);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *out = (char *)1;
        size_t len;
        scar_clear_error();
        assert_int_equal(text_normalize(cases[i].text, strlen(cases[i].text), 0, &out, &len), -1);
        assert_null(out);
        assert_error_contains("invalid UTF-8");
        assert_error_contains(cases[i].needle);
        int32_t ids[16];
        assert_int_equal(tokenizer_encode(tok, cases[i].text, 16, ids, NULL), -1);
        assert_error_contains(cases[i].needle);
    }
    /* the largest code point and the last before the surrogates are fine */
    assert_int_equal(utf8_check("\xF4\x8F\xBF\xBF \xED\x9F\xBF", 8), 0);
    /* training names the text */
    const char *corpus[] = {"sinusrhythmus", "linkstyp", "ok \xED\xA0\x80"};
    assert_null(tokenizer_train(corpus, 3, 300, NULL));
    assert_error_contains("text 2: invalid UTF-8 at byte 3");
    tokenizer_free(tok);
}

/* ---------------------------------------------------------------------------------------------
 * Training */

/* Pieces " aaab" " aab" " ab" (every text starts with a space). Counts: ( ,a) 3, (a,a) 3,
 * (a,b) 3 -> the tie goes to the smallest ids: ' ' = 36, a = 101, b = 102. Then " a"+a 1, a+b 2,
 * " a"+b 1 -> (a,b). Then all pairs occur once: (a, ab), (" a", b), (" a", ab), (" a", aab). */
static void hand_computed_merges(void **state) {
    (void)state;
    const char *corpus[] = {"aaab", "aab", "ab"};
    enum { SP = TOKEN_FIRST_BYTE + ' ', A = TOKEN_FIRST_BYTE + 'a', B = TOKEN_FIRST_BYTE + 'b', M = TOKEN_FIRST_MERGE };
    const int32_t expected[][2] = {{SP, A}, {A, B}, {A, M + 1}, {M, B}, {M, M + 1}, {M, M + 2}};
    const char *bytes[] = {" a", "ab", "aab", " ab", " aab", " aaab"};

    Tokenizer *two = tokenizer_train(corpus, 3, 1000, NULL); /* min_pair_count 2 */
    assert_non_null(two);
    assert_int_equal(tokenizer_vocab_size(two), M + 2);

    TokenizerOptions o = tokenizer_default_options();
    o.min_pair_count = 1;
    Tokenizer *tok = tokenizer_train(corpus, 3, 1000, &o);
    assert_non_null(tok);
    assert_int_equal(tokenizer_vocab_size(tok), M + 6); /* every piece is one token: nothing left */
    for (int i = 0; i < 6; i++) {
        int32_t l, r;
        assert_int_equal(tokenizer_merge(tok, i, &l, &r), 0);
        assert_int_equal(l, expected[i][0]);
        assert_int_equal(r, expected[i][1]);
        int len;
        const char *b = tokenizer_token_bytes(tok, M + i, &len);
        assert_int_equal(len, (int)strlen(bytes[i]));
        assert_memory_equal(b, bytes[i], (size_t)len);
        if (i < 2) {
            assert_int_equal(tokenizer_merge(two, i, &l, &r), 0);
            assert_int_equal(l, expected[i][0]);
        }
    }
    assert_int_equal(tokenizer_merge(tok, 6, &(int32_t){0}, &(int32_t){0}), -1);

    /* Encoding replays the merges: the training pieces become single tokens, new text falls back. */
    int32_t *ids;
    assert_int_equal(tokens_of(tok, "aaab", &ids), 1);
    assert_int_equal(ids[0], M + 5);
    free(ids);
    assert_int_equal(tokens_of(tok, "AAB ab", &ids), 2);
    assert_int_equal(ids[0], M + 4);
    assert_int_equal(ids[1], M + 3);
    free(ids);
    assert_int_equal(tokens_of(tok, "ba", &ids), 3);
    assert_int_equal(ids[0], SP);
    assert_int_equal(ids[1], B);
    assert_int_equal(ids[2], A);
    free(ids);
    /* " aaaab": ( ,a) first, then (a,a) is no merge, (a,b) -> " a" a a ab -> (a, ab) -> " a" a aab */
    assert_int_equal(tokens_of(tok, "aaaab", &ids), 3);
    assert_int_equal(ids[0], M);
    assert_int_equal(ids[1], A);
    assert_int_equal(ids[2], M + 2);
    free(ids);
    tokenizer_free(two);
    tokenizer_free(tok);
}

/* Overlapping repeats: "abab" and "aaaa" exercise the neighbour bookkeeping of a merge. Every
 * piece of the corpus must come out of encoding as exactly what training made of it, and with
 * min_pair_count 1 and room enough, that is one token per distinct piece. */
static void repeats_and_overlaps(void **state) {
    (void)state;
    const char *corpus[] = {"abab ababab aaaa aaa", "abab aaaaa bababa", "aaaa abab"};
    TokenizerOptions o = tokenizer_default_options();
    o.min_pair_count = 1;
    Tokenizer *tok = tokenizer_train(corpus, 3, 1000, &o);
    assert_non_null(tok);
    const char *pieces[] = {"abab", "ababab", "aaaa", "aaa", "aaaaa", "bababa"};
    for (int i = 0; i < 6; i++) {
        int32_t *ids;
        assert_int_equal(tokens_of(tok, pieces[i], &ids), 1);
        int len;
        const char *b = tokenizer_token_bytes(tok, ids[0], &len);
        assert_int_equal(len, (int)strlen(pieces[i]) + 1);
        assert_memory_equal(b + 1, pieces[i], strlen(pieces[i]));
        free(ids);
        assert_round_trip(tok, pieces[i]);
    }
    tokenizer_free(tok);
}

/* The definition of BPE training, done the slow way: recount every pair over every word before
 * each merge, take the highest count (ties: smallest left id, then right id), merge it left to
 * right everywhere. Words are " " + text (the text is one run of letters). Returns the number of
 * merges; merges[2i], merges[2i+1] and each word's final symbols come back. */
static int reference_bpe(char **texts, int n, int max_merges, int min_count, int32_t *merges, int32_t **word_sym,
                         int *word_len) {
    for (int w = 0; w < n; w++) {
        word_len[w] = (int)strlen(texts[w]) + 1;
        word_sym[w] = malloc((size_t)word_len[w] * sizeof **word_sym);
        word_sym[w][0] = TOKEN_FIRST_BYTE + ' ';
        for (int i = 1; i < word_len[w]; i++) word_sym[w][i] = TOKEN_FIRST_BYTE + (uint8_t)texts[w][i - 1];
    }
    int vocab_cap = TOKEN_FIRST_MERGE + max_merges;
    long *count = malloc((size_t)vocab_cap * (size_t)vocab_cap * sizeof *count);
    int m = 0;
    for (; m < max_merges; m++) {
        memset(count, 0, (size_t)vocab_cap * (size_t)vocab_cap * sizeof *count);
        for (int w = 0; w < n; w++)
            for (int i = 0; i + 1 < word_len[w]; i++) count[(size_t)word_sym[w][i] * vocab_cap + word_sym[w][i + 1]]++;
        long best = 0;
        size_t best_at = 0;
        for (size_t k = 0; k < (size_t)vocab_cap * (size_t)vocab_cap; k++) /* row-major: ties to smaller ids */
            if (count[k] > best) best = count[k], best_at = k;
        if (best < min_count) break;
        int32_t a = (int32_t)(best_at / (size_t)vocab_cap), b = (int32_t)(best_at % (size_t)vocab_cap);
        int32_t z = TOKEN_FIRST_MERGE + m;
        merges[2 * m] = a;
        merges[2 * m + 1] = b;
        for (int w = 0; w < n; w++) {
            int out = 0;
            for (int i = 0; i < word_len[w];) {
                if (i + 1 < word_len[w] && word_sym[w][i] == a && word_sym[w][i + 1] == b) {
                    word_sym[w][out++] = z;
                    i += 2;
                } else {
                    word_sym[w][out++] = word_sym[w][i++];
                }
            }
            word_len[w] = out;
        }
    }
    free(count);
    return m;
}

/* Random words over a three-letter alphabet: many ties and overlapping repeats (aaaa, abab). The
 * incremental trainer must learn exactly the reference's merges, and encoding each word must give
 * exactly the reference's final segmentation of it. */
static void training_matches_the_slow_definition(void **state) {
    (void)state;
    enum { N = 300, MAX_MERGES = 120 };
    Rng rng;
    for (int trial = 0; trial < 3; trial++) {
        rng_seed(&rng, 99, (uint64_t)trial);
        char *texts[N];
        for (int w = 0; w < N; w++) {
            int len = 1 + (int)rng_below(&rng, 12);
            texts[w] = malloc((size_t)len + 1);
            for (int i = 0; i < len; i++) texts[w][i] = (char)('a' + rng_below(&rng, trial == 2 ? 2 : 3));
            texts[w][len] = 0;
        }
        int min_count = 1 + trial;
        int32_t merges[2 * MAX_MERGES], *word_sym[N];
        int word_len[N];
        int m = reference_bpe(texts, N, MAX_MERGES, min_count, merges, word_sym, word_len);
        assert_true(m > 20);

        TokenizerOptions o = tokenizer_default_options();
        o.min_pair_count = min_count;
        Tokenizer *tok = tokenizer_train((const char *const *)texts, N, TOKEN_FIRST_MERGE + MAX_MERGES, &o);
        assert_non_null(tok);
        assert_int_equal(tokenizer_vocab_size(tok), TOKEN_FIRST_MERGE + m);
        for (int i = 0; i < m; i++) {
            int32_t l, r;
            assert_int_equal(tokenizer_merge(tok, i, &l, &r), 0);
            if (l != merges[2 * i] || r != merges[2 * i + 1])
                fail_msg("trial %d merge %d: (%d, %d), the reference has (%d, %d)", trial, i, l, r, merges[2 * i],
                         merges[2 * i + 1]);
        }
        for (int w = 0; w < N; w++) {
            int32_t *ids;
            int n = tokens_of(tok, texts[w], &ids);
            assert_int_equal(n, word_len[w]);
            assert_memory_equal(ids, word_sym[w], (size_t)n * sizeof *ids);
            free(ids);
            free(word_sym[w]);
            free(texts[w]);
        }
        tokenizer_free(tok);
    }
}

static void vocab_size_limits(void **state) {
    (void)state;
    scar_clear_error();
    assert_null(tokenizer_train(GERMAN, N_GERMAN, TOKEN_FIRST_MERGE - 1, NULL));
    assert_error_contains("vocab_size 259");
    assert_error_contains("at least 260");
    assert_null(tokenizer_train(GERMAN, N_GERMAN, TOKENIZER_MAX_VOCAB + 1, NULL));
    assert_error_contains("at most");
    TokenizerOptions o = tokenizer_default_options();
    o.min_pair_count = 0;
    assert_null(tokenizer_train(GERMAN, N_GERMAN, 1000, &o));
    assert_error_contains("min_pair_count");
    const char *with_null[] = {"sinus", NULL};
    assert_null(tokenizer_train(with_null, 2, 1000, NULL));
    assert_error_contains("text 1 is NULL");

    /* exactly the bytes: a valid, merge-free tokenizer */
    Tokenizer *bytes = tokenizer_train(GERMAN, N_GERMAN, TOKEN_FIRST_MERGE, NULL);
    assert_non_null(bytes);
    assert_int_equal(tokenizer_vocab_size(bytes), TOKEN_FIRST_MERGE);
    int32_t *ids;
    assert_int_equal(tokens_of(bytes, "ekg", &ids), 4); /* " ekg" */
    free(ids);
    assert_round_trip(bytes, GERMAN[4]);
    tokenizer_free(bytes);

    /* the vocabulary grows to what was asked when the corpus allows */
    Tokenizer *tok = german_tokenizer(300);
    assert_int_equal(tokenizer_vocab_size(tok), 300);
    tokenizer_free(tok);
    /* an empty corpus trains a byte-level tokenizer */
    Tokenizer *empty = tokenizer_train(NULL, 0, 1000, NULL);
    assert_non_null(empty);
    assert_int_equal(tokenizer_vocab_size(empty), TOKEN_FIRST_MERGE);
    tokenizer_free(empty);
}

static void deterministic_and_order_free(void **state) {
    (void)state;
    const char *reversed[N_GERMAN];
    for (int i = 0; i < N_GERMAN; i++) reversed[i] = GERMAN[N_GERMAN - 1 - i];
    Tokenizer *a = german_tokenizer(400), *b = german_tokenizer(400);
    TokenizerOptions o = tokenizer_default_options();
    o.min_pair_count = 1;
    Tokenizer *c = tokenizer_train(reversed, N_GERMAN, 400, &o);
    char *ja = tokenizer_to_json(a), *jb = tokenizer_to_json(b), *jc = tokenizer_to_json(c);
    assert_string_equal(ja, jb);
    assert_string_equal(ja, jc);
    /* and a different corpus does give different merges */
    Tokenizer *d = tokenizer_train(GERMAN, N_GERMAN - 3, 400, &o);
    char *jd = tokenizer_to_json(d);
    assert_string_not_equal(ja, jd);
    free(ja), free(jb), free(jc), free(jd);
    tokenizer_free(a), tokenizer_free(b), tokenizer_free(c), tokenizer_free(d);
}

/* ---------------------------------------------------------------------------------------------
 * Encoding and decoding */

static void nfc_and_nfd_give_the_same_ids(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(400);
    assert_same_ids(tok, "sinusrhythmus überdrehter linkstyp", "sinusrhythmus u\xCC\x88" "berdrehter linkstyp");
    assert_same_ids(tok, "sinusrhythmus überdrehter linkstyp", "Sinusrhythmus  U\xCC\x88" "berdrehter\tLinkstyp");
    assert_same_ids(tok, "Ischämie", "Ischa\xCC\x88mie");
    assert_same_ids(tok, "größere", "GRO\xCC\x88\xC3\x9F" "ERE"); /* ß has no one-letter upper case here */
    /* decoding gives the composed form */
    int32_t *ids;
    int n = tokens_of(tok, "u\xCC\x88" "berdrehter", &ids);
    char *text = tokenizer_decode(tok, ids, n);
    assert_string_equal(text, "überdrehter");
    free(text);
    free(ids);
    /* a trained tokenizer compresses the text it was trained on */
    n = tokens_of(tok, "sinusrhythmus überdrehter linkstyp", &ids);
    assert_true(n <= 6);
    free(ids);
    tokenizer_free(tok);
}

static void round_trips(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(400);
    static const char *const texts[] = {
        "sinusrhythmus überdrehter linkstyp",
        "ST-Senkung in V1-V4 (0.2 mV), QTc 470ms!!",
        "Lagetyp: normal... T-Negativierung?",
        "sinusrhythmus,linkstyp;;--   qrs(t)   abnormal",
        "Herzfrequenz 72/min \xE2\x80\x93 PQ 180 ms \xC2\xB1 10",
        "emoji \xF0\x9F\xAB\x80 and CJK \xE5\xBF\x83\xE9\x9B\xBB\xE5\x9B\xBE",
        "\xCC\x88" "leading combining mark",
        "tab\there\nnewline\r\nend",
        "1234567890 0.1 mv",
        "e\xCC\x81" "e\xCC\x81" "\xCC\xA3", /* stacked combining marks */
        "x",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) assert_round_trip(tok, texts[i]);
    for (int i = 0; i < N_GERMAN; i++) assert_round_trip(tok, GERMAN[i]);
    TokenizerOptions cased = tokenizer_default_options();
    cased.lowercase = 0;
    Tokenizer *keep = tokenizer_train(GERMAN, N_GERMAN, 400, &cased);
    assert_false(tokenizer_lowercase(keep));
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) assert_round_trip(keep, texts[i]);
    char *text;
    int32_t *ids;
    int n = tokens_of(keep, "ST-Senkung", &ids);
    text = tokenizer_decode(keep, ids, n);
    assert_string_equal(text, "ST-Senkung");
    free(text);
    free(ids);
    tokenizer_free(keep);
    tokenizer_free(tok);
}

static void special_tokens_and_empty_text(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(300);
    assert_int_equal(TOKEN_PAD, 0);
    assert_int_equal(TOKEN_BOS, TOKEN_CLS);
    assert_int_equal(TOKEN_EOS, TOKEN_SEP);
    const char *names[] = {"[PAD]", "[CLS]", "[SEP]", "[MASK]"};
    int specials[] = {TOKEN_PAD, TOKEN_CLS, TOKEN_SEP, TOKEN_MASK};
    for (int i = 0; i < 4; i++) {
        int len;
        const char *b = tokenizer_token_bytes(tok, specials[i], &len);
        assert_int_equal(len, (int)strlen(names[i]));
        assert_memory_equal(b, names[i], (size_t)len);
    }
    assert_null(tokenizer_token_bytes(tok, tokenizer_vocab_size(tok), &(int){0}));
    assert_null(tokenizer_token_bytes(tok, -1, &(int){0}));

    const char *empties[] = {"", "   ", "\t\n\xC2\xA0"};
    for (int e = 0; e < 3; e++) {
        int32_t ids[6];
        uint8_t mask[6];
        assert_int_equal(tokenizer_encode(tok, empties[e], 6, ids, mask), 2);
        const int32_t want[6] = {TOKEN_CLS, TOKEN_SEP, TOKEN_PAD, TOKEN_PAD, TOKEN_PAD, TOKEN_PAD};
        const uint8_t want_mask[6] = {1, 1, 0, 0, 0, 0};
        assert_memory_equal(ids, want, sizeof want);
        assert_memory_equal(mask, want_mask, sizeof want_mask);
        char *text = tokenizer_decode(tok, ids, 6);
        assert_string_equal(text, "");
        free(text);
    }
    /* no text ever produces a special token */
    int32_t ids[64];
    int n = tokenizer_encode(tok, "[PAD] [CLS] [SEP] [MASK]", 64, ids, NULL);
    for (int i = 1; i < n - 1; i++) assert_true(ids[i] >= TOKEN_FIRST_BYTE);
    /* decode skips PAD, CLS and SEP and writes MASK */
    int32_t *content;
    int m = tokens_of(tok, "sinusrhythmus normales ekg", &content);
    assert_true(m >= 3);
    int32_t masked[64] = {TOKEN_CLS};
    memcpy(masked + 1, content, (size_t)m * sizeof *content);
    masked[2] = TOKEN_MASK;
    masked[m + 1] = TOKEN_SEP;
    char *text = tokenizer_decode(tok, masked, m + 4); /* + two PAD */
    assert_non_null(strstr(text, "[MASK]"));
    assert_null(strstr(text, "[PAD]"));
    assert_null(strstr(text, "[CLS]"));
    free(text);
    free(content);
    /* ids outside the vocabulary are refused */
    int32_t bad[] = {TOKEN_CLS, tokenizer_vocab_size(tok), TOKEN_SEP};
    assert_null(tokenizer_decode(tok, bad, 3));
    assert_error_contains("position 1 holds id 300");
    bad[1] = -5;
    assert_null(tokenizer_decode(tok, bad, 3));
    tokenizer_free(tok);
}

static void truncation_padding_and_mask(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(400);
    const char *text = GERMAN[4];
    int32_t *content;
    int n = tokens_of(tok, text, &content);
    assert_true(n > 10);

    /* room to spare: CLS, content, SEP, PAD... and the mask marks CLS..SEP */
    int32_t ids[128];
    uint8_t mask[128];
    int len = tokenizer_encode(tok, text, 128, ids, mask);
    assert_int_equal(len, n + 2);
    assert_int_equal(ids[0], TOKEN_CLS);
    assert_memory_equal(ids + 1, content, (size_t)n * sizeof *ids);
    assert_int_equal(ids[n + 1], TOKEN_SEP);
    for (int i = 0; i < 128; i++) {
        assert_int_equal(mask[i], i < n + 2);
        if (i >= n + 2) assert_int_equal(ids[i], TOKEN_PAD);
    }
    char *back = tokenizer_decode(tok, ids, 128), *want = normalized(text, 1);
    assert_string_equal(back, want);
    free(back);

    /* exactly fitting, then truncated: SEP still ends the sequence, the mask is all ones */
    assert_int_equal(tokenizer_encode(tok, text, n + 2, ids, mask), n + 2);
    assert_int_equal(ids[n + 1], TOKEN_SEP);
    assert_int_equal(tokenizer_encode(tok, text, 8, ids, mask), 8);
    assert_int_equal(ids[0], TOKEN_CLS);
    assert_memory_equal(ids + 1, content, 6 * sizeof *ids);
    assert_int_equal(ids[7], TOKEN_SEP);
    for (int i = 0; i < 8; i++) assert_int_equal(mask[i], 1);
    back = tokenizer_decode(tok, ids, 8);
    assert_true(strlen(back) < strlen(want));
    assert_memory_equal(back, want, strlen(back) - 3); /* a prefix (its last character may be cut) */
    free(back);
    free(want);

    /* the smallest and too small */
    assert_int_equal(tokenizer_encode(tok, text, 2, ids, NULL), 2);
    assert_int_equal(ids[0], TOKEN_CLS);
    assert_int_equal(ids[1], TOKEN_SEP);
    assert_int_equal(tokenizer_encode(tok, text, 1, ids, mask), -1);
    assert_error_contains("max_len 1");

    /* a character cut by truncation decodes as U+FFFD, never as broken UTF-8 */
    Tokenizer *bytes = tokenizer_train(NULL, 0, TOKEN_FIRST_MERGE, NULL);
    assert_int_equal(tokenizer_encode(bytes, "ü", 4, ids, NULL), 4); /* CLS ' ' 0xC3 SEP */
    back = tokenizer_decode(bytes, ids, 4);
    assert_string_equal(back, "\xEF\xBF\xBD");
    free(back);
    tokenizer_free(bytes);
    free(content);
    tokenizer_free(tok);
}

static void batch_encoding_matches_single(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(400);
    enum { L = 24 };
    int32_t ids[N_GERMAN * L], one[L];
    uint8_t mask[N_GERMAN * L], one_mask[L];
    int lengths[N_GERMAN];
    assert_int_equal(tokenizer_encode_batch(tok, GERMAN, N_GERMAN, L, ids, mask, lengths), 0);
    for (int i = 0; i < N_GERMAN; i++) {
        assert_int_equal(tokenizer_encode(tok, GERMAN[i], L, one, one_mask), lengths[i]);
        assert_memory_equal(ids + i * L, one, sizeof one);
        assert_memory_equal(mask + i * L, one_mask, sizeof one_mask);
    }
    const char *bad[] = {"ok", "fine", "br\xC3oken", "also \xFF"};
    assert_int_equal(tokenizer_encode_batch(tok, bad, 4, L, ids, NULL, NULL), -1);
    assert_error_contains("text 2: invalid UTF-8 at byte 2");
    tokenizer_free(tok);
}

/* ---------------------------------------------------------------------------------------------
 * Serialisation */

static void json_and_file_round_trip(void **state) {
    (void)state;
    Tokenizer *tok = german_tokenizer(400);
    char *json = tokenizer_to_json(tok);
    assert_non_null(strstr(json, "\"format\":\"scar-bpe-1\""));
    assert_null(strchr(json, '\n')); /* compact: one line for the safetensors metadata */
    Tokenizer *back = tokenizer_from_json(json);
    assert_non_null(back);
    char *again = tokenizer_to_json(back);
    assert_string_equal(json, again);
    assert_int_equal(tokenizer_vocab_size(back), 400);
    for (int i = 0; i < N_GERMAN; i++) assert_same_ids(back, GERMAN[i], GERMAN[i]);
    for (int i = 0; i < N_GERMAN; i++) {
        int32_t *a, *b;
        int na = tokens_of(tok, GERMAN[i], &a), nb = tokens_of(back, GERMAN[i], &b);
        assert_int_equal(na, nb);
        assert_memory_equal(a, b, (size_t)na * sizeof *a);
        free(a), free(b);
    }

    char *dir = tmpdir_make();
    assert_non_null(dir);
    const char *path = path_join(dir, "tokenizer.json");
    assert_int_equal(tokenizer_save(tok, path), 0);
    Tokenizer *loaded = tokenizer_load(path);
    assert_non_null(loaded);
    char *from_file = tokenizer_to_json(loaded);
    assert_string_equal(json, from_file);

    /* a file that is not a tokenizer is refused, naming it */
    const char *junk = path_join(dir, "junk.json");
    assert_int_equal(write_file_all(junk, "{\"format\":\"scar-bpe-1\"}", 23), 0);
    assert_null(tokenizer_load(junk));
    assert_error_contains("junk.json");
    assert_error_contains("missing field \"lowercase\"");
    assert_null(tokenizer_load(path_join(dir, "absent.json")));
    assert_error_contains("absent.json: cannot open");
    assert_null(tokenizer_load(dir));
    assert_error_contains("not a regular file");
    tmpdir_remove(dir);

    /* the lower-casing flag travels with the tokenizer */
    TokenizerOptions cased = tokenizer_default_options();
    cased.lowercase = 0;
    Tokenizer *keep = tokenizer_train(GERMAN, N_GERMAN, 300, &cased);
    char *jk = tokenizer_to_json(keep);
    Tokenizer *keep2 = tokenizer_from_json(jk);
    assert_false(tokenizer_lowercase(keep2));
    assert_round_trip(keep2, "ST-Senkung");

    free(json), free(again), free(from_file), free(jk);
    tokenizer_free(tok), tokenizer_free(back), tokenizer_free(loaded), tokenizer_free(keep), tokenizer_free(keep2);
}

static void corrupt_json_is_rejected(void **state) {
    (void)state;
#define HEAD "{\"format\":\"scar-bpe-1\",\"lowercase\":true,\"special_tokens\":[\"[PAD]\",\"[CLS]\",\"[SEP]\",\"[MASK]\"],"
    static const struct {
        const char *json;
        const char *needle;
    } cases[] = {
        {"", "not valid JSON"},
        {"{\"format\":", "not valid JSON"},
        {HEAD "\"vocab_size\":260,\"merges\":[]} trailing", "not valid JSON"},
        {"[1,2]", "not an object"},
        {"{}", "missing field \"format\""},
        {"{\"format\":\"scar-bpe-2\"}", "format \"scar-bpe-2\""},
        {"{\"format\":7}", "not a string"},
        {"{\"format\":\"scar-bpe-1\",\"lowercase\":1}", "\"lowercase\" is not true or false"},
        {"{\"format\":\"scar-bpe-1\",\"lowercase\":true}", "missing field \"special_tokens\""},
        {"{\"format\":\"scar-bpe-1\",\"lowercase\":true,\"special_tokens\":[\"[PAD]\"]}", "array of 4 names"},
        {"{\"format\":\"scar-bpe-1\",\"lowercase\":true,\"special_tokens\":[\"[PAD]\",\"[SEP]\",\"[CLS]\",\"[MASK]\"]}",
         "special token 1 must be \"[CLS]\""},
        {HEAD "\"merges\":[]}", "missing field \"vocab_size\""},
        {HEAD "\"vocab_size\":\"260\",\"merges\":[]}", "\"vocab_size\" is not a number"},
        {HEAD "\"vocab_size\":259,\"merges\":[]}", "\"vocab_size\" is 259"},
        {HEAD "\"vocab_size\":260}", "missing field \"merges\""},
        {HEAD "\"vocab_size\":260,\"merges\":{}}", "\"merges\" is not an array"},
        {HEAD "\"vocab_size\":261,\"merges\":[40]}", "holds 1 ids, not pairs"},
        {HEAD "\"vocab_size\":262,\"merges\":[40,41]}", "\"vocab_size\" 262 does not match 1 merges"},
        {HEAD "\"vocab_size\":261,\"merges\":[40,\"41\"]}", "merge 0, right id is not a number"},
        {HEAD "\"vocab_size\":261,\"merges\":[40.5,41]}", "merge 0, left id is 40.5"},
        {HEAD "\"vocab_size\":261,\"merges\":[-1,41]}", "merge 0, left id is -1"},
        {HEAD "\"vocab_size\":261,\"merges\":[40,1e300]}", "merge 0, right id is 1e+300"},
        {HEAD "\"vocab_size\":261,\"merges\":[3,41]}", "merge 0: (3, 41) must join two tokens among 4 .. 259"},
        {HEAD "\"vocab_size\":261,\"merges\":[40,260]}", "merge 0: (40, 260)"},
        {HEAD "\"vocab_size\":262,\"merges\":[40,41,261,41]}", "merge 1: (261, 41)"},
        {HEAD "\"vocab_size\":262,\"merges\":[40,41,40,41]}", "merge 1: (40, 41) repeats merge 0"},
        /* doubling: " " x 2, 4, 8, 16, 32, 64, 128 bytes -> refused at the 7th merge */
        {HEAD "\"vocab_size\":267,\"merges\":[36,36,260,260,261,261,262,262,263,263,264,264,265,265]}",
         "merge 6: token of 128 bytes, longer than the limit of 64"},
    };
#undef HEAD
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        scar_clear_error();
        Tokenizer *tok = tokenizer_from_json(cases[i].json);
        if (tok) fail_msg("case %zu accepted: %s", i, cases[i].json);
        assert_error_contains("tokenizer JSON");
        assert_error_contains(cases[i].needle);
    }
    assert_null(tokenizer_from_json(NULL));
    /* the smallest valid one, for contrast */
    Tokenizer *ok = tokenizer_from_json("{\"format\":\"scar-bpe-1\",\"lowercase\":false,\"special_tokens\":"
                                        "[\"[PAD]\",\"[CLS]\",\"[SEP]\",\"[MASK]\"],\"vocab_size\":261,\"merges\":[36,101]}");
    assert_non_null(ok);
    int32_t *ids;
    assert_int_equal(tokens_of(ok, "aa", &ids), 2); /* " a" a */
    assert_int_equal(ids[0], TOKEN_FIRST_MERGE);
    free(ids);
    tokenizer_free(ok);

    /* A token the merges never produce from its own bytes: bc is learned before " a" + b, so
     * " abc" always splits " a" | bc and token 263 (" ab" + c) stays unreachable. */
    Tokenizer *detour = tokenizer_from_json("{\"format\":\"scar-bpe-1\",\"lowercase\":true,\"special_tokens\":"
                                            "[\"[PAD]\",\"[CLS]\",\"[SEP]\",\"[MASK]\"],\"vocab_size\":264,"
                                            "\"merges\":[102,103,36,101,261,102,262,103]}");
    assert_non_null(detour);
    assert_int_equal(tokens_of(detour, "abc", &ids), 2);
    assert_int_equal(ids[0], TOKEN_FIRST_MERGE + 1);
    assert_int_equal(ids[1], TOKEN_FIRST_MERGE);
    free(ids);
    assert_int_equal(tokens_of(detour, "ab", &ids), 1);
    assert_int_equal(ids[0], TOKEN_FIRST_MERGE + 2);
    free(ids);
    tokenizer_free(detour);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normalization_german_and_whitespace),
        cmocka_unit_test(invalid_utf8_names_the_offset),
        cmocka_unit_test(hand_computed_merges),
        cmocka_unit_test(repeats_and_overlaps),
        cmocka_unit_test(training_matches_the_slow_definition),
        cmocka_unit_test(vocab_size_limits),
        cmocka_unit_test(deterministic_and_order_free),
        cmocka_unit_test(nfc_and_nfd_give_the_same_ids),
        cmocka_unit_test(round_trips),
        cmocka_unit_test(special_tokens_and_empty_text),
        cmocka_unit_test(truncation_padding_and_mask),
        cmocka_unit_test(batch_encoding_matches_single),
        cmocka_unit_test(json_and_file_round_trip),
        cmocka_unit_test(corrupt_json_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
