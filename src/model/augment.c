/* Augmentations: options, their text form, the batch driver and the per-record kinds none,
 * standard and random (3KG is in augment_3kg.c). */
#include "model/augment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/parallel.h"
#include "data/missing.h"
#include "data/record.h"
#include "model/augment_impl.h"

static const char *const KIND_NAMES[N_AUG_KINDS] = {"none", "standard", "random", "3kg"};

void augment_options_default(AugmentOptions *o) {
    memset(o, 0, sizeof *o);
    o->scale_min = 0.8;
    o->scale_max = 1.2;
    o->noise = 0.05;
    o->shift = 0.1;
    o->mask_ratio = 0.5;
    o->mask_blocks = 1;
    o->rot_max_deg = 45;
    o->scale3_min = 1.0;
    o->scale3_max = 1.5;
    o->block_ratio = 0.5;
}

/* lo <= x <= hi, NaN refused */
static int within(double x, double lo, double hi) { return x >= lo && x <= hi; }

int augment_options_check(const AugmentOptions *o) {
    if (!(o->scale_min > 0 && o->scale_min <= o->scale_max && isfinite(o->scale_max)))
        return scar_fail("augmentation: amplitude scale range %g-%g must satisfy 0 < min <= max", o->scale_min,
                         o->scale_max);
    if (!(o->noise >= 0 && isfinite(o->noise)))
        return scar_fail("augmentation: noise %g must be a non-negative fraction of the lead's deviation", o->noise);
    if (!(o->shift >= 0 && o->shift < 1))
        return scar_fail("augmentation: shift %g must be in [0, 1) (a fraction of the record)", o->shift);
    if (!within(o->mask_ratio, 0, 1)) return scar_fail("augmentation: mask ratio %g must be in [0, 1]", o->mask_ratio);
    if (o->mask_blocks < 1 || o->mask_blocks > MISSING_MAX_BLOCKS)
        return scar_fail("augmentation: mask blocks %d must be in 1..%d", o->mask_blocks, MISSING_MAX_BLOCKS);
    if (!within(o->rot_max_deg, 0, 180))
        return scar_fail("augmentation: 3KG rotation range %g degrees must be in [0, 180]", o->rot_max_deg);
    if (!(o->scale3_min > 0 && o->scale3_min <= o->scale3_max && isfinite(o->scale3_max)))
        return scar_fail("augmentation: 3KG scale range %g-%g must satisfy 0 < min <= max", o->scale3_min,
                         o->scale3_max);
    if (!within(o->block_ratio, 0, 1))
        return scar_fail("augmentation: 3KG block ratio %g must be in [0, 1]", o->block_ratio);
    return 0;
}

const char *augment_kind_name(AugKind k) { return (unsigned)k < N_AUG_KINDS ? KIND_NAMES[k] : "?"; }

int augment_kind_parse(const char *name, AugKind *k) {
    for (int i = 0; i < N_AUG_KINDS; i++)
        if (!strcasecmp(name, KIND_NAMES[i])) {
            *k = (AugKind)i;
            return 0;
        }
    return scar_fail("unknown augmentation \"%s\" (augmentations: none, standard, random, 3kg)", name);
}

/* ---- text form ---- */

/* One number, or a range "a-b"; *lo = *hi for a single number. 0, or -1 when malformed. */
static int parse_range(const char *s, double *lo, double *hi) {
    char *end;
    *lo = strtod(s, &end);
    if (end == s) return -1;
    if (*end == '-') {
        const char *b = end + 1;
        *hi = strtod(b, &end);
        if (end == b) return -1;
    } else {
        *hi = *lo;
    }
    return *end ? -1 : 0;
}

static int parse_number(const char *s, double *x) {
    char *end;
    *x = strtod(s, &end);
    return end == s || *end ? -1 : 0;
}

int augment_parse(const char *text, AugKind *kind, AugmentOptions *o) {
    char buf[AUG_TEXT_MAX];
    if (strlen(text) >= sizeof buf) return scar_fail("augmentation \"%.40s...\": too long", text);
    strcpy(buf, text);
    char *opts = strchr(buf, ':');
    if (opts) *opts++ = '\0';
    augment_options_default(o);
    if (augment_kind_parse(buf, kind) < 0) return -1;
    if (!opts) return 0;
    if (*kind == AUG_NONE && *opts) return scar_fail("augmentation \"%s\": none takes no options", text);
    char *save = NULL;
    for (char *part = strtok_r(opts, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '=');
        if (!eq) return scar_fail("augmentation \"%s\": \"%s\" is not key=value", text, part);
        *eq = '\0';
        const char *key = part, *val = eq + 1;
        double a = 0, b = 0;
        int bad = 0, known = 1;
        switch (*kind) {
        case AUG_STANDARD:
            if (!strcmp(key, "noise")) bad = parse_number(val, &o->noise);
            else if (!strcmp(key, "shift")) bad = parse_number(val, &o->shift);
            else if (!strcmp(key, "scale")) bad = parse_range(val, &o->scale_min, &o->scale_max);
            else known = 0;
            break;
        case AUG_RANDOM:
            if (!strcmp(key, "ratio")) bad = parse_number(val, &o->mask_ratio);
            else if (!strcmp(key, "blocks")) {
                bad = parse_number(val, &a) || a != floor(a) || fabs(a) > 1e6;
                if (!bad) o->mask_blocks = (int)a;
            } else known = 0;
            break;
        case AUG_3KG:
            if (!strcmp(key, "angle")) bad = parse_number(val, &o->rot_max_deg);
            else if (!strcmp(key, "block")) bad = parse_number(val, &o->block_ratio);
            else if (!strcmp(key, "scale")) {
                bad = parse_range(val, &a, &b);
                o->scale3_min = a, o->scale3_max = b;
            } else known = 0;
            break;
        default: known = 0;
        }
        if (!known) return scar_fail("augmentation \"%s\": %s has no option \"%s\"", text, KIND_NAMES[*kind], key);
        if (bad) return scar_fail("augmentation \"%s\": bad value \"%s\" for %s", text, val, key);
    }
    if (augment_options_check(o) < 0) return scar_fail_context("augmentation \"%s\": ", text);
    return 0;
}

/* The shortest of %.15g and %.17g that reads back to x. */
static void fmt_real(char *s, size_t cap, double x) {
    snprintf(s, cap, "%.15g", x);
    if (strtod(s, NULL) != x) snprintf(s, cap, "%.17g", x);
}

int augment_format(AugKind kind, const AugmentOptions *o, char *buf, size_t cap) {
    char a[32], b[32], c[32];
    int n;
    switch (kind) {
    case AUG_NONE: n = snprintf(buf, cap, "none"); break;
    case AUG_STANDARD:
        fmt_real(a, sizeof a, o->noise), fmt_real(b, sizeof b, o->scale_min), fmt_real(c, sizeof c, o->shift);
        n = snprintf(buf, cap, "standard:noise=%s,scale=%s-", a, b);
        fmt_real(b, sizeof b, o->scale_max);
        if (n >= 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, "%s,shift=%s", b, c);
        break;
    case AUG_RANDOM:
        fmt_real(a, sizeof a, o->mask_ratio);
        n = snprintf(buf, cap, "random:ratio=%s,blocks=%d", a, o->mask_blocks);
        break;
    case AUG_3KG:
        fmt_real(a, sizeof a, o->rot_max_deg), fmt_real(b, sizeof b, o->scale3_min), fmt_real(c, sizeof c, o->block_ratio);
        n = snprintf(buf, cap, "3kg:angle=%s,scale=%s-", a, b);
        fmt_real(b, sizeof b, o->scale3_max);
        if (n >= 0 && (size_t)n < cap) n += snprintf(buf + n, cap - (size_t)n, "%s,block=%s", b, c);
        break;
    default: return scar_fail("augmentation kind %d: no such kind", (int)kind);
    }
    if (n < 0 || (size_t)n >= cap) return scar_fail("augmentation text does not fit in %zu bytes", cap);
    return 0;
}

/* ---- per-record kinds ---- */

void augment_zero_blocks(float *x, uint8_t *v, int L, double ratio, int blocks, Rng *r, uint8_t *scratch) {
    if (ratio <= 0) return;
    for (int l = 0; l < N_LEADS; l++) {
        missing_draw_time_blocks(L, ratio, blocks, r, scratch);
        float *xl = x + (size_t)l * L;
        uint8_t *vl = v + (size_t)l * L;
        for (int t = 0; t < L; t++)
            if (scratch[t]) xl[t] = 0, vl[t] = 0;
    }
}

/* Two independent standard normals from one 64-bit draw (Box-Muller on two 24-bit uniforms; the
 * radius' uniform is in (0, 1], so |z| <= sqrt(48 ln 2) = 5.8: the tail beyond is cut, which an
 * augmentation's noise does not miss). */
static inline void normal_pair(Rng *r, float *z0, float *z1) {
    uint64_t u = rng_u64(r);
    float u1 = (float)((u >> 40) + 1) * 0x1p-24f;
    float u2 = (float)((u >> 16) & 0xffffffu) * 0x1p-24f;
    float rad = sqrtf(-2.0f * logf(u1)), ang = 6.28318530717958647692f * u2;
    *z0 = rad * cosf(ang);
    *z1 = rad * sinf(ang);
}

/* Standard deviation of the valid samples of one lead (0 with fewer than two). */
static double lead_sd(const float *x, const uint8_t *v, int L) {
    double s = 0, ss = 0;
    int n = 0;
    for (int t = 0; t < L; t++)
        if (v[t]) s += x[t], n++;
    if (n < 2) return 0;
    double m = s / n;
    for (int t = 0; t < L; t++)
        if (v[t]) ss += (x[t] - m) * (x[t] - m);
    return sqrt(ss / (n - 1));
}

static void standard_record(const AugmentOptions *o, Rng *r, float *x, uint8_t *v, int L, float *noise) {
    long smax = lround(o->shift * L);
    if (smax > L - 1) smax = L - 1;
    long shift = smax ? (long)rng_below(r, (uint32_t)(2 * smax + 1)) - smax : 0;
    float gain[N_LEADS];
    for (int l = 0; l < N_LEADS; l++) gain[l] = (float)(o->scale_min + (o->scale_max - o->scale_min) * rng_uniform_f64(r));
    for (int l = 0; l < N_LEADS; l++) {
        float *xl = x + (size_t)l * L;
        uint8_t *vl = v + (size_t)l * L;
        float sigma = (float)(o->noise * lead_sd(xl, vl, L));
        if (o->noise > 0) { /* drawn for every sample, so the stream does not depend on the data */
            for (int t = 0; t + 1 < L; t += 2) normal_pair(r, &noise[t], &noise[t + 1]);
            if (L & 1) {
                float spare;
                normal_pair(r, &noise[L - 1], &spare);
            }
        }
        const float g = gain[l];
        if (o->noise > 0)
            for (int t = 0; t < L; t++) xl[t] = vl[t] ? xl[t] * g + sigma * noise[t] : 0.0f;
        else
            for (int t = 0; t < L; t++) xl[t] *= g;
        if (shift > 0) { /* later: the first `shift` samples are empty */
            memmove(xl + shift, xl, (size_t)(L - shift) * sizeof *xl);
            memmove(vl + shift, vl, (size_t)(L - shift));
            memset(xl, 0, (size_t)shift * sizeof *xl);
            memset(vl, 0, (size_t)shift);
        } else if (shift < 0) {
            long s = -shift;
            memmove(xl, xl + s, (size_t)(L - s) * sizeof *xl);
            memmove(vl, vl + s, (size_t)(L - s));
            memset(xl + L - s, 0, (size_t)s * sizeof *xl);
            memset(vl + L - s, 0, (size_t)s);
        }
    }
}

/* ---- the batch driver ---- */

/* "augment" in ASCII: the seed's tag, so the draws are not shared with other users of the same
 * seed and record index (data shuffling, missingness protocols). */
#define AUG_SEED_TAG 0x6175676d656e74ULL

int augment_apply(AugKind kind, const AugmentOptions *o, const float *in, const uint8_t *valid_in, float *out,
                  uint8_t *valid_out, int B, int L, const int64_t *record, uint64_t seed, int view) {
    if ((unsigned)kind >= N_AUG_KINDS) return scar_fail("augmentation kind %d: no such kind", (int)kind);
    if (augment_options_check(o) < 0) return -1;
    if (view < 0 || view >= AUG_MAX_VIEWS) return scar_fail("augmentation: view %d not in 0..%d", view, AUG_MAX_VIEWS - 1);
    if (B < 0 || L < 1) return scar_fail("augmentation: %d records of %d samples", B, L);
    const size_t rec = (size_t)N_LEADS * (size_t)L;
#pragma omp parallel num_threads(engine_threads()) if (B > 1)
    {
        /* per thread: the validity of a record when the caller keeps none, and scratch rows */
        uint8_t *vbuf = valid_out ? NULL : xmalloc(rec);
        uint8_t *scratch = xmalloc((size_t)L);
        float *rows = xmalloc((size_t)8 * (size_t)L * sizeof *rows); /* noise, or 3KG's new leads */
#pragma omp for schedule(static)
        for (int b = 0; b < B; b++) {
            const float *xi = in + (size_t)b * rec;
            float *x = out + (size_t)b * rec;
            uint8_t *v = valid_out ? valid_out + (size_t)b * rec : vbuf;
            const uint8_t *vi = valid_in ? valid_in + (size_t)b * rec : NULL;
            if (x != xi) memcpy(x, xi, rec * sizeof *x);
            if (!vi) memset(v, 1, rec);
            else if (v != vi) memcpy(v, vi, rec);
            if (vi) /* the record invariant, which every kind then keeps: 0 wherever not valid */
                for (size_t i = 0; i < rec; i++)
                    if (!v[i]) x[i] = 0;
            Rng r;
            rng_seed(&r, seed ^ AUG_SEED_TAG, (uint64_t)record[b] * AUG_MAX_VIEWS + (uint64_t)view);
            switch (kind) {
            case AUG_NONE: break;
            case AUG_STANDARD: standard_record(o, &r, x, v, L, rows); break;
            case AUG_RANDOM: augment_zero_blocks(x, v, L, o->mask_ratio, o->mask_blocks, &r, scratch); break;
            case AUG_3KG: augment_3kg_record(o, &r, x, v, L, scratch, rows); break;
            default: break;
            }
        }
        free(rows);
        free(scratch);
        free(vbuf);
    }
    return 0;
}
