#include "data/synth/mechanisms.h"

#include <math.h>
#include <string.h>

#include "data/record.h"
#include "data/synth/conditions.h"

#define DEG (3.14159265358979f / 180.0f)

static float clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }
static float normal(Rng *r) { return (float)rng_normal(r); }
static float uniform(Rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }

static void normalize(float v[3]) {
    float n = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    if (n > 0)
        for (int a = 0; a < 3; a++) v[a] /= n;
}

static float dot3(const float a[3], const float b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static float wave_norm(const Wave *w) { return sqrtf(dot3(w->amp, w->amp)); }

/* The injury current flows while the myocardium is depolarised: a plateau from the end of the
 * QRS (rising within its last 20 ms, so the J point itself is displaced) through the ST segment
 * into the T wave. */
static void injury_current(BeatShape *b, float v[3]) {
    BeatMarkers mk;
    beat_markers(b, 1.0f, &mk);
    wave_plateau(&b->wave[WAVE_ST], v[0], v[1], v[2], mk.qrs_end - 0.02f, mk.qrs_end + 0.20f, 0.022f);
}

/* A unit vector near (x, y, z): each component jittered by `spread` before normalising, so that no
 * two patients' territories, or ectopic foci, point exactly the same way. */
static void jittered_direction(float x, float y, float z, float spread, Rng *r, float out[3]) {
    float n = sqrtf(x * x + y * y + z * z);
    out[0] = x / n + spread * normal(r);
    out[1] = y / n + spread * normal(r);
    out[2] = z / n + spread * normal(r);
    normalize(out);
}

/* Rotation in the frontal plane (X toward Y: positive turns the axis inferiorly, as the clinical
 * axis counts) and in the horizontal plane (X toward Z: positive turns it posteriorly). */
static void rotate(Wave *w, float frontal_deg, float horizontal_deg) {
    float c = cosf(frontal_deg * DEG), s = sinf(frontal_deg * DEG);
    float x = w->amp[0], y = w->amp[1];
    w->amp[0] = c * x - s * y;
    w->amp[1] = s * x + c * y;
    c = cosf(horizontal_deg * DEG);
    s = sinf(horizontal_deg * DEG);
    x = w->amp[0];
    float z = w->amp[2];
    w->amp[0] = c * x - s * z;
    w->amp[2] = s * x + c * z;
}

static void time_scale(Wave *w, float k) {
    for (int a = 0; a < 3; a++) {
        w->centre[a] *= k;
        w->width[a] *= k;
    }
}

/* Let a wave's axes peak at different instants (X `lead` seconds before Y, Z as much after, and a
 * little jitter): the dipole keeps turning through a slow wave instead of stopping at its apex,
 * as a real activation front does. */
static void spread_centres(Wave *w, float lead, Rng *r) {
    for (int a = 0; a < 3; a++) w->centre[a] += (float)(a - 1) * lead + 0.3f * lead * normal(r);
}

static void add_vector(Wave *w, const float v[3], float k) {
    for (int a = 0; a < 3; a++) w->amp[a] += k * v[a];
}

uint16_t territory_leads(Territory t) {
    switch (t) {
    case TERRITORY_ANTEROSEPTAL: return 1u << LEAD_V1 | 1u << LEAD_V2 | 1u << LEAD_V3;
    case TERRITORY_ANTERIOR: return 1u << LEAD_V1 | 1u << LEAD_V2 | 1u << LEAD_V3 | 1u << LEAD_V4;
    case TERRITORY_INFERIOR: return 1u << LEAD_II | 1u << LEAD_III | 1u << LEAD_AVF;
    case TERRITORY_LATERAL: return 1u << LEAD_I | 1u << LEAD_AVL | 1u << LEAD_V5 | 1u << LEAD_V6;
    default: return 0;
    }
}

/* The outward direction of each territory's wall (Frank axes), chosen so that its leads see it
 * most positively: anteroseptal faces V1-V3, anterior V2-V5, inferior II/III/aVF (slightly
 * rightward, the right coronary artery's territory), lateral I/aVL/V5/V6. A slight superior tilt of
 * the anterior walls gives the reciprocal inferior depression of anterior infarcts. */
static const float TERRITORY_DIRECTION[4][3] = {
    {-0.15f, -0.55f, -1.0f}, /* anteroseptal */
    {0.40f, -0.55f, -1.0f},  /* anterior */
    {-0.15f, 1.0f, 0.25f},   /* inferior */
    {1.0f, -0.45f, 0.10f},   /* lateral */
};

/* The normal beat of an adult: the waves' template is the mean normal vectorcardiogram (QRS loop
 * to the left, inferior and slightly posterior with septal forces to the right and front and
 * terminal forces to the back; T loop left, inferior, anterior), sized and timed for age and sex:
 * men have larger QRS and T voltages, slightly wider QRS and shorter QTc; voltages fall and the PR
 * interval lengthens with age, and the axis turns leftward. */
static void normal_beat(int age, int sex, Rng *r, Heart *h) {
    int male = sex == SEX_MALE;
    float years = (float)age - 45.0f;
    float g_qrs = (male ? 1.10f : 0.90f) * clampf(1.0f - 0.006f * years, 0.75f, 1.25f) * expf(0.18f * normal(r));
    float g_t = (male ? 1.10f : 0.85f) * clampf(1.0f - 0.004f * years, 0.80f, 1.15f) * expf(0.20f * normal(r));
    float g_p = expf(0.20f * normal(r));
    float qs = (male ? 1.0f : 0.94f) * clampf(1.0f + 0.05f * normal(r), 0.90f, 1.06f);
    h->pr_s = clampf(0.150f + 0.0006f * years + 0.014f * normal(r), 0.125f, 0.195f);
    h->qtc_s = clampf((male ? 0.392f : 0.407f) + 0.012f * normal(r), 0.370f, 0.440f);

    BeatShape *b = &h->sinus;
    memset(b, 0, sizeof *b);
    wave_set(&b->wave[WAVE_P1], 0.01f * g_p, 0.06f * g_p, -0.04f * g_p, -h->pr_s + 0.036f, 0.015f);
    wave_set(&b->wave[WAVE_P2], 0.06f * g_p, 0.05f * g_p, 0.03f * g_p, -h->pr_s + 0.066f, 0.015f);
    wave_set(&b->wave[WAVE_Q], -0.10f * g_qrs, -0.10f * g_qrs, -0.14f * g_qrs, 0.016f * qs, 0.007f * qs);
    wave_set(&b->wave[WAVE_RA], 0.55f * g_qrs, 0.30f * g_qrs, -0.35f * g_qrs, 0.030f * qs, 0.009f * qs);
    wave_set(&b->wave[WAVE_R], 1.00f * g_qrs, 0.60f * g_qrs, 0.35f * g_qrs, 0.042f * qs, 0.0095f * qs);
    wave_set(&b->wave[WAVE_S], -0.18f * g_qrs, 0.0f, 0.68f * g_qrs, 0.060f * qs, 0.010f * qs);
    float t2_centre = h->qtc_s - 2.5f * 0.036f;
    wave_set(&b->wave[WAVE_T1], 0.06f * g_t, 0.05f * g_t, -0.10f * g_t, t2_centre - 0.045f, 0.060f);
    wave_set(&b->wave[WAVE_T2], 0.28f * g_t, 0.12f * g_t, -0.12f * g_t, t2_centre, 0.036f);

    /* Axis: a patient's own rotation, turning leftward with age, kept inside the normal range. */
    float frontal = clampf(14.0f * normal(r) - 0.35f * years, -35.0f, 30.0f);
    float horizontal = clampf(10.0f * normal(r), -25.0f, 25.0f);
    h->axis_rotation_deg = frontal;
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++) rotate(&b->wave[w], frontal, horizontal);
    for (int w = FIRST_REPOL_WAVE; w <= LAST_REPOL_WAVE; w++) rotate(&b->wave[w], 0.6f * frontal, horizontal);
    /* The axes of one wave do not peak at exactly the same instant: this opens the loops. */
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++)
        for (int a = 0; a < 3; a++) b->wave[w].centre[a] += 0.001f * qs * normal(r);
    beat_anchor_repolarisation(b);
}

/* Left anterior fascicular block: the anterosuperior left ventricle is activated late through the
 * posterior fascicle, so the main forces turn superiorly (axis -45 to -75 degrees) after initial
 * inferior-rightward forces (q in I and aVL, r in II, III, aVF), and the QRS widens slightly. */
static void apply_lafb(BeatShape *b, Rng *r) {
    Wave *R = &b->wave[WAVE_R];
    float m = hypotf(R->amp[0], R->amp[1]) * 1.05f;
    float angle = uniform(r, -72.0f, -52.0f) * DEG;
    R->amp[0] = m * cosf(angle);
    R->amp[1] = m * sinf(angle);
    float g = wave_norm(&b->wave[WAVE_Q]) / 0.27f;
    Wave *Q = &b->wave[WAVE_Q];
    Q->amp[0] = -0.06f * g;
    Q->amp[1] = 0.20f * g;
    Q->amp[2] = -0.12f * g;
    b->wave[WAVE_S].amp[1] = -0.10f * wave_norm(R);
    for (int w = WAVE_Q; w <= WAVE_S; w++) time_scale(&b->wave[w], 1.03f);
}

/* Left bundle branch block: the septum is activated from the right (initial forces leftward: no
 * septal q in I, V5, V6), then the left ventricle slowly from cell to cell: broad, notched forces
 * to the left and back (wide R in I, aVL, V5, V6; wide QS in V1-V3), and repolarisation turned
 * against the QRS (discordant ST-T). */
static void apply_lbbb(BeatShape *b, Rng *r) {
    float m = wave_norm(&b->wave[WAVE_R]);
    float dur = uniform(r, 0.90f, 1.05f);
    float main_dir[3], late_dir[3];
    jittered_direction(0.75f, 0.15f, 0.65f, 0.08f, r, main_dir);
    jittered_direction(0.55f, -0.10f, 0.85f, 0.08f, r, late_dir);
    wave_set(&b->wave[WAVE_Q], 0.15f * m, 0.02f * m, -0.04f * m, 0.018f * dur, 0.010f * dur);
    wave_set(&b->wave[WAVE_R], 1.25f * m * main_dir[0], 1.25f * m * main_dir[1], 1.25f * m * main_dir[2],
             0.055f * dur, 0.019f * dur);
    wave_set(&b->wave[WAVE_X1], 0.9f * m * late_dir[0], 0.9f * m * late_dir[1], 0.9f * m * late_dir[2],
             0.105f * dur, 0.020f * dur);
    spread_centres(&b->wave[WAVE_R], 0.005f, r);
    spread_centres(&b->wave[WAVE_X1], 0.008f, r);
    memset(&b->wave[WAVE_S], 0, sizeof(Wave));
    memset(&b->wave[WAVE_RA], 0, sizeof(Wave));
    float t_centre = b->wave[WAVE_T2].centre[0];
    float k = uniform(r, 0.18f, 0.30f) * m;
    float st[3] = {-0.12f * m * main_dir[0], -0.12f * m * main_dir[1], -0.12f * m * main_dir[2]};
    injury_current(b, st);
    wave_set(&b->wave[WAVE_T1], -0.4f * k * main_dir[0], -0.4f * k * main_dir[1], -0.4f * k * main_dir[2],
             t_centre - 0.045f, 0.060f);
    wave_set(&b->wave[WAVE_T2], -k * main_dir[0], -k * main_dir[1], -k * main_dir[2], t_centre, 0.040f);
}

/* Right bundle branch block: the left ventricle depolarises normally, then the right ventricle
 * late and slowly: a broad terminal wave to the right and front (R' in V1, V2; wide S in I, V5,
 * V6), with the T waves turned away from it (T inversion in V1-V2). */
static void apply_rbbb(BeatShape *b, Rng *r) {
    float m = wave_norm(&b->wave[WAVE_R]);
    float dur = uniform(r, 0.96f, 1.10f);
    float dir[3];
    jittered_direction(-0.45f, -0.05f, -0.85f, 0.08f, r, dir);
    float k = uniform(r, 0.55f, 0.80f) * m;
    wave_scale(&b->wave[WAVE_S], 0.6f);
    wave_set(&b->wave[WAVE_X1], k * dir[0], k * dir[1], k * dir[2], 0.105f * dur, 0.020f * dur);
    spread_centres(&b->wave[WAVE_X1], 0.008f, r);
    add_vector(&b->wave[WAVE_T2], dir, -0.30f * k);
    add_vector(&b->wave[WAVE_T1], dir, -0.10f * k);
}

/* Acute myocardial infarction in a territory: dead myocardium contributes no forces, so the
 * initial QRS forces point away from it (pathological Q waves in its leads) and its share of the
 * R wave is lost; the injury current points at it (ST elevation in its leads, and by the same
 * projection depression in the opposite ones), with hyperacute T waves. */
static void apply_infarct(Heart *h, Territory t, Rng *r) {
    BeatShape *b = &h->sinus;
    const float *d0 = TERRITORY_DIRECTION[t];
    float u[3];
    jittered_direction(d0[0], d0[1], d0[2], 0.12f, r, u);
    float st = uniform(r, 0.24f, 0.40f);
    for (int a = 0; a < 3; a++) h->st_vector[a] = st * u[a];
    add_vector(&b->wave[WAVE_T2], u, 0.5f * st);
    h->infarct = t;
    h->q_waves = rng_uniform(r) < 0.85f;
    if (h->q_waves) {
        float m = wave_norm(&b->wave[WAVE_R]);
        for (int w = WAVE_RA; w <= WAVE_R; w++) {
            float toward = dot3(b->wave[w].amp, u);
            if (toward > 0) add_vector(&b->wave[w], u, -0.5f * toward);
        }
        float q = uniform(r, 0.35f, 0.55f) * m;
        wave_set(&b->wave[WAVE_X2], -q * u[0], -q * u[1], -q * u[2], 0.030f, 0.013f);
    }
    injury_current(b, h->st_vector);
}

/* Subendocardial ischaemia: the injury current points from the epicardium into the cavity, away
 * from the territory (ST depression in its leads); often the territory's T waves turn over. */
static void apply_ischaemia(Heart *h, Territory t, Rng *r) {
    static const float ISCHAEMIA_DIRECTION[4][3] = {
        {-0.10f, -0.20f, -1.0f}, {0.25f, -0.20f, -1.0f}, {0.0f, 1.0f, 0.15f}, {1.0f, -0.30f, 0.20f}};
    BeatShape *b = &h->sinus;
    float u[3];
    jittered_direction(ISCHAEMIA_DIRECTION[t][0], ISCHAEMIA_DIRECTION[t][1], ISCHAEMIA_DIRECTION[t][2], 0.10f, r, u);
    float st = uniform(r, 0.15f, 0.26f);
    for (int a = 0; a < 3; a++) h->st_vector[a] = -st * u[a];
    injury_current(b, h->st_vector);
    h->ischaemia = t;
    h->t_inversion = rng_uniform(r) < 0.55f;
    if (h->t_inversion) {
        for (int w = WAVE_T1; w <= WAVE_T2; w++) {
            float toward = dot3(b->wave[w].amp, u);
            float flip = uniform(r, 1.6f, 2.2f);
            if (toward > 0) add_vector(&b->wave[w], u, -flip * toward);
            add_vector(&b->wave[w], u, -0.08f);
        }
    }
}

static float sokolow(const BeatShape *b) {
    float hi[N_LEADS], lo[N_LEADS];
    beat_qrs_extremes(b, hi, lo);
    return -lo[LEAD_V1] + fmaxf(hi[LEAD_V5], hi[LEAD_V6]);
}

static void scale_qrs(BeatShape *b, float k) {
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++) wave_scale(&b->wave[w], k);
}

/* Left ventricular hypertrophy: a larger left-ventricular mass gives larger, more posterior and
 * slightly longer left-ventricular forces. Voltage is the criterion by which LVH is read, so the
 * forces grow until the Sokolow-Lyon index reaches a drawn value of 3.8-5.3 mV. */
static void apply_lvh(BeatShape *b, Rng *r) {
    for (int w = FIRST_QRS_WAVE; w <= LAST_QRS_WAVE; w++) {
        rotate(&b->wave[w], 0, 8.0f);
        time_scale(&b->wave[w], 1.03f);
    }
    float target = uniform(r, 3.8f, 5.3f);
    float now = sokolow(b);
    if (now < target) scale_qrs(b, target / now);
    for (int w = WAVE_T1; w <= WAVE_T2; w++) wave_scale(&b->wave[w], 0.9f);
}

/* A premature ventricular beat: activation spreads from an ectopic focus through the muscle, not
 * the conduction system: broad (about 150-170 ms), large, with discordant repolarisation. A focus
 * in the right ventricle gives a left-bundle-branch-block-like beat, one in the left ventricle a
 * right-bundle-branch-block-like beat. */
static void ectopic_beat(Heart *h, Rng *r) {
    BeatShape *b = &h->ectopic;
    memset(b, 0, sizeof *b);
    float dir[3], late[3];
    if (rng_uniform(r) < 0.5f) jittered_direction(0.75f, 0.35f, 0.55f, 0.25f, r, dir);
    else jittered_direction(-0.65f, 0.35f, -0.65f, 0.25f, r, dir);
    jittered_direction(dir[0], dir[1], dir[2], 0.45f, r, late);
    float m = uniform(r, 1.3f, 2.0f) * wave_norm(&h->sinus.wave[WAVE_R]);
    if (m < 1.2f) m = 1.2f;
    float dur = uniform(r, 0.95f, 1.08f);
    wave_set(&b->wave[WAVE_R], m * dir[0], m * dir[1], m * dir[2], 0.065f * dur, 0.026f * dur);
    wave_set(&b->wave[WAVE_X1], 0.45f * m * late[0], 0.45f * m * late[1], 0.45f * m * late[2], 0.120f * dur,
             0.022f * dur);
    spread_centres(&b->wave[WAVE_R], 0.005f, r);
    spread_centres(&b->wave[WAVE_X1], 0.008f, r);
    wave_set(&b->wave[WAVE_ST], -0.10f * m * dir[0], -0.10f * m * dir[1], -0.10f * m * dir[2], 0.20f, 0.06f);
    wave_set(&b->wave[WAVE_T1], -0.12f * m * dir[0], -0.12f * m * dir[1], -0.12f * m * dir[2], 0.26f, 0.07f);
    wave_set(&b->wave[WAVE_T2], -0.22f * m * dir[0], -0.22f * m * dir[1], -0.22f * m * dir[2], 0.33f, 0.045f);
}

void heart_build(uint32_t conditions, int age, int sex, Rng *r, Heart *h) {
    memset(h, 0, sizeof *h);
    h->infarct = h->ischaemia = TERRITORY_NONE;
    normal_beat(age, sex, r, h);
    BeatShape *b = &h->sinus;
    if (conditions & COND_BIT(COND_LAFB)) apply_lafb(b, r);
    if (conditions & COND_BIT(COND_CLBBB)) apply_lbbb(b, r);
    if (conditions & COND_BIT(COND_CRBBB)) apply_rbbb(b, r);
    static const struct {
        Condition cond;
        Territory territory;
        int infarct;
    } TERRITORIAL[] = {
        {COND_ASMI, TERRITORY_ANTEROSEPTAL, 1}, {COND_AMI, TERRITORY_ANTERIOR, 1},
        {COND_IMI, TERRITORY_INFERIOR, 1},      {COND_LMI, TERRITORY_LATERAL, 1},
        {COND_ISCAN, TERRITORY_ANTERIOR, 0},    {COND_ISCIN, TERRITORY_INFERIOR, 0},
        {COND_ISCLA, TERRITORY_LATERAL, 0},
    };
    for (size_t i = 0; i < sizeof TERRITORIAL / sizeof TERRITORIAL[0]; i++) {
        if (!(conditions & COND_BIT(TERRITORIAL[i].cond))) continue;
        if (TERRITORIAL[i].infarct) apply_infarct(h, TERRITORIAL[i].territory, r);
        else apply_ischaemia(h, TERRITORIAL[i].territory, r);
    }
    if (conditions & COND_BIT(COND_LVH)) {
        apply_lvh(b, r);
    } else {
        /* Without hypertrophy the voltage stays below the criterion, so that high voltage is
         * evidence of LVH in this corpus and of nothing else. */
        float now = sokolow(b), cap = uniform(r, 2.6f, 3.3f);
        if (now > cap) scale_qrs(b, cap / now);
    }
    h->sokolow_mv = sokolow(b);
    if (conditions & COND_BIT(COND_1AVB)) {
        float pr = uniform(r, 0.225f, 0.320f);
        for (int w = FIRST_P_WAVE; w <= LAST_P_WAVE; w++)
            for (int a = 0; a < 3; a++) b->wave[w].centre[a] -= pr - h->pr_s;
        h->pr_s = pr;
    }
    beat_anchor_repolarisation(b);
    /* Findings are reported only where the finished beat shows them: T inversion in a lead of the
     * ischaemic territory, Q waves in some lead. */
    if (h->t_inversion) h->t_inversion = (heart_inverted_t_leads(h) & territory_leads(h->ischaemia)) != 0;
    if (h->q_waves && !heart_q_wave_leads(h)) h->q_waves = 0;
    ectopic_beat(h, r);
    beat_anchor_repolarisation(&h->ectopic);
    if (conditions & COND_BIT(COND_AFIB)) {
        h->f_amp = uniform(r, 0.04f, 0.11f);
        h->f_hz = uniform(r, 5.0f, 8.0f);
        jittered_direction(-0.30f, 0.50f, -0.80f, 0.2f, r, h->f_dir);
    }
}

uint16_t heart_q_wave_leads(const Heart *h) {
    if (!h->q_waves) return 0;
    return (uint16_t)(leads_projecting(h->sinus.wave[WAVE_X2].amp, 0.1f, -1) & ~(1u << LEAD_AVR));
}

uint16_t heart_inverted_t_leads(const Heart *h) {
    float t_peak[3];
    beat_dipole_at(&h->sinus, WAVE_T1, WAVE_T2, 1.0f, h->sinus.wave[WAVE_T2].centre[0], t_peak);
    return leads_projecting(t_peak, 0.1f, -1);
}
