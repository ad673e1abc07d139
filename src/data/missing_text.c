/* The textual form of missingness protocols: parsing, canonical printing, validation, the r × q
 * grid. The grammar is in data/missing.h. */
#include "data/missing.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

#define L(x) (1u << LEAD_##x)

uint16_t missing_leadset_leads(int n_leads) {
    switch (n_leads) {
    case 12: return ALL_LEADS_MASK;
    case 6: return (uint16_t)(L(I) | L(II) | L(III) | L(AVR) | L(AVL) | L(AVF));
    case 4: return (uint16_t)(L(I) | L(II) | L(III) | L(V2));
    case 3: return (uint16_t)(L(I) | L(II) | L(V2));
    case 2: return (uint16_t)(L(I) | L(II));
    case 1: return (uint16_t)L(I);
    default: return 0;
    }
}

void missing_full(MissingProtocol *p) {
    memset(p, 0, sizeof *p);
    p->time_blocks = 1;
}

int missing_is_random(const MissingProtocol *p) { return (p->parts & (MISSING_DROP_LEADS | MISSING_DROP_TIME)) != 0; }

/* ---- parsing helpers: each takes a trimmed, NUL-terminated value ---- */

enum { K_LEADS, K_LEADSET, K_DROP_LEADS, K_DROP_TIME, K_BLOCKS, K_EVIDENCE, K_LABELSET, K_ADVERSARIAL, K_BUDGET,
       K_SEED, N_KEYS };
static const char *const KEY_NAMES[N_KEYS] = {"leads",    "leadset",  "drop_leads",  "drop_time", "blocks",
                                              "evidence", "labelset", "adversarial", "budget",    "seed"};
#define KEY_LIST "leads, leadset, drop_leads, drop_time, blocks, evidence, labelset, adversarial, budget, seed"

/* The text being parsed, for messages (per thread, like the error buffer). */
static _Thread_local const char *g_text;

static int fail_in(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_in(const char *fmt, ...) {
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return scar_fail("missing protocol \"%.300s\": %s", g_text, what);
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static int parse_ratio(const char *key, const char *v, int zero_ok, double *out) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno == ERANGE || !isfinite(x))
        return fail_in("%s=%s is not a number", key, v);
    if (x > 1.0 || x < 0.0 || (!zero_ok && x == 0.0))
        return fail_in(zero_ok ? "%s=%s is out of range: a ratio in [0, 1]" : "%s=%s is out of range: a ratio in (0, 1]",
                       key, v);
    *out = x + 0.0; /* -0 reads as 0 */
    return 0;
}

static int parse_int(const char *key, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno == ERANGE) return fail_in("%s=%s is not a whole number", key, v);
    if (x < lo || x > hi) return fail_in("%s=%s is out of range: %ld..%ld", key, v, lo, hi);
    *out = x;
    return 0;
}

static int parse_seed(const char *v, uint64_t *out) {
    for (const char *c = v; *c; c++)
        if (!isdigit((unsigned char)*c)) return fail_in("seed=%s is not a non-negative whole number", v);
    errno = 0;
    unsigned long long x = strtoull(v, NULL, 10);
    if (errno == ERANGE) return fail_in("seed=%s does not fit in 64 bits", v);
    *out = (uint64_t)x;
    return 0;
}

static int parse_leads(char *v, uint16_t *out) {
    uint16_t mask = 0;
    char *save = NULL;
    /* strtok would skip empty items; walk the commas by hand so "I,,II" is an error */
    for (char *item = v;; item = save) {
        char *comma = strchr(item, ',');
        save = comma ? comma + 1 : NULL;
        if (comma) *comma = 0;
        char *name = trim(item);
        if (!*name) return fail_in("leads= has an empty lead name");
        int l = lead_from_name(name);
        if (l < 0) return fail_in("unknown lead \"%s\" in leads= (leads are I, II, III, aVR, aVL, aVF, V1..V6)", name);
        if (mask & (1u << l)) return fail_in("lead %s listed twice in leads=", LEAD_NAMES[l]);
        mask |= (uint16_t)(1u << l);
        if (!save) break;
    }
    *out = mask;
    return 0;
}

static int parse_value(int key, char *v, MissingProtocol *p) {
    long n = 0;
    switch (key) {
    case K_LEADS:
        p->parts |= MISSING_LEADS;
        return parse_leads(v, &p->keep_leads);
    case K_LEADSET:
        if (parse_int("leadset", v, 0, 1000, &n) < 0 || !missing_leadset_leads((int)n))
            return fail_in("leadset=%s: the Challenge 2021 lead sets are 12, 6, 4, 3, 2 and 1", v);
        p->parts |= MISSING_LEADS;
        p->leadset = (int)n;
        p->keep_leads = missing_leadset_leads((int)n);
        return 0;
    case K_DROP_LEADS:
        p->parts |= MISSING_DROP_LEADS;
        return parse_ratio("drop_leads", v, 1, &p->drop_leads);
    case K_DROP_TIME:
        p->parts |= MISSING_DROP_TIME;
        return parse_ratio("drop_time", v, 1, &p->drop_time);
    case K_BLOCKS:
        if (parse_int("blocks", v, 1, MISSING_MAX_BLOCKS, &n) < 0) return -1;
        p->time_blocks = (int)n;
        return 0;
    case K_EVIDENCE:
        if (!strcmp(v, "primary")) p->evidence = MISSING_EVIDENCE_PRIMARY;
        else if (!strcmp(v, "primary+secondary")) p->evidence = MISSING_EVIDENCE_PRIMARY_SECONDARY;
        else return fail_in("evidence=%s: expected evidence=primary or evidence=primary+secondary", v);
        p->parts |= MISSING_EVIDENCE;
        return 0;
    case K_LABELSET:
        if (strlen(v) >= SCAR_NAME_LEN) return fail_in("labelset=%s: names are at most %d characters", v, SCAR_NAME_LEN - 1);
        strcpy(p->labelset, v);
        return 0;
    case K_ADVERSARIAL:
        if (strlen(v) >= MISSING_PATH_MAX) return fail_in("adversarial=%.60s...: the path is too long", v);
        strcpy(p->masker, v);
        p->parts |= MISSING_ADVERSARIAL;
        return 0;
    case K_BUDGET: return parse_ratio("budget", v, 0, &p->budget);
    case K_SEED: return parse_seed(v, &p->seed);
    }
    return -1;
}

/* Split text at ';' into trimmed key=value parts; calls take(key index, value) for each after
 * checking the key is known, not repeated and has a value. */
static int for_each_part(char *s, int (*take)(int key, char *value, void *ctx), void *ctx, int seen[N_KEYS]) {
    for (char *part = s; part;) {
        char *semi = strchr(part, ';');
        if (semi) *semi = 0;
        char *next = semi ? semi + 1 : NULL;
        part = trim(part);
        if (!*part) return fail_in("an empty part (a stray ';')");
        char *eq = strchr(part, '=');
        if (!eq) {
            if (!strcmp(part, "full")) return fail_in("\"full\" cannot be combined with other parts");
            return fail_in("\"%s\" is not key=value (keys: %s)", part, KEY_LIST);
        }
        *eq = 0;
        char *key = trim(part), *value = trim(eq + 1);
        if (!*key) return fail_in("a part with no key before '='");
        int k = 0;
        while (k < N_KEYS && strcmp(key, KEY_NAMES[k])) k++;
        if (k == N_KEYS) {
            if (!strcmp(key, "time")) return fail_in("unknown key \"time\" (did you mean drop_time?)");
            return fail_in("unknown key \"%s\" (keys: %s)", key, KEY_LIST);
        }
        if (seen[k]) return fail_in("key \"%s\" given twice", key);
        seen[k] = 1;
        if (!*value) return fail_in("empty value for \"%s\"", key);
        if (take(k, value, ctx) < 0) return -1;
        part = next;
    }
    return 0;
}

static int take_protocol_part(int key, char *value, void *ctx) { return parse_value(key, value, ctx); }

/* Parts that only make sense with another part, or not with it. */
static int check_combination(const int seen[N_KEYS]) {
    if (seen[K_LEADS] && seen[K_LEADSET]) return fail_in("leads= and leadset= cannot both be given");
    if (seen[K_BLOCKS] && !seen[K_DROP_TIME]) return fail_in("blocks= needs drop_time=");
    if (seen[K_LABELSET] && !seen[K_EVIDENCE]) return fail_in("labelset= needs evidence=");
    if (seen[K_BUDGET] && !seen[K_ADVERSARIAL]) return fail_in("budget= needs adversarial=");
    if (seen[K_ADVERSARIAL] && !seen[K_BUDGET]) return fail_in("adversarial= needs budget=");
    if (seen[K_SEED] && !seen[K_DROP_LEADS] && !seen[K_DROP_TIME])
        return fail_in("seed= needs a random part (drop_leads= or drop_time=)");
    return 0;
}

int missing_parse(const char *text, MissingProtocol *p) {
    missing_full(p);
    g_text = text;
    char *copy = xstrdup(text);
    char *s = trim(copy);
    int rc = 0;
    if (!*s) rc = fail_in("empty protocol (\"full\" removes nothing)");
    else if (strcmp(s, "full")) {
        int seen[N_KEYS] = {0};
        rc = for_each_part(s, take_protocol_part, p, seen);
        if (rc == 0) rc = check_combination(seen);
    }
    free(copy);
    g_text = NULL;
    if (rc < 0) missing_full(p);
    return rc;
}

/* ---- validation, equality, printing ---- */

static int ratio_ok(double x, int zero_ok) { return isfinite(x) && x <= 1.0 && (zero_ok ? x >= 0.0 : x > 0.0); }

/* A string field that prints and parses back to itself: terminated, no ';', no outer spaces. */
static int text_field_ok(const char *s, size_t cap, int empty_ok) {
    size_t n = strnlen(s, cap);
    if (n == cap || (!empty_ok && n == 0) || strchr(s, ';')) return 0;
    return n == 0 || (!isspace((unsigned char)s[0]) && !isspace((unsigned char)s[n - 1]));
}

int missing_validate(const MissingProtocol *p) {
    const unsigned known = MISSING_LEADS | MISSING_DROP_LEADS | MISSING_DROP_TIME | MISSING_EVIDENCE | MISSING_ADVERSARIAL;
    if (p->parts & ~known) return scar_fail("missing protocol: unknown part bits 0x%x", p->parts & ~known);
    if (p->parts & MISSING_LEADS) {
        if (!p->keep_leads || (p->keep_leads & ~ALL_LEADS_MASK))
            return scar_fail("missing protocol: lead selection 0x%x is not a non-empty set of the 12 leads",
                             p->keep_leads);
        if (p->leadset && missing_leadset_leads(p->leadset) != p->keep_leads)
            return scar_fail("missing protocol: leadset=%d does not match its leads", p->leadset);
    }
    if ((p->parts & MISSING_DROP_LEADS) && !ratio_ok(p->drop_leads, 1))
        return scar_fail("missing protocol: drop_leads=%g is out of range [0, 1]", p->drop_leads);
    if (p->parts & MISSING_DROP_TIME) {
        if (!ratio_ok(p->drop_time, 1))
            return scar_fail("missing protocol: drop_time=%g is out of range [0, 1]", p->drop_time);
        if (p->time_blocks < 1 || p->time_blocks > MISSING_MAX_BLOCKS)
            return scar_fail("missing protocol: blocks=%d is out of range 1..%d", p->time_blocks, MISSING_MAX_BLOCKS);
    }
    if (p->parts & MISSING_EVIDENCE) {
        if (p->evidence != MISSING_EVIDENCE_PRIMARY && p->evidence != MISSING_EVIDENCE_PRIMARY_SECONDARY)
            return scar_fail("missing protocol: evidence kind %d is unknown", p->evidence);
        if (!text_field_ok(p->labelset, sizeof p->labelset, 1))
            return scar_fail("missing protocol: labelset is not a printable name");
    }
    if (p->parts & MISSING_ADVERSARIAL) {
        if (!text_field_ok(p->masker, sizeof p->masker, 0))
            return scar_fail("missing protocol: the masker path is empty, too long or holds ';' or outer spaces");
        if (!ratio_ok(p->budget, 0)) return scar_fail("missing protocol: budget=%g is out of range (0, 1]", p->budget);
    }
    return 0;
}

int missing_equal(const MissingProtocol *a, const MissingProtocol *b) {
    if (a->parts != b->parts) return 0;
    if ((a->parts & MISSING_LEADS) && (a->keep_leads != b->keep_leads || a->leadset != b->leadset)) return 0;
    if ((a->parts & MISSING_DROP_LEADS) && a->drop_leads != b->drop_leads) return 0;
    if ((a->parts & MISSING_DROP_TIME) && (a->drop_time != b->drop_time || a->time_blocks != b->time_blocks)) return 0;
    if ((a->parts & MISSING_EVIDENCE) && (a->evidence != b->evidence || strcmp(a->labelset, b->labelset))) return 0;
    if ((a->parts & MISSING_ADVERSARIAL) && (strcmp(a->masker, b->masker) || a->budget != b->budget)) return 0;
    if (missing_is_random(a) && a->seed != b->seed) return 0;
    return 1;
}

/* The shortest decimal that reads back as exactly x ("0.3", not "0.29999999999999999"). */
static void format_ratio(char *out, size_t cap, double x) {
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, cap, "%.*g", digits, x);
        if (strtod(out, NULL) == x) return;
    }
}

/* Appends to buf at *len; 1 on overflow. */
static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int append(char *buf, size_t cap, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap > *len ? cap - *len : 0, fmt, ap);
    va_end(ap);
    if (n < 0 || *len + (size_t)n >= cap) return 1;
    *len += (size_t)n;
    return 0;
}

int missing_format(const MissingProtocol *p, char *buf, size_t cap) {
    if (cap) buf[0] = 0;
    if (missing_validate(p) < 0) return -1;
    size_t len = 0;
    int over = 0;
    char x[32];
    const char *sep = "";
    if (!p->parts) over |= append(buf, cap, &len, "full");
    if (p->parts & MISSING_LEADS) {
        if (p->leadset) over |= append(buf, cap, &len, "leadset=%d", p->leadset);
        else {
            over |= append(buf, cap, &len, "leads=");
            const char *comma = "";
            for (int l = 0; l < N_LEADS; l++)
                if (p->keep_leads & (1u << l)) over |= append(buf, cap, &len, "%s%s", comma, LEAD_NAMES[l]), comma = ",";
        }
        sep = ";";
    }
    if (p->parts & MISSING_DROP_LEADS) {
        format_ratio(x, sizeof x, p->drop_leads);
        over |= append(buf, cap, &len, "%sdrop_leads=%s", sep, x), sep = ";";
    }
    if (p->parts & MISSING_DROP_TIME) {
        format_ratio(x, sizeof x, p->drop_time);
        over |= append(buf, cap, &len, "%sdrop_time=%s", sep, x), sep = ";";
        if (p->time_blocks != 1) over |= append(buf, cap, &len, ";blocks=%d", p->time_blocks);
    }
    if (p->parts & MISSING_EVIDENCE) {
        over |= append(buf, cap, &len, "%sevidence=%s", sep,
                       p->evidence == MISSING_EVIDENCE_PRIMARY ? "primary" : "primary+secondary"),
            sep = ";";
        if (p->labelset[0]) over |= append(buf, cap, &len, ";labelset=%s", p->labelset);
    }
    if (p->parts & MISSING_ADVERSARIAL) {
        format_ratio(x, sizeof x, p->budget);
        over |= append(buf, cap, &len, "%sadversarial=%s;budget=%s", sep, p->masker, x), sep = ";";
    }
    if (missing_is_random(p)) over |= append(buf, cap, &len, ";seed=%llu", (unsigned long long)p->seed);
    if (over) return scar_fail("missing protocol: the text does not fit in %zu bytes", cap);
    return 0;
}

/* ---- the r × q grid ---- */

int missing_grid(const double *r, int n_r, const double *q, int n_q, int blocks, uint64_t seed,
                 MissingProtocol *out) {
    if (n_r < 1 || n_q < 1) return scar_fail("missing grid: %d × %d is empty", n_r, n_q);
    if (blocks < 1 || blocks > MISSING_MAX_BLOCKS)
        return scar_fail("missing grid: blocks=%d is out of range 1..%d", blocks, MISSING_MAX_BLOCKS);
    for (int i = 0; i < n_r; i++)
        if (!ratio_ok(r[i], 1)) return scar_fail("missing grid: drop_leads=%g is out of range [0, 1]", r[i]);
    for (int j = 0; j < n_q; j++)
        if (!ratio_ok(q[j], 1)) return scar_fail("missing grid: drop_time=%g is out of range [0, 1]", q[j]);
    for (int i = 0; i < n_r; i++)
        for (int j = 0; j < n_q; j++) {
            MissingProtocol *p = &out[i * n_q + j];
            missing_full(p);
            if (r[i] > 0) p->parts |= MISSING_DROP_LEADS, p->drop_leads = r[i];
            if (q[j] > 0) p->parts |= MISSING_DROP_TIME, p->drop_time = q[j], p->time_blocks = blocks;
            if (missing_is_random(p)) p->seed = seed;
        }
    return 0;
}

#define GRID_MAX_VALUES 64

typedef struct {
    double r[GRID_MAX_VALUES], q[GRID_MAX_VALUES];
    int n_r, n_q;
    long blocks;
    uint64_t seed;
} GridSpec;

static int parse_ratio_list(const char *key, char *v, double *out, int *n) {
    *n = 0;
    for (char *item = v; item;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = 0;
        char *x = trim(item);
        if (!*x) return fail_in("%s= has an empty value in its list", key);
        if (*n == GRID_MAX_VALUES) return fail_in("%s= lists more than 64 values", key);
        if (parse_ratio(key, x, 1, &out[(*n)++]) < 0) return -1;
        item = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int take_grid_part(int key, char *value, void *ctx) {
    GridSpec *g = ctx;
    switch (key) {
    case K_DROP_LEADS: return parse_ratio_list("drop_leads", value, g->r, &g->n_r);
    case K_DROP_TIME: return parse_ratio_list("drop_time", value, g->q, &g->n_q);
    case K_BLOCKS: return parse_int("blocks", value, 1, MISSING_MAX_BLOCKS, &g->blocks);
    case K_SEED: return parse_seed(value, &g->seed);
    default: return fail_in("a grid takes drop_leads=, drop_time=, blocks= and seed=, not %s=", KEY_NAMES[key]);
    }
}

int missing_grid_parse(const char *text, MissingProtocol **out, int *n) {
    *out = NULL;
    *n = 0;
    GridSpec g = {.r = {0}, .q = {0}, .n_r = 1, .n_q = 1, .blocks = 1, .seed = 0};
    int seen[N_KEYS] = {0};
    g_text = text;
    char *copy = xstrdup(text);
    char *s = trim(copy);
    int rc = *s ? for_each_part(s, take_grid_part, &g, seen)
                : fail_in("an empty grid (e.g. drop_leads=0,0.5;drop_time=0,0.3;seed=7)");
    if (rc == 0 && seen[K_BLOCKS] && !seen[K_DROP_TIME]) rc = fail_in("blocks= needs drop_time=");
    free(copy);
    g_text = NULL;
    if (rc < 0) return -1;
    MissingProtocol *grid = xmalloc(sizeof *grid * (size_t)(g.n_r * g.n_q));
    if (missing_grid(g.r, g.n_r, g.q, g.n_q, (int)g.blocks, g.seed, grid) < 0) {
        free(grid);
        return -1;
    }
    *out = grid;
    *n = g.n_r * g.n_q;
    return 0;
}
