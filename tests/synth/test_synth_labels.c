/* Conditions, statements and labels: how conditions are drawn (priors, co-occurrence, exclusions),
 * which PTB-XL statements a record carries, the label sets, and agreement of the statement table
 * with PTB-XL's own scp_statements.csv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"
#include "data/synth/conditions.h"
#include "data/synth/statements.h"
#include "data/synth/synth.h"
#include "testutil.h"

static int class_index(const LabelSchema *s, int set, const char *name) {
    for (int c = 0; c < s->n_classes[set]; c++)
        if (!strcmp(s->class_name[set][c], name)) return c;
    return -1;
}

static void schema_has_ptbxl_class_names(void **state) {
    (void)state;
    LabelSchema s;
    synth_label_schema(&s);
    assert_int_equal(s.n_sets, 4);
    assert_string_equal(s.set_name[0], "super");
    assert_string_equal(s.set_name[1], "sub");
    assert_string_equal(s.set_name[2], "form");
    assert_string_equal(s.set_name[3], "rhythm");
    const char *super[] = {"CD", "HYP", "MI", "NORM", "STTC"};
    assert_int_equal(s.n_classes[0], 5);
    for (int c = 0; c < 5; c++) assert_string_equal(s.class_name[0][c], super[c]);
    const char *sub[] = {"AMI", "IMI", "LMI", "ISCA", "ISCI", "CLBBB", "CRBBB", "LAFB/LPFB", "_AVB", "LVH", "NORM"};
    for (int k = 0; k < 11; k++) assert_true(class_index(&s, 1, sub[k]) >= 0);
    const char *rhythm[] = {"AFIB", "SBRAD", "SR", "STACH"};
    for (int k = 0; k < 4; k++) assert_true(class_index(&s, 3, rhythm[k]) >= 0);
    /* every statement lands in the classes its fields name */
    for (int st = 0; st < N_SCP; st++) {
        const ScpStatement *x = &SCP_STATEMENTS[st];
        int c = scp_class_in_set((ScpId)st, LABELSET_SUPER);
        if (x->diagnostic) assert_string_equal(s.class_name[0][c], x->diagnostic_class);
        else assert_int_equal(c, -1);
        c = scp_class_in_set((ScpId)st, LABELSET_SUB);
        if (x->diagnostic) assert_string_equal(s.class_name[1][c], x->diagnostic_subclass);
        c = scp_class_in_set((ScpId)st, LABELSET_FORM);
        if (x->form) assert_string_equal(s.class_name[2][c], x->code);
        else assert_int_equal(c, -1);
        c = scp_class_in_set((ScpId)st, LABELSET_RHYTHM);
        if (x->rhythm) assert_string_equal(s.class_name[3][c], x->code);
        else assert_int_equal(c, -1);
    }
}

static int has_code(const SynthCode *codes, int n, ScpId id) {
    for (int i = 0; i < n; i++)
        if (codes[i].id == id) return 1;
    return 0;
}

/* NORM as PTB-XL uses it: no diagnostic statement and sinus rhythm (a slow or fast sinus rate or
 * PVCs alone leave it normal); AF alone has no diagnostic statement at all. */
static void norm_and_rhythm_statements(void **state) {
    (void)state;
    Hedge h[N_CONDITIONS] = {0};
    SynthCode codes[MAX_RECORD_CODES];
    int n = conditions_to_codes(0, h, 0, 0, codes);
    assert_int_equal(n, 2);
    assert_true(has_code(codes, n, SCP_NORM) && has_code(codes, n, SCP_SR));
    n = conditions_to_codes(COND_BIT(COND_SBRAD) | COND_BIT(COND_PVC), h, 0, 0, codes);
    assert_true(has_code(codes, n, SCP_NORM) && has_code(codes, n, SCP_SBRAD) && has_code(codes, n, SCP_PVC));
    assert_false(has_code(codes, n, SCP_SR));
    n = conditions_to_codes(COND_BIT(COND_AFIB), h, 0, 0, codes);
    assert_int_equal(n, 1);
    assert_int_equal(codes[0].id, SCP_AFIB);
    n = conditions_to_codes(COND_BIT(COND_IMI), h, 1, 0, codes);
    assert_false(has_code(codes, n, SCP_NORM));
    assert_true(has_code(codes, n, SCP_IMI) && has_code(codes, n, SCP_QWAVE) && has_code(codes, n, SCP_SR));
    n = conditions_to_codes(COND_BIT(COND_ISCLA), h, 0, 1, codes);
    assert_true(has_code(codes, n, SCP_STD) && has_code(codes, n, SCP_INVT));
    /* likelihoods: 100/80/50 by hedge for diagnostic statements, 0 for rhythm and form */
    h[COND_LVH] = HEDGE_POSSIBLE;
    n = conditions_to_codes(COND_BIT(COND_LVH) | COND_BIT(COND_PVC), h, 0, 0, codes);
    for (int i = 0; i < n; i++) {
        if (codes[i].id == SCP_LVH) assert_true(codes[i].likelihood == 50.0f);
        if (codes[i].id == SCP_PVC || codes[i].id == SCP_SR) assert_true(codes[i].likelihood == 0.0f);
    }
    /* labels from codes: IMI -> MI / IMI; SR -> rhythm SR */
    LabelSchema s;
    synth_label_schema(&s);
    LabelBits lb[SCAR_MAX_LABELSETS];
    n = conditions_to_codes(COND_BIT(COND_IMI), h, 1, 0, codes);
    codes_to_labels(codes, n, lb);
    assert_true(label_has(&lb[0], class_index(&s, 0, "MI")));
    assert_false(label_has(&lb[0], class_index(&s, 0, "NORM")));
    assert_true(label_has(&lb[1], class_index(&s, 1, "IMI")));
    assert_true(label_has(&lb[2], class_index(&s, 2, "QWAVE")));
    assert_true(label_has(&lb[3], class_index(&s, 3, "SR")));
}

static int bits(uint32_t x) { return __builtin_popcount(x); }

static void priors_and_cooccurrence_shape_the_draws(void **state) {
    (void)state;
    ConditionPriors p;
    condition_priors_default(&p);
    Rng r;
    rng_seed(&r, 1, 0);
    const int N = 5000;
    int count[N_CONDITIONS] = {0}, normal = 0, multi = 0, lafb_with_rbbb = 0, rbbb = 0, lafb = 0;
    for (int i = 0; i < N; i++) {
        uint32_t c = conditions_draw(&p, &r);
        normal += c == 0;
        multi += bits(c) > 1;
        for (int k = 0; k < N_CONDITIONS; k++)
            if (c & COND_BIT(k)) {
                count[k]++;
                /* nothing drawn with what it excludes */
                assert_int_equal(c & condition_excludes((Condition)k) & ~COND_BIT(k), 0);
            }
        rbbb += (c & COND_BIT(COND_CRBBB)) != 0;
        lafb += (c & COND_BIT(COND_LAFB)) != 0;
        lafb_with_rbbb += (c & COND_BIT(COND_CRBBB)) && (c & COND_BIT(COND_LAFB));
    }
    /* about the normal fraction; multi-label records present */
    assert_true(normal > 0.30 * N && normal < 0.40 * N);
    assert_true(multi > 0.1 * N);
    for (int k = 0; k < N_CONDITIONS; k++) assert_true(count[k] > 0);
    /* bifascicular block is more common than chance */
    assert_true((double)lafb_with_rbbb / rbbb > 1.5 * (double)lafb / N);

    /* a prior of 0 removes a condition; co-occurrence 0 gives one condition per abnormal record */
    p.weight[COND_AFIB] = 0;
    p.cooccurrence = 0;
    p.normal_fraction = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t c = conditions_draw(&p, &r);
        assert_int_equal(bits(c), 1);
        assert_false(c & COND_BIT(COND_AFIB));
    }
    /* all normal */
    p.normal_fraction = 1;
    for (int i = 0; i < 500; i++) assert_int_equal(conditions_draw(&p, &r), 0);
    /* priors steer the mix: LVH at weight 10 against 1 for the rest */
    condition_priors_default(&p);
    p.normal_fraction = 0;
    p.cooccurrence = 0;
    for (int k = 0; k < N_CONDITIONS; k++) p.weight[k] = k == COND_LVH ? 10.0f : 1.0f;
    int lvh = 0;
    for (int i = 0; i < 2000; i++) lvh += (conditions_draw(&p, &r) & COND_BIT(COND_LVH)) != 0;
    assert_true(lvh > 0.35 * 2000 && lvh < 0.50 * 2000); /* 10/25 */
}

/* The statement table against PTB-XL's own file: flags, classes and descriptions agree. */
static void statements_agree_with_ptbxl(void **state) {
    (void)state;
    REQUIRE_FIXTURES();
    CsvTable t;
    assert_int_equal(csv_read(path_join(fixtures_dir(), "ptbxl/scp_statements.csv"), NULL, &t), 0);
    int c_desc = csv_column(&t, "description"), c_diag = csv_column(&t, "diagnostic"), c_form = csv_column(&t, "form");
    int c_rhythm = csv_column(&t, "rhythm"), c_class = csv_column(&t, "diagnostic_class");
    int c_sub = csv_column(&t, "diagnostic_subclass"), c_cat = csv_column(&t, "Statement Category");
    for (int st = 0; st < N_SCP; st++) {
        const ScpStatement *x = &SCP_STATEMENTS[st];
        int row = -1;
        for (int r = 0; r < t.n_rows; r++)
            if (!strcmp(csv_cell(&t, r, 0), x->code)) row = r;
        assert_true(row >= 0);
        assert_string_equal(csv_cell(&t, row, c_desc), x->description);
        assert_int_equal(csv_cell(&t, row, c_diag)[0] != 0, x->diagnostic);
        assert_int_equal(csv_cell(&t, row, c_form)[0] != 0, x->form);
        assert_int_equal(csv_cell(&t, row, c_rhythm)[0] != 0, x->rhythm);
        assert_string_equal(csv_cell(&t, row, c_class), x->diagnostic_class);
        assert_string_equal(csv_cell(&t, row, c_sub), x->diagnostic_subclass);
        assert_string_equal(csv_cell(&t, row, c_cat), x->category);
    }
    csv_free(&t);
}

/* The file we write has the real file's header and parses back to the same statements. */
static void written_statements_parse_back(void **state) {
    (void)state;
    char *dir = tmpdir_make();
    const char *path = path_join(dir, "scp_statements.csv");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(scp_write_statements_csv(f), 0);
    fclose(f);
    CsvTable t;
    assert_int_equal(csv_read(path, NULL, &t), 0);
    assert_int_equal(t.n_rows, N_SCP);
    assert_int_equal(t.n_cols, 13);
    const char *cols[] = {"", "description", "diagnostic", "form", "rhythm", "diagnostic_class", "diagnostic_subclass",
                          "Statement Category", "SCP-ECG Statement Description", "AHA code", "aECG REFID",
                          "CDISC Code", "DICOM Code"};
    for (int k = 0; k < 13; k++) assert_string_equal(t.col_name[k], cols[k]);
    for (int st = 0; st < N_SCP; st++) {
        assert_string_equal(csv_cell(&t, st, 0), SCP_STATEMENTS[st].code);
        assert_string_equal(csv_cell(&t, st, 7), SCP_STATEMENTS[st].category);
    }
    if (fixtures_dir()) {
        char *mine = read_file_all(path, NULL), *real = read_file_all(path_join(fixtures_dir(), "ptbxl/scp_statements.csv"), NULL);
        assert_non_null(real);
        /* same header line */
        assert_int_equal(strcspn(mine, "\n"), strcspn(real, "\n"));
        assert_memory_equal(mine, real, strcspn(real, "\n"));
        free(mine);
        free(real);
    }
    csv_free(&t);
    tmpdir_remove(dir);
}

/* The record's labels are those of its statements, and the statement list follows the drawn
 * conditions. */
static void records_carry_their_statements(void **state) {
    (void)state;
    SynthConfig c;
    synth_config_default(&c);
    for (int i = 0; i < 300; i++) {
        SynthCase k;
        synth_case_draw(&c, (uint64_t)i, &k);
        for (int cond = 0; cond < N_CONDITIONS; cond++)
            if (k.conditions & COND_BIT(cond)) assert_true(has_code(k.codes, k.n_codes, CONDITIONS[cond].statement));
        int rhythms = 0;
        for (int j = 0; j < k.n_codes; j++) rhythms += SCP_STATEMENTS[k.codes[j].id].rhythm;
        assert_int_equal(rhythms, 1);
        assert_true(k.age >= 18 && k.age <= 95);
        assert_true(k.sex == SEX_MALE || k.sex == SEX_FEMALE);
        assert_true(k.fold >= 1 && k.fold <= 10);
        synth_case_free(&k);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_has_ptbxl_class_names),
        cmocka_unit_test(norm_and_rhythm_statements),
        cmocka_unit_test(priors_and_cooccurrence_shape_the_draws),
        cmocka_unit_test(statements_agree_with_ptbxl),
        cmocka_unit_test(written_statements_parse_back),
        cmocka_unit_test(records_carry_their_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
