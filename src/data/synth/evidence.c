#include "data/synth/evidence.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/synth/statements.h"

#define ALL ALL_LEADS_MASK
#define L(x) (1u << LEAD_##x)

int evidence_n_patches(int n_samples, int patch_len) {
    if (patch_len <= 0 || n_samples <= 0) return 0;
    return (n_samples + patch_len - 1) / patch_len;
}

int evidence_tokens(const EvidenceSpan *spans, int n_spans, int label_set, int class_id, int n_samples,
                    int patch_len, uint8_t *out) {
    int np = evidence_n_patches(n_samples, patch_len);
    memset(out, EVIDENCE_NONE, (size_t)N_LEADS * (size_t)np);
    for (int s = 0; s < n_spans; s++) {
        const EvidenceSpan *e = &spans[s];
        if (e->label_set != label_set || (class_id >= 0 && e->class_id != class_id)) continue;
        int t0 = e->t0 < 0 ? 0 : e->t0, t1 = e->t1 > n_samples ? n_samples : e->t1;
        if (t1 <= t0) continue;
        int p0 = t0 / patch_len, p1 = (t1 - 1) / patch_len;
        uint8_t v = e->primary ? EVIDENCE_PRIMARY : EVIDENCE_SECONDARY;
        for (int l = 0; l < N_LEADS; l++) {
            if (!((e->lead_mask >> l) & 1u)) continue;
            for (int p = p0; p <= p1; p++)
                if (out[l * np + p] < v) out[l * np + p] = v;
        }
    }
    int primary = 0;
    for (int i = 0; i < N_LEADS * np; i++) primary += out[i] == EVIDENCE_PRIMARY;
    return primary;
}

/* Spans of one statement before they are entered under its label classes. */
typedef struct {
    EvidenceSpan *span;
    int n, cap;
    int n_samples;
    float rate;
} SpanList;

static void add(SpanList *s, ScpId statement, uint16_t leads, int primary, double t0, double t1) {
    if (!leads) return;
    int i0 = (int)floor(t0 * s->rate), i1 = (int)ceil(t1 * s->rate);
    if (i0 < 0) i0 = 0;
    if (i1 > s->n_samples) i1 = s->n_samples;
    if (i1 <= i0) return;
    for (int set = 0; set < N_SYNTH_LABELSETS; set++) {
        int c = scp_class_in_set(statement, set);
        if (c < 0) continue;
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 256;
            s->span = xrealloc(s->span, sizeof(EvidenceSpan) * (size_t)s->cap);
        }
        s->span[s->n++] = (EvidenceSpan){(uint16_t)set, (uint16_t)c, leads, (uint16_t)primary, i0, i1};
    }
}

/* Leads where the P waves reach 0.05 mV. */
static uint16_t p_wave_leads(const BeatShape *b) {
    float peak[N_LEADS] = {0};
    float t0 = b->wave[WAVE_P1].centre[0] - 0.06f, t1 = b->wave[WAVE_P2].centre[0] + 0.06f;
    for (float t = t0; t <= t1; t += 0.002f) {
        float d[3];
        beat_dipole_at(b, FIRST_P_WAVE, LAST_P_WAVE, 1.0f, t, d);
        for (int l = 0; l < N_LEADS; l++) {
            const float *a = HEART_LEAD_VECTORS[l];
            float x = fabsf(a[0] * d[0] + a[1] * d[1] + a[2] * d[2]);
            if (x > peak[l]) peak[l] = x;
        }
    }
    uint16_t m = 0;
    for (int l = 0; l < N_LEADS; l++)
        if (peak[l] >= 0.05f) m |= (uint16_t)(1u << l);
    return m;
}

EvidenceSpan *synth_evidence_build(const SynthCase *k, float rate_hz, int n_samples, int *n_spans) {
    SpanList s = {NULL, 0, 0, n_samples, rate_hz};
    const Heart *h = &k->heart;
    double duration = n_samples / (double)rate_hz;
    int has[N_SCP] = {0};
    for (int i = 0; i < k->n_codes; i++) has[k->codes[i].id] = 1;

    uint16_t p_leads = p_wave_leads(&h->sinus);
    uint16_t f_leads = 0;
    if (h->f_amp > 0) {
        float f[3] = {h->f_amp * h->f_dir[0], h->f_amp * h->f_dir[1], h->f_amp * h->f_dir[2]};
        f_leads = leads_projecting(f, 0.03f, 1) | leads_projecting(f, 0.03f, -1);
    }
    uint16_t st_up = leads_projecting(h->st_vector, 0.1f, 1);
    uint16_t st_down = leads_projecting(h->st_vector, 0.05f, -1);
    uint16_t st_up_small = leads_projecting(h->st_vector, 0.05f, 1);
    uint16_t q_leads = heart_q_wave_leads(h);
    uint16_t t_inverted = heart_inverted_t_leads(h);
    uint16_t isc_territory = territory_leads(h->ischaemia);

    int af = has[SCP_AFIB];
    if (af) {
        add(&s, SCP_AFIB, f_leads, 1, 0, duration);
    }
    for (int b = 0; b < k->beats.n; b++) {
        const Beat *beat = &k->beats.beat[b];
        if (beat->kind == BEAT_P_ONLY) continue;
        const BeatShape *shape = beat->kind == BEAT_ECTOPIC ? &h->ectopic : &h->sinus;
        BeatMarkers m;
        beat_markers(shape, beat->rr_prev, &m);
        double q0 = beat->t + m.qrs_on, q1 = beat->t + m.qrs_end, t_end = beat->t + m.t_end;
        if (t_end < 0 || q0 > duration) continue;
        if (beat->kind == BEAT_ECTOPIC) {
            if (has[SCP_PVC]) add(&s, SCP_PVC, ALL, 1, q0, t_end);
            continue;
        }
        double p0 = af ? q0 : beat->t + m.p_on;
        /* A normal ECG is read from the absence of findings everywhere: no tokens are its primary
         * evidence (as in the clinical map), the whole beat supports it. */
        if (has[SCP_NORM]) add(&s, SCP_NORM, ALL, 0, p0, t_end);
        static const ScpId RATE[3] = {SCP_SR, SCP_SBRAD, SCP_STACH};
        for (int i = 0; i < 3; i++) {
            if (!has[RATE[i]]) continue;
            add(&s, RATE[i], p_leads, 1, p0, q1);
            add(&s, RATE[i], (uint16_t)(ALL & ~p_leads), 0, q0, q1);
        }
        if (af) add(&s, SCP_AFIB, (uint16_t)(ALL & ~f_leads), 0, q0, q1);
        if (has[SCP_1AVB]) {
            add(&s, SCP_1AVB, p_leads, 1, p0, q0);
            add(&s, SCP_1AVB, (uint16_t)(ALL & ~p_leads), 0, p0, q0);
        }
        if (has[SCP_CLBBB]) {
            uint16_t main = L(I) | L(AVL) | L(V1) | L(V2) | L(V5) | L(V6);
            add(&s, SCP_CLBBB, main, 1, q0, q1);
            add(&s, SCP_CLBBB, (uint16_t)(ALL & ~main), 0, q0, q1);
            add(&s, SCP_CLBBB, ALL, 0, q1, t_end);
        }
        if (has[SCP_CRBBB]) {
            add(&s, SCP_CRBBB, L(V1) | L(V2), 1, q0, q1);
            add(&s, SCP_CRBBB, L(I) | L(AVL) | L(V5) | L(V6), 0, q0, q1);
            add(&s, SCP_CRBBB, L(V1) | L(V2) | L(V3), 0, q1, t_end);
        }
        if (has[SCP_LAFB]) {
            add(&s, SCP_LAFB, L(I) | L(II) | L(III) | L(AVL) | L(AVF), 1, q0, q1);
            add(&s, SCP_LAFB, L(AVR), 0, q0, q1);
        }
        if (has[SCP_LVH]) {
            add(&s, SCP_LVH, L(V1) | L(V2) | L(V5) | L(V6), 1, q0, q1);
            add(&s, SCP_LVH, L(I) | L(AVL) | L(V3) | L(V4), 0, q0, q1);
        }
        static const ScpId ISC[3] = {SCP_ISCAN, SCP_ISCIN, SCP_ISCLA};
        for (int i = 0; i < 3; i++) {
            if (!has[ISC[i]]) continue;
            add(&s, ISC[i], st_down, 1, q1, t_end);
            add(&s, ISC[i], (uint16_t)((isc_territory | st_up_small) & ~st_down), 0, q1, t_end);
        }
        static const ScpId MI[4] = {SCP_ASMI, SCP_AMI, SCP_IMI, SCP_LMI};
        for (int i = 0; i < 4; i++) {
            if (!has[MI[i]]) continue;
            add(&s, MI[i], st_up, 1, q1, t_end);
            add(&s, MI[i], st_down, 0, q1, t_end);
            add(&s, MI[i], q_leads, 0, q0, q0 + 0.06);
        }
        if (has[SCP_QWAVE]) add(&s, SCP_QWAVE, q_leads, 1, q0, q0 + 0.06);
        if (has[SCP_STD]) add(&s, SCP_STD, st_down, 1, q1, t_end);
        if (has[SCP_INVT]) add(&s, SCP_INVT, t_inverted, 1, q1, t_end);
    }
    *n_spans = s.n;
    return s.span;
}
