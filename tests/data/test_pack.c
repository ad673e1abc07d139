/* Packs: what goes in comes out bit for bit (signals, masks, text, labels, evidence, metadata);
 * files appear only when complete; damaged files are refused with a message; batches and the
 * shuffled sampler draw what they should. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/rng.h"
#include "data/pack.h"
#include "data/pack_format.h"
#include "testutil.h"

#define T 250

static LabelSchema test_schema(void) {
    LabelSchema s = {0};
    s.n_sets = 2;
    strcpy(s.set_name[0], "super");
    s.n_classes[0] = 5;
    const char *names[] = {"CD", "HYP", "MI", "NORM", "STTC"};
    for (int c = 0; c < 5; c++) strcpy(s.class_name[0][c], names[c]);
    strcpy(s.set_name[1], "wide");
    s.n_classes[1] = 100;
    for (int c = 0; c < 100; c++) snprintf(s.class_name[1][c], SCAR_NAME_LEN, "class%d", c);
    return s;
}

static void make_record(EcgRecord *r, int i) {
    record_init(r, 100, T);
    snprintf(r->id, sizeof r->id, "rec%03d", i);
    Rng g;
    rng_seed(&g, 11, (uint64_t)i);
    r->lead_available = (uint16_t)(ALL_LEADS_MASK & ~(i % 3 ? 0 : 1u << (i % 12)));
    for (int l = 0; l < N_LEADS; l++)
        if (r->lead_available >> l & 1)
            for (int k = 0; k < T; k++) {
                r->signal[l * T + k] = (float)rng_normal(&g);
                r->valid[l * T + k] = (k + i) % 37 != 0;
                if (!r->valid[l * T + k]) r->signal[l * T + k] = 0;
            }
    r->age = i % 5 == 0 ? -1 : 20 + i;
    r->sex = i % 3 - 1;
    r->fold = 1 + i % 10;
    r->split = i % 10 < 8 ? SPLIT_TRAIN : i % 10 == 8 ? SPLIT_VAL : SPLIT_TEST;
    free(r->report);
    char rep[128];
    snprintf(rep, sizeof rep, i % 4 ? "sinusrhythmus %d, qt-verlÄngerung" : "", i);
    r->report = strdup(rep);
    label_set(&r->labels[0], i % 5);
    label_set(&r->labels[1], (i * 7) % 100);
    label_set(&r->labels[1], 99);
    r->n_evidence = i % 3;
    r->evidence = r->n_evidence ? calloc((size_t)r->n_evidence, sizeof *r->evidence) : NULL;
    for (int e = 0; e < r->n_evidence; e++)
        r->evidence[e] = (EvidenceSpan){.label_set = (uint16_t)e, .class_id = (uint16_t)(e ? 64 + i % 36 : i % 5),
                                        .lead_mask = (uint16_t)(0x0f0 >> e), .primary = (uint16_t)(e == 0),
                                        .t0 = 10 * e, .t1 = 10 * e + 50 + i};
}

static char *write_pack(const char *dir, int n, const char *source) {
    LabelSchema s = test_schema();
    char *path = strdup(path_join(dir, "test.pack"));
    PackWriter *w = pack_writer_open(path, &s, 100, T, source);
    assert_non_null(w);
    for (int i = 0; i < n; i++) {
        EcgRecord r;
        make_record(&r, i);
        if (pack_writer_add(w, &r) != 0) fail_msg("%s", scar_last_error());
        record_free(&r);
    }
    assert_int_equal(pack_writer_count(w), n);
    assert_int_equal(pack_writer_close(w), 0);
    return path;
}

static int files_in(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void round_trip_is_exact(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char *path = write_pack(dir, 40, "test:source ü");
    Pack *p = pack_open(path);
    if (!p) fail_msg("%s", scar_last_error());
    assert_int_equal(pack_count(p), 40);
    assert_true(pack_rate(p) == 100);
    assert_int_equal(pack_samples(p), T);
    assert_string_equal(pack_source(p), "test:source ü");
    LabelSchema s = test_schema();
    assert_memory_equal(pack_schema(p), &s, sizeof s);
    for (int i = 0; i < 40; i++) {
        EcgRecord r, v;
        make_record(&r, i);
        assert_int_equal(pack_get(p, i, &v), 0);
        assert_string_equal(v.id, r.id);
        assert_string_equal(pack_id(p, i), r.id);
        assert_int_equal(v.age, r.age);
        assert_int_equal(v.sex, r.sex);
        assert_int_equal(v.fold, r.fold);
        assert_int_equal(v.split, r.split);
        assert_int_equal(v.lead_available, r.lead_available);
        assert_string_equal(v.report, r.report);
        assert_string_equal(pack_report(p, i), r.report);
        assert_memory_equal(v.labels, r.labels, sizeof r.labels);
        assert_memory_equal(v.signal, r.signal, (size_t)N_LEADS * T * sizeof(float));
        assert_memory_equal(v.valid, r.valid, (size_t)N_LEADS * T);
        assert_int_equal(v.n_evidence, r.n_evidence);
        if (r.n_evidence) assert_memory_equal(v.evidence, r.evidence, (size_t)r.n_evidence * sizeof *r.evidence);
        record_free(&r);
    }
    assert_int_equal(pack_get(p, 40, &(EcgRecord){0}), -1);
    pack_close(p);
    assert_int_equal(files_in(dir), 1); /* no temporary file left behind */
    free(path);
    tmpdir_remove(dir);
}

static void empty_pack_and_atomic_appearance(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "e.pack");
    LabelSchema s = test_schema();
    PackWriter *w = pack_writer_open(path, &s, 250, 10, "");
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* not there until closed */
    assert_int_equal(pack_writer_close(w), 0);
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0666 & ~mask); /* not the temporary file's owner-only mode */
    Pack *p = pack_open(path);
    assert_non_null(p);
    assert_int_equal(pack_count(p), 0);
    pack_close(p);
    w = pack_writer_open(path_join(dir, "gone.pack"), &s, 250, 10, "");
    EcgRecord r;
    record_init(&r, 250, 10);
    assert_int_equal(pack_writer_add(w, &r), 0);
    record_free(&r);
    pack_writer_abort(w);
    assert_int_equal(files_in(dir), 1); /* only e.pack: the aborted one left nothing */
    assert_null(pack_writer_open(path_join(dir, "no/such/dir.pack"), &s, 250, 10, ""));
    assert_non_null(strstr(scar_last_error(), "cannot create"));
    assert_null(pack_writer_open(path_join(dir, "x.pack"), &s, 0, 10, ""));
    tmpdir_remove(dir);
}

static void bad_records_are_refused_and_the_writer_goes_on(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    LabelSchema s = test_schema();
    PackWriter *w = pack_writer_open(path_join(dir, "b.pack"), &s, 100, T, "");
    EcgRecord r;
    static const char *expect[] = {"is 500 Hz", "not valid UTF-8", "outside the schema", "not a finite number",
                                   "evidence span 0", "sex 7"};
    for (int k = 0; k < 6; k++) {
        make_record(&r, 1);
        switch (k) {
        case 0: r.rate_hz = 500; break;
        case 1: free(r.report); r.report = strdup("bad \xff byte"); break;
        case 2: label_set(&r.labels[2], 3); break;
        case 3: r.signal[17] = NAN; break;
        case 4: r.evidence[0].t1 = T + 1; break;
        case 5: r.sex = 7; break;
        }
        assert_int_equal(pack_writer_add(w, &r), -1);
        if (!strstr(scar_last_error(), expect[k])) fail_msg("case %d: %s", k, scar_last_error());
        record_free(&r);
    }
    make_record(&r, 2);
    assert_int_equal(pack_writer_add(w, &r), 0);
    record_free(&r);
    assert_int_equal(pack_writer_close(w), 0);
    Pack *p = pack_open(path_join(dir, "b.pack"));
    assert_int_equal(pack_count(p), 1);
    assert_string_equal(pack_id(p, 0), "rec002");
    pack_close(p);
    tmpdir_remove(dir);
}

static void expect_open_error(const char *dir, const void *data, size_t n, const char *msg) {
    const char *path = path_join(dir, "bad.pack");
    assert_int_equal(write_file_all(path, data, n), 0);
    Pack *p = pack_open(path);
    if (p) fail_msg("damaged pack opened (expected '%s')", msg);
    if (!strstr(scar_last_error(), msg) || !strstr(scar_last_error(), "bad.pack"))
        fail_msg("expected '%s' in '%s'", msg, scar_last_error());
}

static void damaged_packs_are_refused(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char *path = write_pack(dir, 5, "src");
    size_t n;
    uint8_t *good = (uint8_t *)read_file_all(path, &n), *b = malloc(n + 8);
    expect_open_error(dir, "", 0, "not a scar pack");
    expect_open_error(dir, good, n - 1, "truncated");
    memcpy(b, good, n);
    memset(b + n, 0, 8);
    expect_open_error(dir, b, n + 8, "truncated or appended");
    memcpy(b, good, n);
    b[0] = 'X';
    expect_open_error(dir, b, n, "not a scar pack");
    memcpy(b, good, n);
    b[H_VERSION] = 2;
    expect_open_error(dir, b, n, "pack format version 2; this build reads version 1");
    memcpy(b, good, n);
    b[n - 3] ^= 0x01; /* a byte of report text */
    expect_open_error(dir, b, n, "metadata checksum mismatch");
    memcpy(b, good, n);
    b[get_u64(good + H_TABLE_OFF) + E_SEX] = 9; /* metadata changed and the hash fixed up: still caught */
    put_u64(b + H_META_HASH, pack_meta_hash(b, n));
    expect_open_error(dir, b, n, "damaged metadata");
    memcpy(b, good, n);
    put_u64(b + H_N_RECORDS, 1ull << 40);
    put_u64(b + H_META_HASH, pack_meta_hash(b, n));
    expect_open_error(dir, b, n, "records");
    memcpy(b, good, n);
    put_u64(b + H_TEXT_BYTES, 1ull << 62);
    put_u64(b + H_META_HASH, pack_meta_hash(b, n));
    expect_open_error(dir, b, n, "outside the file");
    /* signal blocks are not covered by the checksum (they are data): a flipped sample still opens */
    memcpy(b, good, n);
    b[PACK_HEADER_BYTES + 5] ^= 0x40;
    assert_int_equal(write_file_all(path, b, n), 0);
    Pack *p = pack_open(path);
    assert_non_null(p);
    pack_close(p);
    free(good);
    free(b);
    free(path);
    tmpdir_remove(dir);
}

/* Random damage with the checksum repaired, so the structural checks are what stands in the way:
 * nothing may crash or read out of bounds (run under ASan in CI), and whatever opens must be
 * readable end to end. */
static void random_damage_never_crashes(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char *path = write_pack(dir, 6, "src");
    size_t n;
    uint8_t *good = (uint8_t *)read_file_all(path, &n);
    uint8_t *b = aligned_alloc(64, (n + 63) / 64 * 64);
    Rng g;
    rng_seed(&g, 5, 0);
    int opened = 0;
    for (int trial = 0; trial < 3000; trial++) {
        memcpy(b, good, n);
        int flips = 1 + (int)rng_below(&g, 4);
        for (int f = 0; f < flips; f++) {
            size_t at = rng_below(&g, 2) ? rng_below(&g, PACK_HEADER_BYTES) : get_u64(good + H_TABLE_OFF) + rng_below(&g, (uint32_t)(n - get_u64(good + H_TABLE_OFF)));
            b[at] = (uint8_t)rng_u64(&g);
        }
        if (rng_below(&g, 2)) put_u64(b + H_META_HASH, pack_meta_hash(b, n));
        Pack *p = pack_open_memory(b, n, "fuzzed.pack");
        if (!p) continue;
        opened++;
        for (int i = 0; i < pack_count(p); i++) {
            EcgRecord v;
            pack_get(p, i, &v);
            volatile size_t len = strlen(v.report);
            (void)len;
            for (int e = 0; e < v.n_evidence; e++) assert_true(v.evidence[e].t1 <= pack_samples(p));
        }
        pack_close(p);
    }
    assert_true(opened > 0); /* some damage is harmless (reserved label bits, ages): the loop ran both ways */
    free(good);
    free(b);
    free(path);
    tmpdir_remove(dir);
}

static void splits_batches_and_sampler(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    char *path = write_pack(dir, 30, "src");
    Pack *p = pack_open(path);
    int idx[30];
    assert_int_equal(pack_split_indices(p, SPLIT_TRAIN, NULL), 24);
    assert_int_equal(pack_split_indices(p, SPLIT_VAL, idx), 3);
    assert_int_equal(idx[0], 8);
    assert_int_equal(idx[2], 28);
    assert_int_equal(pack_split_indices(p, SPLIT_TEST, NULL), 3);

    int pick[4] = {7, 0, 29, 7};
    size_t per = (size_t)N_LEADS * T;
    float *sig = malloc(4 * per * sizeof *sig);
    uint8_t *val = malloc(4 * per);
    uint16_t leads[4];
    assert_int_equal(pack_batch(p, pick, 4, sig, val, leads), 0);
    for (int b = 0; b < 4; b++) {
        EcgRecord v;
        pack_get(p, pick[b], &v);
        assert_memory_equal(sig + b * per, v.signal, per * sizeof(float));
        assert_memory_equal(val + b * per, v.valid, per);
        assert_int_equal(leads[b], v.lead_available);
    }
    int badpick[1] = {30};
    assert_int_equal(pack_batch(p, badpick, 1, sig, NULL, NULL), -1);

    int pool[24];
    pack_split_indices(p, SPLIT_TRAIN, pool);
    PackSampler s1, s2, s3;
    pack_sampler_init(&s1, pool, 24, 42);
    pack_sampler_init(&s2, pool, 24, 42);
    pack_sampler_init(&s3, pool, 24, 43);
    int a[48], b2[48], c[48];
    pack_sampler_next(&s1, 10, a); /* batches crossing the epoch boundary */
    pack_sampler_next(&s1, 38, a + 10);
    pack_sampler_next(&s2, 48, b2);
    pack_sampler_next(&s3, 48, c);
    assert_memory_equal(a, b2, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
    for (int epoch = 0; epoch < 2; epoch++) { /* each epoch: every training record exactly once */
        int seen[30] = {0};
        for (int k = 0; k < 24; k++) seen[a[epoch * 24 + k]]++;
        for (int k = 0; k < 24; k++) assert_int_equal(seen[pool[k]], 1);
    }
    assert_memory_not_equal(a, a + 24, 24 * sizeof(int)); /* a new order each epoch */
    pack_sampler_free(&s1);
    pack_sampler_free(&s2);
    pack_sampler_free(&s3);
    free(sig);
    free(val);
    pack_close(p);
    free(path);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_is_exact),
        cmocka_unit_test(empty_pack_and_atomic_appearance),
        cmocka_unit_test(bad_records_are_refused_and_the_writer_goes_on),
        cmocka_unit_test(damaged_packs_are_refused),
        cmocka_unit_test(random_damage_never_crashes),
        cmocka_unit_test(splits_batches_and_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
