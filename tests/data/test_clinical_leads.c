/* The clinical class → leads map: a well-formed table that covers the label sets scar reads, the
 * territories of DESIGN's appendix, and the refinement of broad classes by specific ones. */
#include <string.h>
#include <strings.h>

#include "data/clinical_leads.h"
#include "testutil.h"

#define L(x) (1u << LEAD_##x)
#define INFERIOR (L(II) | L(III) | L(AVF))
#define ANTERIOR (L(V1) | L(V2) | L(V3) | L(V4))
#define LATERAL (L(I) | L(AVL) | L(V5) | L(V6))

static void table_is_well_formed(void **state) {
    (void)state;
    int n;
    const ClinicalLeads *t = clinical_leads_table(&n);
    assert_true(n > 100);
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++)
            if (!strcasecmp(t[i].name, t[j].name)) fail_msg("%s twice", t[i].name);
        assert_int_equal(t[i].primary & t[i].secondary, 0);
        assert_int_equal((t[i].primary | t[i].secondary) & ~ALL_LEADS_MASK, 0);
        /* parents exist and chains end (no cycles) */
        const ClinicalLeads *p = &t[i];
        for (int depth = 0; p->parent; depth++) {
            assert_true(depth < 8);
            const ClinicalLeads *up = clinical_leads_find(p->parent);
            if (!up) fail_msg("%s: parent %s not in the table", p->name, p->parent);
            p = up;
        }
        /* only NORM has nothing to remove */
        if (strcmp(t[i].name, "NORM")) assert_true(t[i].primary != 0);
    }
    assert_ptr_equal(clinical_leads_find("afib"), clinical_leads_find("AFIB"));
    assert_null(clinical_leads_find("XYZ"));
}

/* Every class of the label sets the readers and the synthetic corpus produce has a row. */
static void covers_the_label_sets(void **state) {
    (void)state;
    static const char *const NAMES[] = {
        /* PTB-XL super, sub */
        "NORM", "MI", "STTC", "CD", "HYP", "AMI", "IMI", "LMI", "PMI", "ISCA", "ISCI", "ISC_", "NST_", "CLBBB",
        "CRBBB", "ILBBB", "IRBBB", "LAFB/LPFB", "_AVB", "IVCD", "WPW", "LVH", "RVH", "LAO/LAE", "RAO/RAE", "SEHYP",
        /* PTB-XL form, rhythm */
        "NDT", "DIG", "LNGQT", "ABQRS", "PVC", "STD_", "VCLVH", "QWAVE", "LOWT", "NT_", "PAC", "LPR", "INVT", "LVOLT",
        "HVOLT", "TAB_", "STE_", "PRC(S)", "SR", "AFIB", "STACH", "SARRH", "SBRAD", "PACE", "SVARR", "BIGU", "AFLT",
        "SVTAC", "PSVT", "TRIGU",
        /* PTB-XL diagnostic statements of the synthetic corpus and the infarct/ischaemia ones */
        "ASMI", "ALMI", "ILMI", "IPMI", "IPLMI", "INJAS", "INJAL", "INJIN", "INJLA", "INJIL", "ISCAN", "ISCAS",
        "ISCAL", "ISCLA", "ISCIN", "ISCIL", "LAFB", "LPFB", "1AVB", "2AVB", "3AVB", "ANEUR", "EL",
        /* Challenge 2021 scored classes */
        "AF", "AFL", "BBB", "Brady", "LBBB", "RBBB", "IAVB", "LAD", "LAnFB", "LQRSV", "NSIVCB", "NSR", "PR", "PRWP",
        "LQT", "QAb", "RAD", "SA", "SB", "STach", "TAb", "TInv",
        /* CPSC 2018 */
        "STD", "STE",
        /* LUDB */
        "AXIS_NORMAL", "AXIS_LEFT", "AXIS_RIGHT", "AXIS_VERTICAL", "AXIS_HORIZONTAL", "LAH", "RAH", "LVO", "AVB1",
        "ISCH", "SCAR", "STEMI", "NSRA", "ERS"};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        if (!clinical_leads_find(NAMES[i])) fail_msg("no row for %s", NAMES[i]);
}

/* DESIGN §6: inferior → II, III, aVF; anterior → V1-V4; lateral → I, aVL, V5, V6; RBBB → V1, V2. */
static void territories(void **state) {
    (void)state;
    assert_int_equal(clinical_leads_find("IMI")->primary, INFERIOR);
    assert_int_equal(clinical_leads_find("AMI")->primary, ANTERIOR);
    assert_int_equal(clinical_leads_find("LMI")->primary, LATERAL);
    assert_int_equal(clinical_leads_find("CRBBB")->primary, L(V1) | L(V2));
    assert_int_equal(clinical_leads_find("RBBB")->primary, L(V1) | L(V2));
    assert_int_equal(clinical_leads_find("ISCIN")->primary, INFERIOR);
    /* reciprocal changes are secondary */
    assert_int_equal(clinical_leads_find("IMI")->secondary, L(I) | L(AVL));
    assert_int_equal(clinical_leads_find("AMI")->secondary, INFERIOR);
    /* atrial rhythms are read from II and V1 */
    assert_true(clinical_leads_find("AFIB")->primary & L(II));
    assert_true(clinical_leads_find("AF")->primary & L(V1));
}

typedef struct {
    LabelSchema schema;
    LabelBits labels[SCAR_MAX_LABELSETS];
} Labelled;

/* Sets 0..n-1 named set0.., each with the given classes; positives by "set:class" afterwards. */
static void add_class(Labelled *r, int set, const char *name, int positive) {
    if (r->schema.n_sets <= set) r->schema.n_sets = set + 1;
    int c = r->schema.n_classes[set]++;
    strcpy(r->schema.class_name[set][c], name);
    if (positive) label_set(&r->labels[set], c);
}

static int leads_of(const Labelled *r, int set, uint16_t *primary, uint16_t *secondary) {
    return clinical_evidence_leads(&r->schema, r->labels, set, primary, secondary);
}

static void broad_classes_are_refined(void **state) {
    (void)state;
    uint16_t p, s;
    /* MI (super) + IMI (sub): II, III, aVF, not every lead */
    Labelled a = {0};
    add_class(&a, 0, "NORM", 0);
    add_class(&a, 0, "MI", 1);
    add_class(&a, 1, "IMI", 1);
    add_class(&a, 1, "AMI", 0);
    assert_int_equal(leads_of(&a, -1, &p, &s), 0);
    assert_int_equal(p, INFERIOR);
    assert_int_equal(s, L(I) | L(AVL));
    /* in scope: only the super set, still refined by the sub set */
    assert_int_equal(leads_of(&a, 0, &p, &s), 0);
    assert_int_equal(p, INFERIOR);
    /* MI alone: every lead but aVR */
    Labelled b = {0};
    add_class(&b, 0, "MI", 1);
    leads_of(&b, -1, &p, &s);
    assert_int_equal(p, ALL_LEADS_MASK & ~L(AVR));
    assert_int_equal(s, L(AVR));
    /* Q waves located by the infarct's territory */
    Labelled c = {0};
    add_class(&c, 0, "QWAVE", 1);
    add_class(&c, 1, "LMI", 1);
    leads_of(&c, 0, &p, &s);
    assert_int_equal(p, LATERAL);
    /* the most specific of a chain: ISCA refined by ISCAS, not by ISCA's own wider row */
    Labelled d = {0};
    add_class(&d, 0, "STTC", 1);
    add_class(&d, 1, "ISCA", 1);
    add_class(&d, 2, "ISCAS", 1);
    leads_of(&d, 0, &p, &s);
    assert_int_equal(p, L(V1) | L(V2) | L(V3));
    assert_int_equal(s, L(V4));
    /* two territories: their union; a class outside the scope is not pulled in, inside it is */
    Labelled e = {0};
    add_class(&e, 0, "MI", 1);
    add_class(&e, 1, "IMI", 1);
    add_class(&e, 1, "AMI", 1);
    add_class(&e, 1, "LAFB", 1);
    leads_of(&e, 0, &p, &s);
    assert_int_equal(p, INFERIOR | ANTERIOR);
    assert_int_equal(s, L(I) | L(AVL));
    leads_of(&e, -1, &p, &s);
    assert_int_equal(p, INFERIOR | ANTERIOR | L(I) | L(AVL));
    assert_int_equal(s, L(AVR));
    /* unknown classes remove nothing and are counted */
    Labelled f = {0};
    add_class(&f, 0, "MADE_UP", 1);
    add_class(&f, 0, "NORM", 1);
    assert_int_equal(leads_of(&f, -1, &p, &s), 1);
    assert_int_equal(p | s, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_well_formed),
        cmocka_unit_test(covers_the_label_sets),
        cmocka_unit_test(territories),
        cmocka_unit_test(broad_classes_are_refined),
    };
    return cmocka_run_group_tests_name("clinical_leads", tests, NULL, NULL);
}
