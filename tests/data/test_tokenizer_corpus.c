/* Report tokenizer on real and corpus-sized text: compression of the PTB-XL fixture reports, and a
 * benchmark at the scale of a corpus (figures printed with VERBOSE=1 make test; nothing timed is
 * asserted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/rng.h"
#include "data/tokenizer.h"
#include "testutil.h"
#include "tokenizer_asserts.h"

static double seconds_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


/* ---------------------------------------------------------------------------------------------
 * PTB-XL reports from the fixture CSV: a minimal RFC 4180 splitter for one column */

typedef struct {
    char **text;
    int n;
} Reports;

static void reports_free(Reports *r) {
    for (int i = 0; i < r->n; i++) free(r->text[i]);
    free(r->text);
}

/* The next field of a CSV record at *p, unquoted; *end_of_record set after the record's last. */
static char *csv_field(const char **p, int *end_of_record) {
    const char *s = *p;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    int quoted = *s == '"';
    if (quoted) s++;
    for (;;) {
        char c = *s;
        if (!c) break;
        if (quoted && c == '"') {
            if (s[1] == '"') {
                c = '"';
                s++;
            } else {
                quoted = 0;
                s++;
                continue;
            }
        } else if (!quoted && (c == ',' || c == '\n' || c == '\r')) {
            break;
        }
        if (n + 2 > cap) out = realloc(out, cap *= 2);
        out[n++] = c;
        s++;
    }
    out[n] = 0;
    *end_of_record = *s != ',';
    if (*s == ',') s++;
    else {
        while (*s == '\r' || *s == '\n') s++;
    }
    *p = s;
    return out;
}

static Reports ptbxl_reports(void) {
    char *csv = read_file_all(path_join(fixtures_dir(), "ptbxl/ptbxl_database_head.csv"), NULL);
    assert_non_null(csv);
    const char *p = csv;
    int column = -1, end = 0;
    for (int c = 0; !end; c++) {
        char *name = csv_field(&p, &end);
        if (!strcmp(name, "report")) column = c;
        free(name);
    }
    assert_true(column >= 0);
    Reports r = {NULL, 0};
    int cap = 0;
    while (*p) {
        end = 0;
        for (int c = 0; !end; c++) {
            char *f = csv_field(&p, &end);
            if (c == column) {
                if (r.n == cap) r.text = realloc(r.text, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *r.text);
                r.text[r.n++] = f;
            } else {
                free(f);
            }
        }
    }
    free(csv);
    return r;
}

/* Whitespace-separated words of the normalised text. */
static int count_words(const char *text) {
    char *norm = normalized(text, 1);
    int words = 0;
    for (const char *s = norm; *s; s++) words += s == norm || s[-1] == ' ';
    free(norm);
    return words;
}

/* ---------------------------------------------------------------------------------------------
 * Real reports */

static void ptbxl_reports_compress(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Reports r = ptbxl_reports();
    assert_true(r.n >= 500);
    const char *const *texts = (const char *const *)r.text;

    Tokenizer *bytes = tokenizer_train(texts, r.n, TOKEN_FIRST_MERGE, NULL);
    Tokenizer *tok = tokenizer_train(texts, r.n, 2000, NULL);
    assert_non_null(bytes);
    assert_non_null(tok);
    long words = 0, before = 0, after = 0;
    for (int i = 0; i < r.n; i++) {
        int32_t *ids;
        words += count_words(texts[i]);
        before += tokens_of(bytes, texts[i], &ids);
        free(ids);
        after += tokens_of(tok, texts[i], &ids);
        free(ids);
        assert_round_trip(tok, texts[i]);
    }
    double bytes_per_word = (double)before / (double)words, tokens_per_word = (double)after / (double)words;
    print_message("PTB-XL head: %d reports, %ld words; %.2f bytes/word untrained, %.2f tokens/word with %d tokens\n",
                  r.n, words, bytes_per_word, tokens_per_word, tokenizer_vocab_size(tok));
    assert_true(bytes_per_word > 5.0);
    assert_true(tokens_per_word < 1.5);

    /* the commonest findings are single tokens */
    int32_t *ids;
    assert_int_equal(tokens_of(tok, "Sinusrhythmus normales EKG", &ids), 3);
    free(ids);
    assert_int_equal(tokens_of(tok, "sinusrhythmus linkstyp", &ids), 2);
    free(ids);
    tokenizer_free(bytes);
    tokenizer_free(tok);
    reports_free(&r);
}

/* ---------------------------------------------------------------------------------------------
 * Benchmark: 20,000 synthetic reports of 20-40 words drawn (Zipf) from 20,000 made-up German-like
 * words, vocab 4,000. No timed assertions: the figures are printed. */

static char *made_up_word(Rng *rng) {
    static const char *const syll[] = {"sin", "us", "rhyth", "mus", "link", "styp", "la", "ge", "über", "dreh",
                                       "ter", "ka", "dio", "my", "ok", "ard", "in", "farkt", "schä", "di", "gung",
                                       "hy", "per", "tro", "phie", "blo", "ckie", "rung", "vor", "hof", "flim",
                                       "mern", "bra", "dy", "ß", "ven", "tri", "kel", "nie", "der", "span", "nung"};
    int n = 2 + (int)rng_below(rng, 4);
    char buf[128] = "";
    for (int i = 0; i < n; i++) strcat(buf, syll[rng_below(rng, sizeof syll / sizeof *syll)]);
    return strdup(buf);
}

static void benchmark_corpus_scale(void **state) {
    (void)state;
    enum { N_REPORTS = 20000, N_WORDS = 20000, VOCAB = 4000, MAX_LEN = 64 };
    Rng rng;
    rng_seed(&rng, 2024, 0);
    char **lexicon = malloc(N_WORDS * sizeof *lexicon);
    for (int i = 0; i < N_WORDS; i++) lexicon[i] = made_up_word(&rng);
    /* Zipf(1) ranks by inverse transform over the cumulative weights */
    double *cum = malloc(N_WORDS * sizeof *cum), total = 0;
    for (int i = 0; i < N_WORDS; i++) cum[i] = (total += 1.0 / (i + 1));
    char **reports = malloc(N_REPORTS * sizeof *reports);
    size_t corpus_bytes = 0;
    for (int r = 0; r < N_REPORTS; r++) {
        int words = 20 + (int)rng_below(&rng, 21);
        char *s = malloc(64 * (size_t)words + 1);
        size_t n = 0;
        for (int w = 0; w < words; w++) {
            double u = rng_uniform_f64(&rng) * total;
            int lo = 0, hi = N_WORDS - 1;
            while (lo < hi) {
                int mid = (lo + hi) / 2;
                if (cum[mid] < u) lo = mid + 1;
                else hi = mid;
            }
            n += (size_t)sprintf(s + n, "%s%s", w ? (rng_below(&rng, 10) ? " " : ", ") : "", lexicon[lo]);
            if (rng_below(&rng, 25) == 0) n += (size_t)sprintf(s + n, " %u ms", 80 + rng_below(&rng, 400));
        }
        reports[r] = s;
        corpus_bytes += n;
    }
    const char *const *texts = (const char *const *)reports;

    double t0 = seconds_now();
    Tokenizer *tok = tokenizer_train(texts, N_REPORTS, VOCAB, NULL);
    double t_train = seconds_now() - t0;
    assert_non_null(tok);
    assert_int_equal(tokenizer_vocab_size(tok), VOCAB);

    int32_t *ids = malloc((size_t)N_REPORTS * MAX_LEN * sizeof *ids), row[MAX_LEN];
    uint8_t *mask = malloc((size_t)N_REPORTS * MAX_LEN);
    int *lengths = malloc(N_REPORTS * sizeof *lengths);
    t0 = seconds_now();
    for (int r = 0; r < N_REPORTS; r++) assert_true(tokenizer_encode(tok, texts[r], MAX_LEN, row, NULL) >= 2);
    double t_encode_one = seconds_now() - t0;
    t0 = seconds_now();
    assert_int_equal(tokenizer_encode_batch(tok, texts, N_REPORTS, MAX_LEN, ids, mask, lengths), 0);
    double t_encode_batch = seconds_now() - t0;

    long content = 0;
    for (int r = 0; r < N_REPORTS; r++) {
        int32_t *c;
        content += tokens_of(tok, texts[r], &c);
        free(c);
    }
    for (int r = 0; r < N_REPORTS; r += 997) assert_round_trip(tok, texts[r]);
    print_message("benchmark: %d reports, %.1f MB, vocab %d: train %.2f s; encode %.3f s on one thread, "
                  "%.3f s batched (%d threads); %.2f bytes per token\n",
                  N_REPORTS, (double)corpus_bytes / 1e6, VOCAB, t_train, t_encode_one, t_encode_batch,
#ifdef _OPENMP
                  omp_get_max_threads(),
#else
                  1,
#endif
                  (double)corpus_bytes / (double)content);

    free(ids), free(mask), free(lengths), free(cum);
    for (int r = 0; r < N_REPORTS; r++) free(reports[r]);
    for (int i = 0; i < N_WORDS; i++) free(lexicon[i]);
    free(reports), free(lexicon);
    tokenizer_free(tok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ptbxl_reports_compress),
        cmocka_unit_test(benchmark_corpus_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
