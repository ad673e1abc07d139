/* `scar synth` as a user runs it: truthful help, nonsense options refused with exit status 2 and a
 * message naming the option, outputs that appear only when complete, the same bytes for the same
 * seed whatever the thread count, and a PTB-XL-shaped folder that the PTB-XL reader takes in with
 * the same labels, reports and signals as the pack. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/dataset.h"
#include "data/pack.h"
#include "data/synth/synth.h"
#include "testutil.h"

static void expect(const char *out, const char *what) {
    if (!strstr(out, what)) fail_msg("expected '%s' in:\n%s", what, out);
}

static int entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void help_is_truthful(void **state) {
    (void)state;
    char *out;
    assert_int_equal(run_scar(&out, "synth --help"), 0);
    /* every option the parser takes is documented */
    static const char *const options[] = {"--records", "--output", "--layout", "--seed", "--rate", "--seconds",
                                          "--normal", "--cooccurrence", "--prior", "--language", "--noise",
                                          "--noise-baseline", "--noise-mains", "--noise-muscle", "--noise-motion",
                                          "--mains", "--threads", "--list", "--quiet", "--help"};
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) expect(out, options[k]);
    free(out);
    assert_int_equal(run_scar(&out, "synth --list"), 0);
    static const char *const codes[] = {"SBRAD", "STACH", "AFIB", "PVC", "1AVB", "CLBBB", "CRBBB", "LAFB",
                                        "LVH", "ISCAN", "ISCIN", "ISCLA", "ASMI", "AMI", "IMI", "LMI",
                                        "CD HYP MI NORM STTC"};
    for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) expect(out, codes[k]);
    free(out);
    assert_int_equal(run_scar(&out, "--help"), 0);
    expect(out, "synth");
    free(out);
}

static void nonsense_options_exit_2(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    const char *p = path_join(dir, "x.pack");
    struct {
        const char *args, *says;
    } cases[] = {
        {"synth -o %s", "-n N is required"},
        {"synth -n 10", "-o PATH is required"},
        {"synth -n ten -o %s", "-n"},
        {"synth -n -3 -o %s", "-n"},
        {"synth -n 10 -o %s --rate 5", "--rate"},
        {"synth -n 10 -o %s --seconds 1", "--seconds"},
        {"synth -n 10 -o %s --normal 1.5", "--normal"},
        {"synth -n 10 -o %s --cooccurrence -0.1", "--cooccurrence"},
        {"synth -n 10 -o %s --prior XYZ=1", "'XYZ' is not a condition code"},
        {"synth -n 10 -o %s --prior AFIB", "CODE=WEIGHT"},
        {"synth -n 10 -o %s --prior AFIB=-2", "--prior"},
        {"synth -n 10 -o %s --language fr", "--language is en or de"},
        {"synth -n 10 -o %s --layout csv", "--layout is pack or ptbxl"},
        {"synth -n 10 -o %s --mains 55", "--mains is 50 or 60"},
        {"synth -n 10 -o %s --noise -1", "--noise"},
        {"synth -n 10 -o %s --seed x", "--seed"},
        {"synth -n 10 -o %s --frobnicate", "unknown option '--frobnicate'"},
        {"synth -n 10 -o %s --layout ptbxl --rate 250", "--rate does not apply"},
        {"synth -n 10 -o %s --threads", "--threads needs a value"},
        {"synth -n 10 -o %s --prior LVH=0,AFIB=0,SBRAD=0,STACH=0,PVC=0,1AVB=0,CLBBB=0,CRBBB=0,LAFB=0,ISCAN=0,"
         "ISCIN=0,ISCLA=0,ASMI=0,AMI=0,IMI=0,LMI=0",
         "every condition has prior 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char args[1024];
        snprintf(args, sizeof args, cases[k].args, p);
        int rc = run_scar(&out, "%s", args);
        if (rc != 2) fail_msg("'%s' exited %d, not 2:\n%s", args, rc, out);
        expect(out, cases[k].says);
        free(out);
    }
    assert_int_equal(entries(dir), 0); /* nothing written */
    tmpdir_remove(dir);
}

/* The same seed gives the same file on one thread and on two; another seed does not. */
static void same_seed_same_bytes_whatever_the_threads(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    char a[4096], b[4096], c[4096], d[4096];
    snprintf(a, sizeof a, "%s", path_join(dir, "a.pack"));
    snprintf(b, sizeof b, "%s", path_join(dir, "b.pack"));
    snprintf(c, sizeof c, "%s", path_join(dir, "c.pack"));
    snprintf(d, sizeof d, "%s", path_join(dir, "d.pack"));
    char cmd[10000];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 %s synth -n 300 --seed 9 -o %s", scar_bin(), a);
    assert_int_equal(run_command(cmd, &out), 0);
    free(out);
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=2 %s synth -n 300 --seed 9 -o %s", scar_bin(), b);
    assert_int_equal(run_command(cmd, &out), 0);
    free(out);
    assert_int_equal(run_scar(&out, "synth -n 300 --seed 9 --threads 3 -o %s", c), 0);
    free(out);
    assert_int_equal(run_scar(&out, "synth -n 300 --seed 10 -o %s", d), 0);
    free(out);
    size_t na, nb, nc, nd;
    char *fa = read_file_all(a, &na), *fb = read_file_all(b, &nb), *fc = read_file_all(c, &nc), *fd = read_file_all(d, &nd);
    assert_true(na > 300 * 12 * 1000 * 4);
    assert_int_equal(na, nb);
    assert_memory_equal(fa, fb, na);
    assert_int_equal(na, nc);
    assert_memory_equal(fa, fc, na);
    assert_true(na != nd || memcmp(fa, fd, na) != 0);
    free(fa);
    free(fb);
    free(fc);
    free(fd);
    tmpdir_remove(dir);
}

static int class_named(const LabelSchema *s, int set, const char *name) {
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return c;
    return -1;
}

/* The pack holds what the library generates for each index. */
static void pack_holds_the_generated_records(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    char p[4096];
    snprintf(p, sizeof p, "%s", path_join(dir, "s.pack"));
    assert_int_equal(run_scar(&out, "synth -n 40 --seed 4 --seconds 5 --rate 250 --language de -q -o %s", p), 0);
    expect(out, "40 records");
    assert_null(strchr(out, '\r')); /* no progress display when stderr is not a terminal */
    free(out);
    Pack *pk = pack_open(p);
    assert_non_null(pk);
    assert_int_equal(pack_count(pk), 40);
    assert_true(pack_rate(pk) == 250.0f);
    assert_int_equal(pack_samples(pk), 1250);
    assert_non_null(strstr(pack_source(pk), "seed=4"));
    SynthConfig c;
    synth_config_default(&c);
    c.seed = 4;
    c.duration_s = 5;
    c.rate_hz = 250;
    c.language = SYNTH_LANG_DE;
    LabelSchema mine;
    synth_label_schema(&mine);
    assert_memory_equal(pack_schema(pk), &mine, sizeof mine);
    for (int i = 0; i < 40; i += 7) {
        EcgRecord v, r;
        assert_int_equal(pack_get(pk, i, &v), 0);
        synth_generate(&c, (uint64_t)i, &r);
        assert_memory_equal(v.signal, r.signal, sizeof(float) * N_LEADS * 1250);
        assert_string_equal(v.report, r.report);
        assert_string_equal(v.id, r.id);
        assert_memory_equal(v.labels, r.labels, sizeof r.labels);
        assert_int_equal(v.n_evidence, r.n_evidence);
        assert_memory_equal(v.evidence, r.evidence, sizeof(EvidenceSpan) * (size_t)r.n_evidence);
        assert_int_equal(v.age, r.age);
        assert_int_equal(v.sex, r.sex);
        assert_int_equal(v.split, r.split);
        record_free(&r);
    }
    pack_close(pk);
    tmpdir_remove(dir);
}

/* --split-seeds: each split is a function of its own seed only, in 8:1:1 proportions. */
static void split_seeds_draw_each_split_from_its_seed(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    char a[4096], b[4096];
    snprintf(a, sizeof a, "%s", path_join(dir, "a.pack"));
    snprintf(b, sizeof b, "%s", path_join(dir, "b.pack"));
    assert_int_equal(run_scar(&out, "synth -n 40 --split-seeds 1,2,3 --seconds 4 -q -o %s", a), 0);
    free(out);
    assert_int_equal(run_scar(&out, "synth -n 40 --split-seeds 9,2,7 --seconds 4 -q -o %s", b), 0);
    free(out);
    assert_int_not_equal(run_scar(&out, "synth -n 4 --split-seeds 1,2 -q -o %s", path_join(dir, "c.pack")), 0);
    expect(out, "--split-seeds");
    free(out);
    Pack *pa = pack_open(a), *pb = pack_open(b);
    assert_non_null(pa);
    assert_non_null(pb);
    int counts[3] = {0};
    for (int i = 0; i < 40; i++) {
        EcgRecord va, vb;
        assert_int_equal(pack_get(pa, i, &va), 0);
        assert_int_equal(pack_get(pb, i, &vb), 0);
        const int split = i % 10 < 8 ? SPLIT_TRAIN : i % 10 == 8 ? SPLIT_VAL : SPLIT_TEST;
        assert_int_equal(va.split, split);
        counts[split]++;
        const int same = !memcmp(va.signal, vb.signal, sizeof(float) * N_LEADS * 400);
        assert_int_equal(same, split == SPLIT_VAL); /* only the validation seed is shared */
    }
    assert_int_equal(counts[SPLIT_TRAIN], 32);
    assert_int_equal(counts[SPLIT_VAL], 4);
    assert_int_equal(counts[SPLIT_TEST], 4);
    assert_non_null(strstr(pack_source(pa), "split_seeds=1/2/3"));
    pack_close(pa);
    pack_close(pb);
    tmpdir_remove(dir);
}

/* The PTB-XL-shaped folder, read back through the PTB-XL reader, gives the pack's records. */
static void ptbxl_layout_reads_back_as_the_pack(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    char px[4096], p[4096];
    snprintf(px, sizeof px, "%s", path_join(dir, "ptbxl"));
    snprintf(p, sizeof p, "%s", path_join(dir, "s.pack"));
    assert_int_equal(run_scar(&out, "synth -n 60 --seed 3 -q --layout ptbxl -o %s", px), 0);
    free(out);
    assert_int_equal(run_scar(&out, "synth -n 60 --seed 3 -q -o %s", p), 0);
    free(out);
    assert_int_equal(entries(dir), 2); /* no temporary folder left behind */
    Pack *pk = pack_open(p);
    assert_non_null(pk);
    const LabelSchema *ps = pack_schema(pk);
    DatasetOptions opt = {.prefer_rate = 100, .map = ECG_MAP_DEFAULTS};
    opt.map.flat_seconds = 0;
    Dataset *d = dataset_open("ptbxl", px, &opt);
    assert_non_null(d);
    assert_int_equal(dataset_count(d), 60);
    const LabelSchema *ds = dataset_schema(d);
    for (int i = 0; i < 60; i++) {
        EcgRecord r, v;
        char warn[512];
        assert_true(dataset_load(d, i, &r, warn, sizeof warn) >= 0);
        assert_int_equal(pack_get(pk, i, &v), 0);
        assert_string_equal(r.id, v.id[0] == '0' ? v.id + strspn(v.id, "0") : v.id);
        assert_true(r.rate_hz == 100.0f);
        assert_int_equal(r.n_samples, v.n_samples);
        assert_string_equal(r.report, v.report);
        assert_int_equal(r.age, v.age > 89 ? 90 : v.age); /* PTB-XL's 300 for ages over 89 reads as 90 */
        assert_int_equal(r.sex, v.sex);
        assert_int_equal(r.fold, v.fold);
        assert_int_equal(r.split, v.split);
        /* labels by class name, every set */
        for (int set = 0; set < 4; set++) {
            for (int c = 0; c < ds->n_classes[set]; c++) {
                int mine = class_named(ps, set, ds->class_name[set][c]);
                int there = label_has(&r.labels[set], c);
                assert_int_equal(there, mine >= 0 ? label_has(&v.labels[set], mine) : 0);
            }
            for (int c = 0; c < ps->n_classes[set]; c++) assert_true(class_named(ds, set, ps->class_name[set][c]) >= 0);
        }
        /* signals to the microvolt the format stores */
        for (size_t k = 0; k < (size_t)N_LEADS * (size_t)r.n_samples; k++)
            assert_true(fabsf(r.signal[k] - v.signal[k]) <= 0.0005f + 1e-6f);
        record_free(&r);
    }
    dataset_close(d);
    /* the 500 Hz records are there too */
    opt.prefer_rate = 500;
    d = dataset_open("ptbxl", px, &opt);
    assert_non_null(d);
    EcgRecord r;
    char warn[512];
    assert_true(dataset_load(d, 7, &r, warn, sizeof warn) >= 0);
    assert_true(r.rate_hz == 500.0f);
    assert_int_equal(r.n_samples, 5000);
    record_free(&r);
    dataset_close(d);
    pack_close(pk);
    tmpdir_remove(dir);
}

/* With the real scp_statements.csv in place of ours, the same records get the same classes: our
 * codes sit in PTB-XL's own hierarchy. */
static void ptbxl_layout_maps_through_the_real_hierarchy(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    char *dir = tmpdir_make(), *out;
    char px[4096];
    snprintf(px, sizeof px, "%s", path_join(dir, "ptbxl"));
    assert_int_equal(run_scar(&out, "synth -n 80 --seed 5 -q --layout ptbxl -o %s", px), 0);
    free(out);
    DatasetOptions ours = {.prefer_rate = 100, .map = ECG_MAP_DEFAULTS}, real = ours;
    char stmts[4096];
    snprintf(stmts, sizeof stmts, "%s", path_join(fixtures_dir(), "ptbxl/scp_statements.csv"));
    real.statements = stmts;
    Dataset *a = dataset_open("ptbxl", px, &ours), *b = dataset_open("ptbxl", px, &real);
    assert_non_null(a);
    assert_non_null(b);
    const LabelSchema *sa = dataset_schema(a), *sb = dataset_schema(b);
    assert_int_equal(sb->n_classes[0], 5);
    assert_int_equal(sb->n_classes[1], 23);
    for (int i = 0; i < 80; i++) {
        EcgRecord ra, rb;
        char warn[512];
        assert_true(dataset_load(a, i, &ra, warn, sizeof warn) >= 0);
        assert_true(dataset_load(b, i, &rb, warn, sizeof warn) >= 0);
        for (int set = 0; set < 4; set++)
            for (int c = 0; c < sb->n_classes[set]; c++) {
                int k = class_named(sa, set, sb->class_name[set][c]);
                assert_int_equal(label_has(&rb.labels[set], c), k >= 0 ? label_has(&ra.labels[set], k) : 0);
            }
        record_free(&ra);
        record_free(&rb);
    }
    dataset_close(a);
    dataset_close(b);
    tmpdir_remove(dir);
}

/* Outputs appear whole or not at all. */
static void failures_leave_nothing_behind(void **state) {
    (void)state;
    char *dir = tmpdir_make(), *out;
    char busy[4096], file[4200];
    snprintf(busy, sizeof busy, "%s", path_join(dir, "busy"));
    mkdir(busy, 0777);
    snprintf(file, sizeof file, "%s/keep.txt", busy);
    assert_int_equal(write_file_all(file, "x", 1), 0);
    /* a non-empty folder is not overwritten */
    assert_int_equal(run_scar(&out, "synth -n 5 -q --layout ptbxl -o %s", busy), 1);
    expect(out, "not empty");
    free(out);
    assert_int_equal(entries(busy), 1);
    assert_int_equal(entries(dir), 1);
    /* a pack into a folder that does not exist */
    assert_int_equal(run_scar(&out, "synth -n 5 -q -o %s/nowhere/x.pack", dir), 1);
    free(out);
    assert_int_equal(run_scar(&out, "synth -n 5 -q --layout ptbxl -o %s/nowhere/px", dir), 1);
    free(out);
    assert_int_equal(entries(dir), 1);
    /* an existing empty folder is filled */
    char empty[4096];
    snprintf(empty, sizeof empty, "%s", path_join(dir, "empty"));
    mkdir(empty, 0777);
    assert_int_equal(run_scar(&out, "synth -n 5 -q --layout ptbxl -o %s", empty), 0);
    free(out);
    assert_int_equal(entries(empty), 4);
    tmpdir_remove(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(help_is_truthful),
        cmocka_unit_test(nonsense_options_exit_2),
        cmocka_unit_test(same_seed_same_bytes_whatever_the_threads),
        cmocka_unit_test(pack_holds_the_generated_records),
        cmocka_unit_test(split_seeds_draw_each_split_from_its_seed),
        cmocka_unit_test(ptbxl_layout_reads_back_as_the_pack),
        cmocka_unit_test(ptbxl_layout_maps_through_the_real_hierarchy),
        cmocka_unit_test(failures_leave_nothing_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
