/* Downstream evaluation through the PhysioNet/CinC Challenge 2020/2021 adapter on real layouts:
 * the fixture records of cinc2020/ and cinc2021/ packed together by `scar pack --from cinc`.
 *   - The rhythm and sex tasks hold what the headers say: `# Dx:` and `# Sex:` are read here and
 *     mapped through the adapter's documented table (ds_cinc.c, README), not taken from scar.
 *   - Splits are the documented hash of the record id (FNV-1a 64, fold 1-8 train, 9, 10).
 *   - The label-fraction sample keeps a training record of every class at 1%.
 *   - The whole path as a user runs it, scar ssl -> scar finetune (probe and fine-tuning), on a
 *     pack this small, where classes are missing from splits: an error naming the pack, the split
 *     and each class when nothing can be scored (exit 1, no result file), warnings and
 *     extra.left_out when some classes can, never a nan, never a crash.
 * Skipped (not failed) without the fixtures. */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "data/pack.h"
#include "eval/downstream.h"
#include "eval/label_fraction.h"
#include "eval/results.h"
#include "testutil.h"

/* The adapter's rhythm set as documented: SNOMED CT code -> class. */
static const struct {
    const char *code, *cls;
} RHYTHM[] = {{"164889003", "AF"}, {"164890007", "AFL"},  {"426627000", "Brady"}, {"426783006", "NSR"},
              {"10370003", "PR"},  {"427393009", "SA"},   {"426177001", "SB"},    {"427084000", "STach"}};
#define N_RHYTHM 8
/* CPSC 2018's abbreviations as the 2020 headers write them -> SNOMED CT (the Challenge's mapping). */
static const struct {
    const char *abbrev, *code;
} CPSC[] = {{"Normal", "426783006"}, {"AF", "164889003"},  {"I-AVB", "270492004"}, {"LBBB", "164909002"},
            {"RBBB", "59118001"},    {"PAC", "284470004"}, {"PVC", "427172004"},   {"STD", "429622005"},
            {"STE", "164931005"}};

typedef struct {
    char id[64];
    int sex;          /* SEX_* from "# Sex:" */
    int rhythm[N_RHYTHM]; /* from "# Dx:" */
} Header;

enum { MAX_RECORDS = 64 };
static Header g_hdr[MAX_RECORDS];
static int g_n;
static char *g_dir;
static char g_src[4096], g_pack[4200];

static void expect(const char *out, const char *what) {
    if (!strstr(out, what)) fail_msg("expected '%s' in:\n%s", what, out);
}

/* No nan anywhere in what a command printed, and no sanitizer report (under make test-asan an
 * AddressSanitizer error also exits with status 1, the status a refusal expects). */
static void clean(const char *out) {
    if (strstr(out, "Sanitizer") || strstr(out, "runtime error")) fail_msg("a sanitizer report:\n%s", out);
    for (const char *s = out; *s; s++)
        if (!strncasecmp(s, "nan", 3) && (s == out || !isalpha((unsigned char)s[-1])) && !isalpha((unsigned char)s[3]))
            fail_msg("a nan in the output:\n%s", out);
}

static int rhythm_index(const char *cls) {
    for (int k = 0; k < N_RHYTHM; k++)
        if (!strcmp(RHYTHM[k].cls, cls)) return k;
    return -1;
}

/* The header of one record, read as text: "#Sex: Male" / "# Dx: 164934002,426783006". */
static void read_header(const char *path, const char *id, Header *h) {
    char *text = read_file_all(path, NULL);
    assert_non_null(text);
    memset(h, 0, sizeof *h);
    snprintf(h->id, sizeof h->id, "%s", id);
    h->sex = SEX_UNKNOWN;
    for (char *save = NULL, *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        while (*line == ' ' || *line == '\t') line++;
        if (*line++ != '#') continue;
        while (*line == ' ') line++;
        if (!strncasecmp(line, "Sex:", 4)) {
            const char *v = line + 4 + strspn(line + 4, " ");
            h->sex = !strncasecmp(v, "Male", 4) ? SEX_MALE : !strncasecmp(v, "Female", 6) ? SEX_FEMALE : SEX_UNKNOWN;
        } else if (!strncasecmp(line, "Dx:", 3)) {
            for (char *s2 = NULL, *tok = strtok_r(line + 3, ", ", &s2); tok; tok = strtok_r(NULL, ", ", &s2)) {
                const char *code = tok;
                if (strspn(tok, "0123456789") != strlen(tok)) { /* an abbreviation: CPSC 2018 */
                    code = NULL;
                    for (size_t k = 0; k < sizeof CPSC / sizeof CPSC[0]; k++)
                        if (!strcmp(tok, CPSC[k].abbrev)) code = CPSC[k].code;
                    if (!code) fail_msg("%s: Dx '%s' is not in the test's CPSC table", path, tok);
                }
                for (int k = 0; k < N_RHYTHM; k++)
                    if (!strcmp(code, RHYTHM[k].code)) h->rhythm[k] = 1;
            }
        }
    }
    free(text);
}

static void read_headers(const char *sub) {
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", fixtures_dir(), sub);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".hea") || g_n == MAX_RECORDS) continue;
        char id[64];
        snprintf(id, sizeof id, "%.*s", (int)(n - 4), e->d_name);
        read_header(path_join(dir, e->d_name), id, &g_hdr[g_n++]);
    }
    closedir(d);
}

static const Header *header_of(const char *id) {
    for (int i = 0; i < g_n; i++)
        if (!strcmp(g_hdr[i].id, id)) return &g_hdr[i];
    fail_msg("record %s of the pack has no header in the fixtures", id);
    return NULL;
}

static int has_rhythm(const Header *h) {
    int any = 0;
    for (int k = 0; k < N_RHYTHM; k++) any |= h->rhythm[k];
    return any;
}

/* The documented split: fold 1 + FNV-1a-64(id) % 10; 1-8 train, 9 validation, 10 test. */
static int split_of(const char *id) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *s = (const unsigned char *)id; *s; s++) h = (h ^ *s) * 0x100000001b3ull;
    const int fold = 1 + (int)(h % 10u);
    return fold <= 8 ? SPLIT_TRAIN : fold == 9 ? SPLIT_VAL : SPLIT_TEST;
}

static const int SPLITS[3] = {SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST};

static int setup(void **state) {
    (void)state;
    if (!fixtures_dir()) return 0;
    read_headers("cinc2020");
    read_headers("cinc2021");
    g_dir = tmpdir_make();
    char real[PATH_MAX], from[PATH_MAX + 16];
    if (!g_dir || !realpath(fixtures_dir(), real)) return -1;
    /* the Challenge's layout: one folder per source, side by side (links, not copies) */
    snprintf(g_src, sizeof g_src, "%s/challenge", g_dir);
    snprintf(g_pack, sizeof g_pack, "%s/cinc.pack", g_dir);
    if (mkdir(g_src, 0755) != 0) return -1;
    const char *subs[] = {"cinc2020", "cinc2021"};
    for (int k = 0; k < 2; k++) {
        snprintf(from, sizeof from, "%s/%s", real, subs[k]);
        if (symlink(from, path_join(g_src, subs[k])) != 0) return -1;
    }
    char *out = NULL;
    const int rc = run_scar(&out, "pack --from cinc %s -o %s --rate 100 --seconds 10 -q", g_src, g_pack);
    if (rc != 0) fprintf(stderr, "pack failed: %s\n", out);
    free(out);
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tmpdir_remove(g_dir);
    return 0;
}

static Pack *open_pack(void) {
    Pack *p = pack_open(g_pack);
    if (!p) fail_msg("%s", scar_last_error());
    return p;
}

static void rhythm_and_sex_are_what_the_headers_say(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    assert_int_equal(g_n, 13);
    Pack *p = open_pack();
    assert_int_equal(pack_count(p), g_n); /* every record packed */
    for (int i = 0; i < pack_count(p); i++)
        if (pack_split(p, i) != split_of(pack_id(p, i)))
            fail_msg("%s: split %d, the documented hash gives %d", pack_id(p, i), pack_split(p, i), split_of(pack_id(p, i)));

    /* what the fixtures carry, from their headers alone */
    int per_class[N_RHYTHM] = {0}, with_rhythm = 0, male = 0, female = 0;
    for (int i = 0; i < g_n; i++) {
        for (int k = 0; k < N_RHYTHM; k++) per_class[k] += g_hdr[i].rhythm[k];
        with_rhythm += has_rhythm(&g_hdr[i]);
        male += g_hdr[i].sex == SEX_MALE;
        female += g_hdr[i].sex == SEX_FEMALE;
    }
    assert_int_equal(per_class[rhythm_index("AF")], 4);    /* A0003, A0004, A0007, A0009 */
    assert_int_equal(per_class[rhythm_index("NSR")], 2);   /* A0002 ("Normal"), HR06000 */
    assert_int_equal(per_class[rhythm_index("SB")], 1);    /* E07500 */
    assert_int_equal(per_class[rhythm_index("STach")], 1); /* JS20000 */
    assert_int_equal(with_rhythm, 8); /* RBBB, PVC and STD records state no rhythm */
    assert_int_equal(male, 8);
    assert_int_equal(female, 5);

    Task t;
    if (task_open(&t, p, "rhythm") != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(t.n_classes, N_RHYTHM);
    int seen[MAX_RECORDS] = {0}, n_task = 0;
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < t.n[k]; j++) {
            const int i = t.idx[k][j];
            const Header *h = header_of(pack_id(p, i));
            assert_int_equal(pack_split(p, i), SPLITS[k]);
            for (int c = 0; c < t.n_classes; c++) {
                const int r = rhythm_index(t.class_name[c]);
                assert_true(r >= 0);
                if (t.labels[k][(size_t)j * t.n_classes + c] != h->rhythm[r])
                    fail_msg("%s: rhythm %s is %d, its header says %d", h->id, t.class_name[c],
                             t.labels[k][(size_t)j * t.n_classes + c], h->rhythm[r]);
            }
            seen[i] = 1;
            n_task++;
        }
    for (int i = 0; i < pack_count(p); i++)
        if (seen[i] != has_rhythm(header_of(pack_id(p, i))))
            fail_msg("%s: in the rhythm task %d, a rhythm in its header %d", pack_id(p, i), seen[i], !seen[i]);
    assert_int_equal(n_task, 8);
    assert_true(t.single_label); /* no fixture states two rhythms */
    task_free(&t);

    if (task_open(&t, p, "sex") != 0) fail_msg("%s", scar_last_error());
    assert_int_equal(t.n_classes, 2);
    assert_string_equal(t.class_name[0], "male");
    assert_string_equal(t.class_name[1], "female");
    assert_int_equal(t.n[0] + t.n[1] + t.n[2], 13);
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < t.n[k]; j++) {
            const Header *h = header_of(pack_id(p, t.idx[k][j]));
            assert_int_equal(t.labels[k][j * 2 + 0], h->sex == SEX_MALE);
            assert_int_equal(t.labels[k][j * 2 + 1], h->sex == SEX_FEMALE);
        }
    task_free(&t);
    pack_close(p);
}

/* The status task_classes must give, worked out here from the headers and the documented splits. */
static void expected_rhythm_status(const Task *t, const Pack *p, uint8_t *want) {
    for (int c = 0; c < t->n_classes; c++) {
        const int r = rhythm_index(t->class_name[c]);
        int pos[3] = {0}, all[3] = {0};
        for (int i = 0; i < pack_count(p); i++) {
            const Header *h = header_of(pack_id(p, i));
            if (!has_rhythm(h)) continue;
            const int s = split_of(h->id), k = s == SPLIT_TRAIN ? 0 : s == SPLIT_VAL ? 1 : 2;
            all[k]++;
            pos[k] += h->rhythm[r];
        }
        want[c] = pos[0] == 0 ? CLASS_NO_TRAIN_POSITIVE : pos[0] == all[0] ? CLASS_NO_TRAIN_NEGATIVE
                : pos[2] == 0 ? CLASS_NO_TEST_POSITIVE : pos[2] == all[2] ? CLASS_NO_TEST_NEGATIVE : CLASS_EVALUATED;
    }
}

static void classes_that_cannot_be_scored_are_named(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Pack *p = open_pack();
    Task t;
    assert_int_equal(task_open(&t, p, "rhythm"), 0);
    uint8_t want[SCAR_MAX_CLASSES], got[SCAR_MAX_CLASSES];
    expected_rhythm_status(&t, p, want);
    int n_eval = 0;
    for (int c = 0; c < t.n_classes; c++) n_eval += want[c] == CLASS_EVALUATED;
    assert_int_equal(n_eval, 0); /* 13 records: the test split holds one rhythm record */
    char note[1024] = "untouched";
    assert_int_equal(task_classes(&t, p, NULL, 0, got, note, sizeof note), -1);
    const char *msg = scar_last_error();
    expect(msg, g_pack);
    expect(msg, "task rhythm");
    expect(msg, "no class can be evaluated");
    for (int c = 0; c < t.n_classes; c++) {
        assert_int_equal(got[c], want[c]);
        expect(msg, t.class_name[c]);
        expect(msg, class_status_text((ClassStatus)want[c]));
    }
    assert_string_equal(note, "untouched");

    /* by hand: classes x, y, z; z never in training; validation has only x */
    Task h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "toy");
    h.n_classes = 3;
    strcpy(h.class_name[0], "x"), strcpy(h.class_name[1], "y"), strcpy(h.class_name[2], "z");
    uint8_t tr[] = {1, 0, 0, 0, 1, 0, 1, 0, 0}, va[] = {1, 0, 0, 1, 0, 0}, te[] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    h.labels[0] = tr, h.n[0] = 3;
    h.labels[1] = va, h.n[1] = 2;
    h.labels[2] = te, h.n[2] = 3;
    assert_int_equal(task_classes(&h, p, NULL, 0, got, note, sizeof note), -1);
    expect(scar_last_error(), "validation split (2 records)");
    expect(scar_last_error(), "nothing to select on");
    expect(scar_last_error(), "x (on every validation record)");
    expect(scar_last_error(), "y (no validation record)");
    va[4] = 1, va[3] = 0; /* now y is in validation too */
    assert_int_equal(task_classes(&h, p, NULL, 0, got, note, sizeof note), 0);
    assert_int_equal(got[0], CLASS_EVALUATED);
    assert_int_equal(got[1], CLASS_EVALUATED);
    assert_int_equal(got[2], CLASS_NO_TRAIN_POSITIVE);
    assert_string_equal(note, "z (no training record)");
    const int rows[] = {0, 2}; /* a sample holding only x: every row has it */
    assert_int_equal(task_classes(&h, p, rows, 2, got, note, sizeof note), -1);
    assert_int_equal(got[0], CLASS_NO_TRAIN_NEGATIVE);
    task_free(&t);
    pack_close(p);
}

static void one_percent_keeps_every_class(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    Pack *p = open_pack();
    const char *tasks[] = {"rhythm", "sex", "scored", "cpsc2018"};
    for (int q = 0; q < 4; q++) {
        Task t;
        assert_int_equal(task_open(&t, p, tasks[q]), 0);
        const int C = t.n_classes, n = t.n[0];
        int rows[MAX_RECORDS], kept[MAX_RECORDS], present = 0;
        for (int i = 0; i < n; i++) rows[i] = i;
        const int k = label_fraction_sample(t.labels[0], C, rows, n, 0.01, 1, kept);
        assert_true(k > 0 && k <= n);
        for (int c = 0; c < C; c++) {
            int all = 0, in_kept = 0;
            for (int i = 0; i < n; i++) all += t.labels[0][(size_t)i * C + c];
            for (int i = 0; i < k; i++) in_kept += t.labels[0][(size_t)kept[i] * C + c];
            present += all > 0;
            if (all > 0 && in_kept == 0) fail_msg("task %s: class %s lost at 1%%", tasks[q], t.class_name[c]);
            if (t.single_label && all > 0) assert_int_equal(in_kept, 1);
        }
        if (t.single_label) assert_int_equal(k, present);
        uint8_t full[SCAR_MAX_CLASSES], sampled[SCAR_MAX_CLASSES];
        task_classes(&t, p, NULL, 0, full, NULL, 0);
        task_classes(&t, p, kept, k, sampled, NULL, 0);
        for (int c = 0; c < C; c++)
            assert_int_equal(full[c] == CLASS_NO_TRAIN_POSITIVE, sampled[c] == CLASS_NO_TRAIN_POSITIVE);
        task_free(&t);
    }
    pack_close(p);
}

static int count_tmp_files(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp")) n++;
    closedir(d);
    return n;
}

static double extra_number(const EvalResult *r, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->extra, key);
    if (!cJSON_IsNumber(v)) fail_msg("extra.%s missing", key);
    return v->valuedouble;
}

/* A result file that must exist and be whole: macro AUROC defined, left_out as the task says. */
static void check_result(const char *path, const char *task, int n_left_out_min) {
    EvalResult r;
    if (result_read(path, &r) != 0) fail_msg("%s", scar_last_error());
    assert_string_equal(r.label_set, task);
    const MetricSummary *a = &r.metrics.metric[METRIC_AUROC];
    assert_false(isnan(a->macro.value));
    assert_true(a->macro.value >= 0 && a->macro.value <= 1);
    const cJSON *left = cJSON_GetObjectItemCaseSensitive(r.extra, "left_out");
    assert_true(cJSON_IsArray(left));
    const int n_left = cJSON_GetArraySize(left);
    assert_true(n_left >= n_left_out_min);
    assert_int_equal((int)extra_number(&r, "evaluated_classes"), r.metrics.n_classes - n_left);
    assert_int_equal(a->n_undefined, n_left);
    const cJSON *o;
    cJSON_ArrayForEach(o, left) { /* each left-out class has no per-class AUROC */
        const char *cls = cJSON_GetObjectItemCaseSensitive(o, "class")->valuestring;
        for (int c = 0; c < r.metrics.n_classes; c++)
            if (!strcmp(r.class_names[c], cls)) assert_true(isnan(a->per_class[c].value));
    }
    result_free(&r);
}

static void ssl_then_finetune_on_the_challenge_pack(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *out, run[4300], json[4300];
    snprintf(run, sizeof run, "%s/ssl", g_dir);
    int rc = run_scar(&out, "ssl --aug 3kg --encoder resnet --width 8 --steps 2 --batch 4 --eval-every 1 --data %s --out %s "
                        "--threads 2 -q", g_pack, run);
    if (rc != 0) fail_msg("scar ssl: status %d:\n%s", rc, out);
    clean(out);
    expect(out, "best validation loss"); /* three validation records: one short batch */
    free(out);
    char model[4400];
    snprintf(model, sizeof model, "%s/best.safetensors", run);
    assert_int_equal(access(model, R_OK), 0);

    /* rhythm: nothing can be scored on this pack; a probe and a fine-tuning run both refuse, naming
     * the pack, the split and every class, and write nothing */
    const char *modes[] = {"--frozen", "--steps 4 --batch 4 --eval-every 2"};
    for (int m = 0; m < 2; m++) {
        snprintf(json, sizeof json, "%s/rhythm_%%.json", g_dir);
        rc = run_scar(&out, "finetune --model %s --data %s --task rhythm %s --fractions 0.01,1 --bootstrap 20 --threads 2 -q "
                        "--json %s", model, g_pack, modes[m], json);
        if (rc != 1) fail_msg("finetune --task rhythm %s: status %d (expected 1):\n%s", modes[m], rc, out);
        expect(out, g_pack);
        expect(out, "task rhythm");
        expect(out, "no class can be evaluated");
        expect(out, "(no test record)");
        expect(out, "(on every test record)");
        expect(out, "(no training record)");
        for (int k = 0; k < N_RHYTHM; k++) expect(out, RHYTHM[k].cls);
        clean(out);
        free(out);
        snprintf(json, sizeof json, "%s/rhythm_1.json", g_dir);
        assert_int_not_equal(access(json, F_OK), 0);
        snprintf(json, sizeof json, "%s/rhythm_0.01.json", g_dir);
        assert_int_not_equal(access(json, F_OK), 0);
    }

    /* sex: every split has both; probe at 1% and 100%, fine-tuning at 1% (one record per sex) */
    snprintf(json, sizeof json, "%s/sex_probe_%%.json", g_dir);
    rc = run_scar(&out, "finetune --model %s --data %s --task sex --frozen --fractions 0.01,1 --bootstrap 20 --threads 2 "
                    "--json %s", model, g_pack, json);
    if (rc != 0) fail_msg("probe sex: status %d:\n%s", rc, out);
    expect(out, "probe sex, fraction 0.01: macro AUROC");
    expect(out, "over 2 of 2 classes");
    clean(out);
    assert_null(strstr(out, "warning"));
    free(out);
    snprintf(json, sizeof json, "%s/sex_probe_0.01.json", g_dir);
    check_result(json, "sex", 0);
    snprintf(json, sizeof json, "%s/sex_probe_1.json", g_dir);
    check_result(json, "sex", 0);

    snprintf(json, sizeof json, "%s/sex_ft.json", g_dir);
    rc = run_scar(&out, "finetune --model %s --data %s --task sex --fractions 0.01 --steps 4 --batch 4 --eval-every 2 "
                    "--bootstrap 20 --threads 2 -q --json %s", model, g_pack, json);
    if (rc != 0) fail_msg("fine-tuning sex: status %d:\n%s", rc, out);
    clean(out);
    free(out);
    check_result(json, "sex", 0);
    EvalResult r;
    assert_int_equal(result_read(json, &r), 0);
    assert_int_equal((int)extra_number(&r, "train_rows"), 2); /* 1%: one man, one woman */
    result_free(&r);

    /* the scored set: some classes can be scored, the rest are named and left out */
    snprintf(json, sizeof json, "%s/scored.json", g_dir);
    rc = run_scar(&out, "finetune --model %s --data %s --task scored --frozen --fractions 1 --bootstrap 20 --threads 2 --json %s",
              model, g_pack, json);
    if (rc != 0) fail_msg("probe scored: status %d:\n%s", rc, out);
    expect(out, "warning");
    expect(out, g_pack);
    expect(out, "task scored: left out of the macro means");
    expect(out, "(no training record)");
    clean(out);
    free(out);
    check_result(json, "scored", 1);
    assert_int_equal(count_tmp_files(g_dir), 0); /* no half-written result anywhere */
}

/* The same checkpoint on the synthetic corpus at the same rate and length: the rhythm task runs. */
static void the_synthetic_corpus_too(void **state) {
    (void)state;
    REQUIRE_FIXTURES(); /* the checkpoint comes from the Challenge pack */
    char *out, synth[4300], json[4300], model[4400];
    snprintf(synth, sizeof synth, "%s/synth.pack", g_dir);
    snprintf(model, sizeof model, "%s/ssl/best.safetensors", g_dir);
    if (access(model, R_OK) != 0) skip();
    int rc = run_scar(&out, "synth -n 100 --seed 5 --rate 100 --seconds 10 --threads 2 -q -o %s", synth);
    if (rc != 0) fail_msg("synth: %s", out);
    free(out);
    snprintf(json, sizeof json, "%s/synth_rhythm.json", g_dir);
    rc = run_scar(&out, "finetune --model %s --data %s --task rhythm --frozen --fractions 0.05 --bootstrap 20 --threads 2 "
                    "--json %s", model, synth, json);
    if (rc != 0) fail_msg("probe rhythm on the synthetic corpus: status %d:\n%s", rc, out);
    clean(out);
    free(out);
    check_result(json, "rhythm", 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rhythm_and_sex_are_what_the_headers_say),
        cmocka_unit_test(classes_that_cannot_be_scored_are_named),
        cmocka_unit_test(one_percent_keeps_every_class),
        cmocka_unit_test(ssl_then_finetune_on_the_challenge_pack),
        cmocka_unit_test(the_synthetic_corpus_too),
    };
    return cmocka_run_group_tests_name("downstream on the Challenge layout", tests, setup, teardown);
}
