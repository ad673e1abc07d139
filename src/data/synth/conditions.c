#include "data/synth/conditions.h"

#include <string.h>

/* Weights give roughly PTB-XL's super-class mix (NORM ~45%, CD ~25%, MI ~18%, STTC ~11%,
 * HYP ~10% with the default normal fraction and co-occurrence) while keeping every condition
 * common enough to train and evaluate on; ages and sexes shift as in clinical series (AF, blocks
 * and infarcts in older patients, infarcts in men, sinus bradycardia in the young). */
const ConditionInfo CONDITIONS[N_CONDITIONS] = {
    [COND_SBRAD] = {"SBRAD", SCP_SBRAD, COND_KIND_RATE, 0.6f, -8, 0.05f},
    [COND_STACH] = {"STACH", SCP_STACH, COND_KIND_RATE, 0.6f, 0, -0.05f},
    [COND_AFIB] = {"AFIB", SCP_AFIB, COND_KIND_RHYTHM, 0.9f, 12, 0.05f},
    [COND_PVC] = {"PVC", SCP_PVC, COND_KIND_FORM, 0.6f, 6, 0.05f},
    [COND_1AVB] = {"1AVB", SCP_1AVB, COND_KIND_DIAGNOSTIC, 0.7f, 8, 0.05f},
    [COND_CLBBB] = {"CLBBB", SCP_CLBBB, COND_KIND_DIAGNOSTIC, 0.6f, 10, -0.05f},
    [COND_CRBBB] = {"CRBBB", SCP_CRBBB, COND_KIND_DIAGNOSTIC, 0.7f, 8, 0.1f},
    [COND_LAFB] = {"LAFB", SCP_LAFB, COND_KIND_DIAGNOSTIC, 0.8f, 8, 0.05f},
    [COND_LVH] = {"LVH", SCP_LVH, COND_KIND_DIAGNOSTIC, 1.0f, 6, 0.05f},
    [COND_ISCAN] = {"ISCAN", SCP_ISCAN, COND_KIND_DIAGNOSTIC, 0.35f, 8, -0.05f},
    [COND_ISCIN] = {"ISCIN", SCP_ISCIN, COND_KIND_DIAGNOSTIC, 0.35f, 8, -0.05f},
    [COND_ISCLA] = {"ISCLA", SCP_ISCLA, COND_KIND_DIAGNOSTIC, 0.45f, 8, -0.05f},
    [COND_ASMI] = {"ASMI", SCP_ASMI, COND_KIND_DIAGNOSTIC, 0.5f, 6, 0.2f},
    [COND_AMI] = {"AMI", SCP_AMI, COND_KIND_DIAGNOSTIC, 0.3f, 6, 0.2f},
    [COND_IMI] = {"IMI", SCP_IMI, COND_KIND_DIAGNOSTIC, 0.7f, 6, 0.2f},
    [COND_LMI] = {"LMI", SCP_LMI, COND_KIND_DIAGNOSTIC, 0.3f, 6, 0.2f},
};

int condition_from_code(const char *code) {
    for (int c = 0; c < N_CONDITIONS; c++)
        if (!strcmp(CONDITIONS[c].code, code)) return c;
    return -1;
}

uint32_t condition_excludes(Condition c) {
    uint32_t ex = COND_BIT(c);
    uint32_t bit = COND_BIT(c);
    if (bit & COND_RHYTHM_MASK) ex |= COND_RHYTHM_MASK;
    if (bit & COND_MI_MASK) ex |= COND_MI_MASK | COND_ISC_MASK;
    if (bit & COND_ISC_MASK) ex |= COND_ISC_MASK | COND_MI_MASK;
    /* Left bundle branch block rewrites the whole ventricular activation and repolarisation: its
     * record is not also read for RBBB, LAFB, hypertrophy, ischaemia or infarction. */
    const uint32_t lbbb_masks = COND_BIT(COND_CRBBB) | COND_BIT(COND_LAFB) | COND_BIT(COND_LVH) | COND_MI_MASK |
                                COND_ISC_MASK;
    if (c == COND_CLBBB) ex |= lbbb_masks;
    if (bit & lbbb_masks) ex |= COND_BIT(COND_CLBBB);
    /* Without P waves there is no PR interval to prolong. */
    if (c == COND_AFIB) ex |= COND_BIT(COND_1AVB);
    if (c == COND_1AVB) ex |= COND_BIT(COND_AFIB);
    return ex;
}

void condition_priors_default(ConditionPriors *p) {
    p->normal_fraction = 0.35f;
    p->cooccurrence = 0.35f;
    for (int c = 0; c < N_CONDITIONS; c++) p->weight[c] = CONDITIONS[c].weight;
}

/* Pairs seen together more often than chance. */
static float affinity(Condition c, uint32_t chosen) {
    float a = 1.0f;
    if (c == COND_LAFB && (chosen & COND_BIT(COND_CRBBB))) a *= 4; /* bifascicular block */
    if (c == COND_CRBBB && (chosen & COND_BIT(COND_LAFB))) a *= 4;
    if (c == COND_ISCLA && (chosen & COND_BIT(COND_LVH))) a *= 4; /* hypertrophy with strain */
    if (c == COND_LVH && (chosen & COND_BIT(COND_ISCLA))) a *= 4;
    if (c == COND_PVC && (chosen & COND_MI_MASK)) a *= 2;
    if ((COND_BIT(c) & COND_MI_MASK) && (chosen & COND_BIT(COND_PVC))) a *= 2;
    if (c == COND_LVH && (chosen & COND_BIT(COND_AFIB))) a *= 1.5f;
    if (c == COND_AFIB && (chosen & COND_BIT(COND_LVH))) a *= 1.5f;
    return a;
}

static int draw_one(const ConditionPriors *p, uint32_t chosen, uint32_t excluded, Rng *r) {
    float w[N_CONDITIONS], total = 0;
    for (int c = 0; c < N_CONDITIONS; c++) {
        w[c] = (excluded & COND_BIT(c)) ? 0 : p->weight[c] * affinity((Condition)c, chosen);
        total += w[c];
    }
    if (total <= 0) return -1;
    float u = rng_uniform(r) * total;
    int last = -1;
    for (int c = 0; c < N_CONDITIONS; c++) {
        if (w[c] <= 0) continue;
        last = c;
        if (u < w[c]) return c;
        u -= w[c];
    }
    return last; /* rounding at the top end */
}

uint32_t conditions_draw(const ConditionPriors *p, Rng *r) {
    /* Both draws are made every time so that the stream advances the same way whatever the
     * outcome. */
    float u_normal = rng_uniform(r);
    int extra = 0;
    while (extra < 3 && rng_uniform(r) < p->cooccurrence) extra++;
    if (u_normal < p->normal_fraction) return 0;
    uint32_t chosen = 0, excluded = 0;
    for (int k = 0; k <= extra; k++) {
        int c = draw_one(p, chosen, excluded, r);
        if (c < 0) break;
        chosen |= COND_BIT(c);
        excluded |= condition_excludes((Condition)c);
    }
    return chosen;
}

float hedge_likelihood(Hedge h) { return h == HEDGE_NONE ? 100.0f : h == HEDGE_PROBABLE ? 80.0f : 50.0f; }

int conditions_to_codes(uint32_t conditions, const Hedge hedge[N_CONDITIONS], int q_waves, int t_inversion,
                        SynthCode codes[MAX_RECORD_CODES]) {
    int n = 0, diagnostic = 0;
    for (int c = 0; c < N_CONDITIONS; c++)
        if ((conditions & COND_BIT(c)) && CONDITIONS[c].kind == COND_KIND_DIAGNOSTIC) diagnostic = 1;
    int af = (conditions & COND_BIT(COND_AFIB)) != 0;
    if (!diagnostic && !af) codes[n++] = (SynthCode){SCP_NORM, 100.0f};
    for (int c = 0; c < N_CONDITIONS; c++)
        if ((conditions & COND_BIT(c)) && CONDITIONS[c].kind == COND_KIND_DIAGNOSTIC)
            codes[n++] = (SynthCode){CONDITIONS[c].statement, hedge_likelihood(hedge[c])};
    if (conditions & COND_BIT(COND_PVC)) codes[n++] = (SynthCode){SCP_PVC, 0.0f};
    if (q_waves) codes[n++] = (SynthCode){SCP_QWAVE, 0.0f};
    if (conditions & COND_ISC_MASK) codes[n++] = (SynthCode){SCP_STD, 0.0f};
    if (t_inversion) codes[n++] = (SynthCode){SCP_INVT, 0.0f};
    ScpId rhythm = af ? SCP_AFIB
                   : (conditions & COND_BIT(COND_SBRAD)) ? SCP_SBRAD
                   : (conditions & COND_BIT(COND_STACH)) ? SCP_STACH
                                                          : SCP_SR;
    codes[n++] = (SynthCode){rhythm, 0.0f};
    return n;
}

void codes_to_labels(const SynthCode *codes, int n, LabelBits labels[SCAR_MAX_LABELSETS]) {
    memset(labels, 0, sizeof(LabelBits) * SCAR_MAX_LABELSETS);
    for (int i = 0; i < n; i++)
        for (int set = 0; set < N_SYNTH_LABELSETS; set++) {
            int c = scp_class_in_set(codes[i].id, set);
            if (c >= 0) label_set(&labels[set], c);
        }
}
