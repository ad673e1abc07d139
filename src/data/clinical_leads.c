/* The clinical class → leads table and the resolution of a record's evidence leads
 * (data/clinical_leads.h). Territories follow DESIGN's appendix: anterior V1-V4 (septal V1-V2),
 * inferior II, III, aVF, lateral I, aVL, V5, V6. */
#include "data/clinical_leads.h"

#include <pthread.h>
#include <stddef.h>
#include <strings.h>

#define L(x) (1u << LEAD_##x)
#define ALL ALL_LEADS_MASK
#define NOT_AVR (ALL & ~L(AVR))
#define INFERIOR (L(II) | L(III) | L(AVF))
#define ANTERIOR (L(V1) | L(V2) | L(V3) | L(V4))
#define SEPTAL (L(V1) | L(V2))
#define HIGH_LATERAL (L(I) | L(AVL))
#define LOW_LATERAL (L(V5) | L(V6))
#define LATERAL (HIGH_LATERAL | LOW_LATERAL)
#define ANTEROLATERAL (L(V3) | L(V4) | LOW_LATERAL | HIGH_LATERAL)
#define LIMB (L(I) | L(II) | L(III) | L(AVR) | L(AVL) | L(AVF))
#define PRECORDIAL (L(V1) | L(V2) | L(V3) | L(V4) | L(V5) | L(V6))
/* Atrial activity (P, flutter and fibrillatory waves, the PR interval) is read from the rhythm
 * strip lead II and from V1, which faces the atria; the other inferior leads also show P well. */
#define ATRIAL (L(II) | L(V1))
#define ATRIAL_2 (L(III) | L(AVF))
/* The frontal QRS axis: the signs of I and aVF give its quadrant, II, III and aVL refine it. */
#define AXIS (L(I) | L(AVF))
#define AXIS_2 (L(II) | L(III) | L(AVL))
/* ST depression and T-wave changes do not point at the culprit territory (unlike ST elevation);
 * they are most often and most sensitively seen in the left-facing leads V4-V6, I and II (in
 * exercise testing V5 alone finds most of them), less in the others. */
#define ST_T (L(I) | L(II) | L(V4) | L(V5) | L(V6))
#define ST_T_2 (L(III) | L(AVL) | L(AVF) | L(V1) | L(V2) | L(V3))
/* Left bundle branch block: broad notched R in I, aVL, V5, V6 and deep QS in V1, V2; it rewrites
 * the whole activation, so every other lead (with its discordant ST-T) is secondary. */
#define LBBB_1 (L(I) | L(AVL) | SEPTAL | LOW_LATERAL)
#define LBBB_2 (ALL & ~LBBB_1)
/* Right bundle branch block: rsR' in V1, V2; wide slurred S in I, aVL, V5, V6, ST-T in V1-V3. */
#define RBBB_1 SEPTAL
#define RBBB_2 (LATERAL | L(V3))
/* Fascicular blocks are an axis shift: the limb leads. */
#define FASCICULAR (L(I) | L(II) | L(III) | L(AVL) | L(AVF))
/* Left ventricular hypertrophy: Sokolow-Lyon S(V1 or V2) + R(V5 or V6); Cornell R(aVL) + S(V3),
 * the transition zone V3-V4 and R in I are secondary. */
#define SOKOLOW (L(V1) | L(V2) | LOW_LATERAL)
#define LVH_2 (L(I) | L(AVL) | L(V3) | L(V4))
/* Ectopic ventricular beats: the rhythm strip II, and the QRS morphology in V1 against V6 that
 * tells where they come from. */
#define ECTOPIC (L(II) | L(V1))
#define ECTOPIC_2 L(V6)

/* {name, parent, localised, primary, secondary} */
static const ClinicalLeads TABLE[] = {
    /* A normal ECG is read from the absence of findings everywhere: nothing local to remove. */
    {"NORM", NULL, 0, 0, 0},

    /* Myocardial infarction. ST elevation and Q waves face the infarcted wall (primary); the
     * opposite wall shows the reciprocal ST depression (secondary). MI alone, or Q waves / ST
     * elevation without a territory, could be anywhere but aVR. */
    {"MI", NULL, 0, NOT_AVR, L(AVR)},
    {"QWAVE", "MI", 0, NOT_AVR, L(AVR)},  /* PTB-XL form: Q waves present */
    {"QAb", "MI", 0, NOT_AVR, L(AVR)},    /* Challenge: Q wave abnormal */
    {"STE_", "MI", 0, NOT_AVR, L(AVR)},   /* PTB-XL form: non-specific ST elevation */
    {"STE", "MI", 0, NOT_AVR, L(AVR)},    /* CPSC 2018: ST elevation */
    {"STEMI", "MI", 0, NOT_AVR, L(AVR)},  /* LUDB */
    {"SCAR", "MI", 0, NOT_AVR, L(AVR)},   /* LUDB: scar formation (old infarction) */
    {"AMI", "MI", 1, ANTERIOR, INFERIOR}, /* PTB-XL sub class and statement: anterior */
    {"ASMI", "AMI", 1, ANTERIOR, INFERIOR}, /* anteroseptal: septal V1-V2 with anterior V3-V4 */
    {"ALMI", "AMI", 1, ANTEROLATERAL, INFERIOR},
    {"INJAS", "AMI", 1, ANTERIOR, INFERIOR}, /* subendocardial injury, anteroseptal */
    {"INJAL", "AMI", 1, ANTEROLATERAL, INFERIOR},
    {"IMI", "MI", 1, INFERIOR, HIGH_LATERAL}, /* reciprocal depression in I, aVL */
    {"ILMI", "IMI", 1, INFERIOR | LOW_LATERAL, HIGH_LATERAL},
    /* the posterior wall has no lead of its own: tall R and ST depression in V1-V3 mirror it */
    {"IPMI", "IMI", 1, INFERIOR, L(V1) | L(V2) | L(V3) | HIGH_LATERAL},
    {"IPLMI", "IMI", 1, INFERIOR | LOW_LATERAL, L(V1) | L(V2) | L(V3) | HIGH_LATERAL},
    {"INJIN", "IMI", 1, INFERIOR, HIGH_LATERAL},
    {"INJIL", "IMI", 1, INFERIOR | LOW_LATERAL, HIGH_LATERAL},
    {"LMI", "MI", 1, LATERAL, INFERIOR},
    {"INJLA", "LMI", 1, LATERAL, INFERIOR},
    {"PMI", "MI", 1, L(V1) | L(V2) | L(V3), INFERIOR}, /* mostly with an inferior infarction */

    /* ST-T changes and ischaemia (see ST_T above for the unlocalised ones). */
    {"STTC", NULL, 0, ST_T, ST_T_2},
    {"ISC_", "STTC", 0, ST_T, ST_T_2},  /* non-specific ischaemic */
    {"NST_", "STTC", 0, ST_T, ST_T_2},  /* non-specific ST changes */
    {"STD_", "STTC", 0, ST_T, ST_T_2},  /* PTB-XL form: non-specific ST depression */
    {"STD", "STTC", 0, ST_T, ST_T_2},   /* CPSC 2018: ST depression */
    {"INVT", "STTC", 0, ST_T, ST_T_2},  /* inverted T waves */
    {"TInv", "STTC", 0, ST_T, ST_T_2},  /* Challenge */
    {"TAb", "STTC", 0, ST_T, ST_T_2},   /* Challenge: T wave abnormal */
    {"TAB_", "STTC", 0, ST_T, ST_T_2},  /* PTB-XL form */
    {"LOWT", "STTC", 0, ST_T, ST_T_2},  /* low-amplitude T waves */
    {"NT_", "STTC", 0, ST_T, ST_T_2},   /* non-specific T-wave changes */
    {"NDT", "STTC", 0, ST_T, ST_T_2},   /* non-diagnostic T abnormalities */
    {"DIG", "STTC", 0, ST_T, ST_T_2},   /* digitalis: scooped ST, lateral leads first */
    {"EL", "STTC", 0, ST_T, ST_T_2},    /* electrolyte disturbance */
    {"ISCH", "STTC", 0, ST_T, ST_T_2},  /* LUDB: ischaemia */
    {"NSRA", "STTC", 0, ST_T, ST_T_2},  /* LUDB: non-specific repolarisation abnormalities */
    /* PTB-XL's ISCA holds the anterior, anteroseptal, anterolateral and lateral statements. */
    {"ISCA", "STTC", 1, ANTERIOR, LATERAL},
    {"ISCAN", "ISCA", 1, ANTERIOR, 0},
    {"ISCAS", "ISCA", 1, SEPTAL | L(V3), L(V4)},
    {"ISCAL", "ISCA", 1, ANTEROLATERAL, 0},
    {"ISCLA", "ISCA", 1, LATERAL, 0},
    {"ISCI", "STTC", 1, INFERIOR, LOW_LATERAL}, /* holds inferior and inferolateral */
    {"ISCIN", "ISCI", 1, INFERIOR, 0},
    {"ISCIL", "ISCI", 1, INFERIOR | LOW_LATERAL, 0},
    {"ANEUR", "STTC", 1, ANTERIOR, 0}, /* persistent ST elevation after (mostly anterior) infarction */
    /* QT is measured in II and V5; the longest QT is often in V2-V3. */
    {"LNGQT", "STTC", 1, L(II) | L(V5), L(V2) | L(V3)},
    {"LQT", "STTC", 1, L(II) | L(V5), L(V2) | L(V3)},
    /* early repolarisation: J-point elevation in the inferior and left precordial leads */
    {"ERS", NULL, 1, INFERIOR | L(V4) | LOW_LATERAL, 0},

    /* Conduction. Told apart by the QRS in V1 against V6 and I (bundle branch blocks), the frontal
     * axis (fascicular blocks) and the PR interval in II: those four leads for an unnamed one. */
    {"CD", NULL, 0, L(I) | L(II) | L(V1) | L(V6), ALL & ~(L(I) | L(II) | L(V1) | L(V6))},
    {"BBB", "CD", 1, LBBB_1, 0}, /* Challenge: bundle branch block, side not given */
    {"CLBBB", "BBB", 1, LBBB_1, LBBB_2},
    {"LBBB", "BBB", 1, LBBB_1, LBBB_2},
    {"ILBBB", "BBB", 1, LBBB_1, 0},
    {"CRBBB", "BBB", 1, RBBB_1, RBBB_2},
    {"RBBB", "BBB", 1, RBBB_1, RBBB_2},
    {"IRBBB", "BBB", 1, RBBB_1, RBBB_2},
    {"LAFB/LPFB", "CD", 1, FASCICULAR, L(AVR)},
    {"LAFB", "LAFB/LPFB", 1, FASCICULAR, L(AVR)},
    {"LAnFB", "LAFB/LPFB", 1, FASCICULAR, L(AVR)}, /* Challenge */
    {"LPFB", "LAFB/LPFB", 1, FASCICULAR, L(AVR)},
    /* non-specific intraventricular conduction delay: a wide QRS of no bundle-branch shape */
    {"IVCD", "CD", 1, L(I) | L(V1) | L(V6), L(II) | L(AVL) | L(V2) | L(V5)},
    {"NSIVCB", "CD", 1, L(I) | L(V1) | L(V6), L(II) | L(AVL) | L(V2) | L(V5)},
    /* delta waves show in most leads, with a polarity that depends on the accessory pathway */
    {"WPW", "CD", 1, ALL, 0},
    {"_AVB", "CD", 1, ATRIAL, ATRIAL_2}, /* PTB-XL sub class of the AV blocks: PR and P waves */
    {"1AVB", "_AVB", 1, ATRIAL, ATRIAL_2},
    {"2AVB", "_AVB", 1, ATRIAL, ATRIAL_2},
    {"3AVB", "_AVB", 1, ATRIAL, ATRIAL_2},
    {"IAVB", "_AVB", 1, ATRIAL, ATRIAL_2}, /* Challenge, CPSC 2018 */
    {"AVB1", "_AVB", 1, ATRIAL, ATRIAL_2}, /* LUDB */
    {"LPR", "_AVB", 1, ATRIAL, ATRIAL_2},  /* prolonged PR */
    {"LAD", NULL, 1, AXIS, AXIS_2},
    {"RAD", NULL, 1, AXIS, AXIS_2},
    {"AXIS_NORMAL", NULL, 1, AXIS, AXIS_2},
    {"AXIS_LEFT", NULL, 1, AXIS, AXIS_2},
    {"AXIS_RIGHT", NULL, 1, AXIS, AXIS_2},
    {"AXIS_VERTICAL", NULL, 1, AXIS, AXIS_2},
    {"AXIS_HORIZONTAL", NULL, 1, AXIS, AXIS_2},
    /* pacing spikes and paced QRS complexes appear in every lead */
    {"PACE", NULL, 1, ALL, 0},
    {"PR", NULL, 1, ALL, 0}, /* Challenge: pacing rhythm */

    /* Hypertrophy and voltage. */
    {"HYP", NULL, 0, SOKOLOW, LVH_2 | L(II)},
    {"LVH", "HYP", 1, SOKOLOW, LVH_2},
    {"VCLVH", "HYP", 1, SOKOLOW, LVH_2}, /* voltage criteria for LVH */
    {"LVO", "HYP", 1, SOKOLOW, LVH_2},   /* LUDB: left ventricular overload */
    /* dominant R in V1-V2; deep S in V5-V6 and I (right axis), R in aVR */
    {"RVH", "HYP", 1, SEPTAL, LOW_LATERAL | L(I) | L(AVR)},
    /* septal hypertrophy: deep narrow Q waves in the lateral leads, tall R in V1-V2 */
    {"SEHYP", "HYP", 1, LATERAL, SEPTAL},
    /* atrial enlargement: P mitrale / pulmonale in II, the biphasic P of V1 */
    {"LAO/LAE", "HYP", 1, ATRIAL, ATRIAL_2},
    {"RAO/RAE", "HYP", 1, ATRIAL, ATRIAL_2},
    {"LAH", "HYP", 1, ATRIAL, ATRIAL_2},
    {"RAH", "HYP", 1, ATRIAL, ATRIAL_2},
    {"HVOLT", NULL, 1, SOKOLOW, HIGH_LATERAL},
    /* low QRS voltage is defined in the limb leads (< 0.5 mV) and the chest leads (< 1 mV) */
    {"LVOLT", NULL, 1, LIMB, PRECORDIAL},
    {"LQRSV", NULL, 1, LIMB, PRECORDIAL},
    /* poor R-wave progression across V1-V4, transition late in V5 */
    {"PRWP", NULL, 1, ANTERIOR, L(V5)},
    {"ABQRS", NULL, 0, ALL, 0}, /* PTB-XL form: abnormal QRS, shape and place not given */

    /* Rhythm: sinus, supraventricular and atrial rhythms are read from the atrial activity. */
    {"SR", NULL, 1, ATRIAL, ATRIAL_2},
    {"NSR", NULL, 1, ATRIAL, ATRIAL_2},
    {"SBRAD", NULL, 1, ATRIAL, ATRIAL_2},
    {"SB", NULL, 1, ATRIAL, ATRIAL_2},
    {"Brady", NULL, 1, ATRIAL, ATRIAL_2},
    {"STACH", NULL, 1, ATRIAL, ATRIAL_2}, /* also the Challenge's STach: names match in any case */
    {"SARRH", NULL, 1, ATRIAL, ATRIAL_2},
    {"SA", NULL, 1, ATRIAL, ATRIAL_2},
    {"AFIB", NULL, 1, ATRIAL, ATRIAL_2},
    {"AF", NULL, 1, ATRIAL, ATRIAL_2},
    {"AFLT", NULL, 1, ATRIAL, ATRIAL_2},
    {"AFL", NULL, 1, ATRIAL, ATRIAL_2},
    {"SVARR", NULL, 1, ATRIAL, ATRIAL_2},
    {"SVTAC", NULL, 1, ATRIAL, ATRIAL_2},
    {"PSVT", NULL, 1, ATRIAL, ATRIAL_2},
    {"PAC", NULL, 1, ATRIAL, ATRIAL_2},
    {"SVPB", NULL, 1, ATRIAL, ATRIAL_2},
    {"PRC(S)", NULL, 1, ECTOPIC, ECTOPIC_2}, /* premature complexes, origin not given */
    {"PVC", NULL, 1, ECTOPIC, ECTOPIC_2},
    {"VPB", NULL, 1, ECTOPIC, ECTOPIC_2},
    {"BIGU", NULL, 1, ECTOPIC, ECTOPIC_2}, /* ventricular bigeminy */
    {"TRIGU", NULL, 1, ECTOPIC, ECTOPIC_2},
};
#define N_ROWS ((int)(sizeof TABLE / sizeof TABLE[0]))

const ClinicalLeads *clinical_leads_table(int *n) {
    *n = N_ROWS;
    return TABLE;
}

static int row_of(const char *name) {
    for (int i = 0; i < N_ROWS; i++)
        if (!strcasecmp(TABLE[i].name, name)) return i;
    return -1;
}

const ClinicalLeads *clinical_leads_find(const char *class_name) {
    int i = row_of(class_name);
    return i < 0 ? NULL : &TABLE[i];
}

/* Parent row indices, resolved once. */
static int g_parent[N_ROWS];
static pthread_once_t g_parent_once = PTHREAD_ONCE_INIT;
static void resolve_parents(void) {
    for (int i = 0; i < N_ROWS; i++) g_parent[i] = TABLE[i].parent ? row_of(TABLE[i].parent) : -1;
}

/* 1 when row a is a strict ancestor of row d. */
static int is_ancestor(int a, int d) {
    for (int p = g_parent[d], depth = 0; p >= 0 && depth < N_ROWS; p = g_parent[p], depth++)
        if (p == a) return 1;
    return 0;
}

/* Table rows of the positive classes of one label set, appended to rows[] without repeats. */
static int collect(const LabelSchema *schema, const LabelBits *labels, int set, int *rows, int *n, int check) {
    int unknown = 0;
    for (int c = 0; c < schema->n_classes[set] && c < SCAR_MAX_CLASSES; c++) {
        if (!label_has(&labels[set], c)) continue;
        int r = row_of(schema->class_name[set][c]);
        if (r < 0) {
            unknown += check;
            continue;
        }
        int seen = 0;
        for (int k = 0; k < *n; k++) seen |= rows[k] == r;
        if (!seen) rows[(*n)++] = r;
    }
    return unknown;
}

int clinical_evidence_leads(const LabelSchema *schema, const LabelBits *labels, int label_set, uint16_t *primary,
                            uint16_t *secondary) {
    pthread_once(&g_parent_once, resolve_parents);
    *primary = *secondary = 0;
    int n_sets = schema->n_sets < SCAR_MAX_LABELSETS ? schema->n_sets : SCAR_MAX_LABELSETS;
    /* every positive class of the record (for refinement), and those in scope */
    int positive[SCAR_MAX_LABELSETS * SCAR_MAX_CLASSES], in_scope[SCAR_MAX_LABELSETS * SCAR_MAX_CLASSES];
    int n_positive = 0, n_scope = 0, unknown = 0;
    for (int s = 0; s < n_sets; s++) {
        collect(schema, labels, s, positive, &n_positive, 0);
        if (label_set < 0 || label_set == s) unknown += collect(schema, labels, s, in_scope, &n_scope, 1);
    }
    uint16_t p = 0, q = 0;
    for (int i = 0; i < n_scope; i++) {
        int e = in_scope[i];
        int anchor = TABLE[e].localised || g_parent[e] < 0 ? e : g_parent[e];
        int refined = 0;
        for (int j = 0; j < n_positive; j++) {
            int d = positive[j];
            if (!TABLE[d].localised || !is_ancestor(anchor, d)) continue;
            int leaf = 1; /* the most specific: no positive localised class below d */
            for (int k = 0; k < n_positive && leaf; k++)
                if (TABLE[positive[k]].localised && is_ancestor(d, positive[k])) leaf = 0;
            if (!leaf) continue;
            p |= TABLE[d].primary;
            q |= TABLE[d].secondary;
            refined = 1;
        }
        if (!refined) {
            p |= TABLE[e].primary;
            q |= TABLE[e].secondary;
        }
    }
    *primary = p;
    *secondary = (uint16_t)(q & ~p);
    return unknown;
}
