#include "data/synth/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/synth/evidence.h"
#include "data/synth/report.h"

#define TWO_PI 6.28318530717959f

/* Random streams of record i: its case, its beats, its report wording, its noise (per rate). */
enum { STREAM_CASE, STREAM_BEATS, STREAM_REPORT, STREAM_NOISE, N_STREAMS };

/* With split seeds, record i belongs to fold 1 + i % 10, and its split picks the seed. */
static int split_slot_of_index(uint64_t index) {
    const int fold = 1 + (int)(index % 10);
    return fold <= 8 ? 0 : fold == 9 ? 1 : 2;
}

static void record_stream(Rng *r, const SynthConfig *c, uint64_t index, int which, float rate_hz) {
    uint64_t seed = c->split_seeds ? c->split_seed[split_slot_of_index(index)] : c->seed;
    if (which == STREAM_NOISE) seed ^= (uint64_t)llroundf(rate_hz * 1000.0f) * 0x9e3779b97f4a7c15ULL;
    rng_seed(r, seed, index * N_STREAMS + (uint64_t)which);
}

static float uniform(Rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }
static float clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }

void synth_config_default(SynthConfig *c) {
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->rate_hz = 100.0f;
    c->duration_s = 10.0f;
    condition_priors_default(&c->priors);
    c->noise_scale = 1.0f;
    c->noise_mv[NOISE_BASELINE] = 0.08f;
    c->noise_mv[NOISE_MAINS] = 0.015f;
    c->noise_mv[NOISE_MUSCLE] = 0.012f;
    c->noise_mv[NOISE_MOTION] = 0.4f;
    c->mains_hz = 50.0f;
    c->language = SYNTH_LANG_EN;
}

int synth_config_check(const SynthConfig *c) {
    if (!(c->rate_hz >= 50.0f && c->rate_hz <= 2000.0f))
        return scar_fail("rate %g Hz: must be between 50 and 2000", (double)c->rate_hz);
    if (!(c->duration_s >= 2.0f && c->duration_s <= 600.0f))
        return scar_fail("length %g s: must be between 2 and 600", (double)c->duration_s);
    if (!(c->priors.normal_fraction >= 0.0f && c->priors.normal_fraction <= 1.0f))
        return scar_fail("normal fraction %g: must be between 0 and 1", (double)c->priors.normal_fraction);
    if (!(c->priors.cooccurrence >= 0.0f && c->priors.cooccurrence <= 1.0f))
        return scar_fail("co-occurrence %g: must be between 0 and 1", (double)c->priors.cooccurrence);
    float total = 0;
    for (int k = 0; k < N_CONDITIONS; k++) {
        if (!(c->priors.weight[k] >= 0.0f && c->priors.weight[k] < 1e6f))
            return scar_fail("prior of %s: %g is not a weight >= 0", CONDITIONS[k].code, (double)c->priors.weight[k]);
        total += c->priors.weight[k];
    }
    if (total <= 0 && c->priors.normal_fraction < 1.0f)
        return scar_fail("every condition has prior 0 but the normal fraction is %g < 1",
                         (double)c->priors.normal_fraction);
    if (!(c->noise_scale >= 0.0f && c->noise_scale <= 100.0f))
        return scar_fail("noise scale %g: must be between 0 and 100", (double)c->noise_scale);
    for (int k = 0; k < N_NOISE_KINDS; k++)
        if (!(c->noise_mv[k] >= 0.0f && c->noise_mv[k] <= 10.0f))
            return scar_fail("%s noise %g mV: must be between 0 and 10", NOISE_NAMES[k], (double)c->noise_mv[k]);
    if (!(c->mains_hz >= 40.0f && c->mains_hz <= 70.0f))
        return scar_fail("mains frequency %g Hz: must be between 40 and 70 (50 or 60)", (double)c->mains_hz);
    if ((double)c->rate_hz * c->duration_s > 2e7) return scar_fail("records of %g samples per lead are too long",
                                                                  (double)c->rate_hz * c->duration_s);
    return 0;
}

int synth_n_samples(const SynthConfig *c, float rate_hz) { return (int)lroundf(c->duration_s * rate_hz); }

void synth_describe(const SynthConfig *c, char *buf, int size) {
    int n = snprintf(buf, (size_t)size, "synth:seed=%llu,rate=%g,length=%g,normal=%g,cooccurrence=%g,noise=%g,lang=%s",
                     (unsigned long long)c->seed, (double)c->rate_hz, (double)c->duration_s,
                     (double)c->priors.normal_fraction, (double)c->priors.cooccurrence, (double)c->noise_scale,
                     c->language == SYNTH_LANG_DE ? "de" : "en");
    if (c->split_seeds && n < size)
        n += snprintf(buf + n, (size_t)(size - n), ",split_seeds=%llu/%llu/%llu", (unsigned long long)c->split_seed[0],
                      (unsigned long long)c->split_seed[1], (unsigned long long)c->split_seed[2]);
    for (int k = 0; k < N_CONDITIONS && n < size; k++)
        if (c->priors.weight[k] != CONDITIONS[k].weight)
            n += snprintf(buf + n, (size_t)(size - n), ",prior:%s=%g", CONDITIONS[k].code, (double)c->priors.weight[k]);
}

/* Frontal QRS axis of a beat from the net QRS areas in I and aVF (a Gaussian's area is
 * amp * sigma * sqrt(2 pi); the common factor drops out of the angle). */
static float qrs_axis(const BeatShape *b) {
    float area_i = 0, area_avf = 0;
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++)
        for (int a = 0; a < 3; a++) {
            float area = b->wave[w].amp[a] * b->wave[w].width[a];
            area_i += HEART_LEAD_VECTORS[LEAD_I][a] * area;
            area_avf += HEART_LEAD_VECTORS[LEAD_AVF][a] * area;
        }
    return atan2f(area_avf, area_i) * (180.0f / 3.14159265f);
}

static float mean_rate(const BeatList *b, float duration) {
    double first = -1, last = -1;
    int n = 0;
    for (int i = 0; i < b->n; i++) {
        const Beat *x = &b->beat[i];
        if (x->kind == BEAT_P_ONLY || x->t < 0 || x->t >= duration) continue;
        if (n == 0) first = x->t;
        last = x->t;
        n++;
    }
    return n >= 2 ? (float)(60.0 * (n - 1) / (last - first)) : 0.0f;
}

void synth_case_draw(const SynthConfig *c, uint64_t index, SynthCase *k) {
    memset(k, 0, sizeof *k);
    k->index = index;
    snprintf(k->id, sizeof k->id, "%05llu", (unsigned long long)(index + 1));
    Rng r;
    record_stream(&r, c, index, STREAM_CASE, 0);

    k->conditions = conditions_draw(&c->priors, &r);
    float age_mean = 55.0f, p_male = 0.5f;
    for (int i = 0; i < N_CONDITIONS; i++)
        if (k->conditions & COND_BIT(i)) {
            age_mean += CONDITIONS[i].age_shift;
            p_male += CONDITIONS[i].male_shift;
        }
    k->age = (int)lroundf(clampf(age_mean + 15.0f * (float)rng_normal(&r), 18.0f, 95.0f));
    k->sex = rng_uniform(&r) < clampf(p_male, 0.1f, 0.9f) ? SEX_MALE : SEX_FEMALE;
    for (int i = 0; i < N_CONDITIONS; i++) {
        float u = rng_uniform(&r);
        k->hedge[i] = u < 0.75f ? HEDGE_NONE : u < 0.9f ? HEDGE_PROBABLE : HEDGE_POSSIBLE;
    }
    k->fold = 1 + (int)rng_below(&r, 10);
    if (c->split_seeds) k->fold = 1 + (int)(index % 10);
    heart_build(k->conditions, k->age, k->sex, &r, &k->heart);

    RhythmParams *p = &k->rhythm;
    p->atrial_fibrillation = (k->conditions & COND_BIT(COND_AFIB)) != 0;
    if (p->atrial_fibrillation) p->mean_hr = uniform(&r, 65.0f, 120.0f);
    else if (k->conditions & COND_BIT(COND_SBRAD)) p->mean_hr = uniform(&r, 42.0f, 56.0f);
    else if (k->conditions & COND_BIT(COND_STACH)) p->mean_hr = uniform(&r, 106.0f, 140.0f);
    else p->mean_hr = clampf(71.0f + (k->sex == SEX_FEMALE ? 3.0f : 0.0f) + 8.0f * (float)rng_normal(&r), 62.0f, 96.0f);
    /* Respiratory sinus arrhythmia is largest in the young and at slow rates. */
    float youth = clampf(1.5f - (float)k->age / 70.0f, 0.3f, 1.3f);
    p->rsa = uniform(&r, 0.015f, 0.045f) * youth * (p->mean_hr > 100 ? 0.5f : 1.0f);
    p->lf = uniform(&r, 0.005f, 0.02f);
    p->resp_hz = uniform(&r, 0.18f, 0.33f);
    p->resp_phase = uniform(&r, 0, TWO_PI);
    p->lf_phase = uniform(&r, 0, TWO_PI);
    p->af_irregularity = uniform(&r, 0.14f, 0.24f);
    p->n_ectopic = 0;
    if (k->conditions & COND_BIT(COND_PVC)) {
        int per10 = 1 + (int)rng_below(&r, 3);
        p->n_ectopic = (int)lroundf(per10 * c->duration_s / 10.0f);
        if (p->n_ectopic < 1) p->n_ectopic = 1;
    }

    NoisePlan *np = &k->noise;
    for (int i = 0; i < N_NOISE_KINDS; i++)
        np->level[i] = c->noise_scale * c->noise_mv[i] * expf(0.5f * (float)rng_normal(&r));
    np->motion_events = rng_uniform(&r) < 0.15f ? 1 + (rng_uniform(&r) < 0.3f) : 0;
    np->mains_hz = c->mains_hz;
    np->resp_hz = p->resp_hz;

    Rng beats;
    record_stream(&beats, c, index, STREAM_BEATS, 0);
    rhythm_plan(p, c->duration_s, &beats, &k->beats);
    k->hr_bpm = mean_rate(&k->beats, c->duration_s);
    if (k->hr_bpm <= 0) k->hr_bpm = p->mean_hr;
    k->axis_deg = qrs_axis(&k->heart.sinus);

    k->n_codes = conditions_to_codes(k->conditions, k->hedge, k->heart.q_waves, k->heart.t_inversion, k->codes);

    Rng words;
    record_stream(&words, c, index, STREAM_REPORT, 0);
    k->report = synth_report(k, c->language, &words);
}

void synth_case_free(SynthCase *k) {
    beat_list_free(&k->beats);
    free(k->report);
    k->report = NULL;
}

/* Fibrillatory waves: the atria's disorganised activity as a wandering 5-8 Hz oscillation along a
 * direction facing V1 and the inferior leads, with a weaker, faster second component. */
static void render_fibrillation(const Heart *h, float rate_hz, int n, Rng *r, float *const dip[3]) {
    float ph1 = uniform(r, 0, TWO_PI), ph2 = uniform(r, 0, TWO_PI), wob = uniform(r, 0, TWO_PI);
    float am = uniform(r, 0, TWO_PI);
    float second[3] = {h->f_dir[1], -h->f_dir[0], 0.5f * h->f_dir[2]};
    double phase1 = ph1, phase2 = ph2;
    double dt = 1.0 / rate_hz;
    for (int i = 0; i < n; i++) {
        float t = (float)(i * dt);
        float f = h->f_hz * (1.0f + 0.08f * sinf(TWO_PI * 0.13f * t + wob));
        phase1 += TWO_PI * f * dt;
        phase2 += TWO_PI * 1.35f * f * dt;
        float a1 = h->f_amp * (1.0f + 0.3f * sinf(TWO_PI * 0.21f * t + am));
        float v1 = a1 * (float)sin(phase1), v2 = 0.4f * h->f_amp * (float)sin(phase2);
        for (int a = 0; a < 3; a++) dip[a][i] += v1 * h->f_dir[a] + v2 * second[a];
    }
}

void synth_case_render(const SynthConfig *c, const SynthCase *k, float rate_hz, EcgRecord *rec) {
    int n = synth_n_samples(c, rate_hz);
    record_init(rec, rate_hz, n);
    float *buf = xcalloc((size_t)3 * (size_t)n, sizeof(float));
    float *dip[3] = {buf, buf + n, buf + 2 * (size_t)n};
    /* The recorder's anti-alias filter, as a Gaussian of about a third of a sample. */
    float sigma_aa = 0.35f / rate_hz;
    const Heart *h = &k->heart;
    int af = k->rhythm.atrial_fibrillation;
    for (int b = 0; b < k->beats.n; b++) {
        const Beat *x = &k->beats.beat[b];
        if ((x->kind == BEAT_CONDUCTED || x->kind == BEAT_P_ONLY) && !af)
            beat_render(&h->sinus, FIRST_P_WAVE, LAST_P_WAVE, x->t, x->rr_prev, 1.0f, 1.0f, rate_hz, sigma_aa, n, dip);
        if (x->kind == BEAT_P_ONLY) continue;
        const BeatShape *shape = x->kind == BEAT_ECTOPIC ? &h->ectopic : &h->sinus;
        beat_render(shape, FIRST_QRS_WAVE, LAST_REPOL_WAVE, x->t, x->rr_prev, x->gain, 1.0f, rate_hz, sigma_aa, n, dip);
    }
    Rng noise;
    record_stream(&noise, c, k->index, STREAM_NOISE, rate_hz);
    if (af) render_fibrillation(h, rate_hz, n, &noise, dip);
    heart_project((const float *const *)dip, n, rec->signal);
    noise_render(&k->noise, rate_hz, n, &noise, rec->signal);
    heart_derive_limb_leads(rec->signal, n);
    free(buf);

    memset(rec->valid, 1, (size_t)N_LEADS * (size_t)n);
    rec->lead_available = ALL_LEADS_MASK;
    snprintf(rec->id, sizeof rec->id, "%s", k->id);
    rec->age = k->age;
    rec->sex = k->sex;
    rec->fold = k->fold;
    rec->split = k->fold <= 8 ? SPLIT_TRAIN : k->fold == 9 ? SPLIT_VAL : SPLIT_TEST;
    free(rec->report);
    rec->report = xstrdup(k->report);
    codes_to_labels(k->codes, k->n_codes, rec->labels);
    rec->evidence = synth_evidence_build(k, rate_hz, n, &rec->n_evidence);
}

void synth_generate(const SynthConfig *c, uint64_t index, EcgRecord *r) {
    SynthCase k;
    synth_case_draw(c, index, &k);
    synth_case_render(c, &k, c->rate_hz, r);
    synth_case_free(&k);
}
