#include "data/synth/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define N_ALT 4 /* alternatives per phrase table row; NULL ends a shorter row */

typedef struct {
    char *buf;
    size_t len, cap;
} Text;

static void text_add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(Text *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->len + (size_t)need + 1 > t->cap) {
        t->cap = (t->len + (size_t)need + 1) * 2;
        t->buf = xrealloc(t->buf, t->cap);
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)need;
}

static Text text_new(void) {
    Text t = {xmalloc(64), 0, 64};
    t.buf[0] = 0;
    return t;
}

static const char *pick(const char *const alt[N_ALT], Rng *r) {
    int n = 0;
    while (n < N_ALT && alt[n]) n++;
    return alt[rng_below(r, (uint32_t)n)];
}

void format_leads(uint16_t mask, char *buf, int size) {
    static const char *const LOWER[N_LEADS] = {"i", "ii", "iii", "avr", "avl", "avf",
                                               "v1", "v2", "v3", "v4", "v5", "v6"};
    int len = 0;
    buf[0] = 0;
    for (int l = 0; l < LEAD_V1; l++)
        if ((mask >> l) & 1u) len += snprintf(buf + len, (size_t)(size - len), "%s%s", len ? ", " : "", LOWER[l]);
    for (int l = LEAD_V1; l < N_LEADS && len < size; l++) {
        if (!((mask >> l) & 1u)) continue;
        int e = l;
        while (e + 1 < N_LEADS && ((mask >> (e + 1)) & 1u)) e++;
        if (e == l) len += snprintf(buf + len, (size_t)(size - len), "%s%s", len ? ", " : "", LOWER[l]);
        else len += snprintf(buf + len, (size_t)(size - len), "%s%s-%s", len ? ", " : "", LOWER[l], LOWER[e]);
        l = e;
    }
}

/* ---- phrase tables: [statement or topic][language][alternatives] ---- */

enum { EN, DE };

static const char *const NORMAL[2][N_ALT] = {
    {"normal ecg", "within normal limits", "no definite pathology", "normal tracing"},
    {"normales ekg", "ekg im normbereich", "kein pathologischer befund", NULL}};
static const char *const OTHERWISE_NORMAL[2][N_ALT] = {
    {"otherwise normal ecg", "otherwise within normal limits", "otherwise normal", NULL},
    {"sonst normales ekg", "im übrigen normales ekg", "sonst unauffälliges ekg", NULL}};
static const char *const SINUS[2][N_ALT] = {{"sinus rhythm", "normal sinus rhythm", "regular sinus rhythm", NULL},
                                            {"sinusrhythmus", "regelmäßiger sinusrhythmus", NULL, NULL}};
static const char *const BRADY[2][N_ALT] = {{"sinus bradycardia", "slow sinus rhythm", NULL, NULL},
                                            {"sinusbradykardie", "bradykarder sinusrhythmus", NULL, NULL}};
static const char *const TACHY[2][N_ALT] = {{"sinus tachycardia", "fast sinus rhythm", NULL, NULL},
                                            {"sinustachykardie", "tachykarder sinusrhythmus", NULL, NULL}};
static const char *const AF[2][N_ALT] = {{"atrial fibrillation", "atrial fibrillation with irregular ventricular response",
                                          "irregular rhythm, atrial fibrillation", NULL},
                                         {"vorhofflimmern", "absolute arrhythmie bei vorhofflimmern", NULL, NULL}};
static const char *const AF_FAST[2][N_ALT] = {{"atrial fibrillation with rapid ventricular response", NULL, NULL, NULL},
                                              {"tachyarrhythmia absoluta bei vorhofflimmern", NULL, NULL, NULL}};
static const char *const PVC_ONE[2][N_ALT] = {
    {"ventricular premature complex", "single ventricular extrasystole", "one pvc", "isolated ventricular premature beat"},
    {"ventrikuläre extrasystole", "vereinzelte ves", "eine ventrikuläre extrasystole", NULL}};
static const char *const PVC_MANY[2][N_ALT] = {
    {"ventricular premature complexes", "ventricular extrasystoles", "multiple pvcs", "ventricular premature beats"},
    {"ventrikuläre extrasystolen", "mehrere ves", "gehäufte ventrikuläre extrasystolen", NULL}};
static const char *const AVB1[2][N_ALT] = {
    {"first degree av block", "1st degree av block", "first degree atrioventricular block", NULL},
    {"av-block i. grades", "av-block ersten grades", "av-block i°", NULL}};
static const char *const LBBB[2][N_ALT] = {{"left bundle branch block", "complete left bundle branch block", "lbbb", NULL},
                                           {"linksschenkelblock", "kompletter linksschenkelblock", NULL, NULL}};
static const char *const RBBB[2][N_ALT] = {{"right bundle branch block", "complete right bundle branch block", "rbbb", NULL},
                                           {"rechtsschenkelblock", "kompletter rechtsschenkelblock", NULL, NULL}};
static const char *const LAFB[2][N_ALT] = {
    {"left anterior fascicular block", "left anterior hemiblock", "left axis deviation, left anterior fascicular block", NULL},
    {"linksanteriorer hemiblock", "linksanteriorer faszikelblock", "überdrehter linkstyp, linksanteriorer hemiblock", NULL}};
static const char *const LVH[2][N_ALT] = {
    {"left ventricular hypertrophy", "voltage criteria for left ventricular hypertrophy", "lvh",
     "left ventricular hypertrophy by voltage"},
    {"linksherzhypertrophie", "linksventrikuläre hypertrophie", "zeichen der linksherzhypertrophie",
     "positiver sokolow-lyon-index, linksherzhypertrophie"}};

/* Hedges: %s is the finding. */
/* German forms keep the finding in the nominative, so that adjectives need no declension. */
static const char *const PROBABLE[2][N_ALT] = {{"probable %s", "%s, probably", "likely %s", "consistent with %s"},
                                               {"wahrscheinlich %s", "am ehesten %s", "%s wahrscheinlich", NULL}};
static const char *const POSSIBLE[2][N_ALT] = {{"possible %s", "cannot rule out %s", "consider %s", "%s not excluded"},
                                               {"v.a. %s", "%s möglich", "%s nicht auszuschließen", "%s?"}};

/* Territories, indexed by Territory. */
static const char *const TERRITORY_EN[4] = {"anteroseptal", "anterior", "inferior", "lateral"};
static const char *const ISC_DE[4] = {"anteroseptal", "anterior", "inferior", "lateral"};
static const char *const MI_DE_WALL[4][N_ALT] = {
    {"anteroseptaler infarkt", "anteroseptaler myokardinfarkt", NULL, NULL},
    {"vorderwandinfarkt", "anteriorer myokardinfarkt", NULL, NULL},
    {"hinterwandinfarkt", "inferiorer infarkt", "inferiorer myokardinfarkt", NULL},
    {"seitenwandinfarkt", "lateraler infarkt", NULL, NULL}};

static Hedge hedge_of(float likelihood) {
    return likelihood >= 100.0f ? HEDGE_NONE : likelihood >= 80.0f ? HEDGE_PROBABLE : HEDGE_POSSIBLE;
}

static void hedged(Text *t, const char *finding, Hedge h, int lang, Rng *r) {
    if (h == HEDGE_NONE) text_add(t, "%s", finding);
    else text_add(t, pick(h == HEDGE_PROBABLE ? PROBABLE[lang] : POSSIBLE[lang], r), finding);
}

/* German axis types (Lagetyp) and the English axis statements. */
static void axis_phrase(Text *t, float axis, int lang, Rng *r) {
    if (lang == EN) {
        text_add(t, "%s", axis < -30 ? "left axis deviation" : axis > 90 ? "right axis deviation" : "normal axis");
        return;
    }
    const char *type = axis < -30  ? "überdrehter linkstyp"
                       : axis < 30 ? "linkstyp"
                       : axis < 60 ? "indifferenztyp"
                       : axis < 90 ? "steiltyp"
                                   : "rechtstyp";
    if (axis >= -30 && axis < 90 && rng_uniform(r) < 0.4f) text_add(t, "lagetyp normal");
    else text_add(t, "%s", type);
}

/* Premature beats in the record (the beat plan puts them all inside it). */
static int count_ectopic(const SynthCase *k) {
    int n = 0;
    for (int b = 0; b < k->beats.n; b++) n += k->beats.beat[b].kind == BEAT_ECTOPIC && k->beats.beat[b].t >= 0;
    return n;
}

/* One finding (a statement of the case other than the rhythm) into t. */
static void finding(Text *t, const SynthCase *k, SynthCode code, int lang, int otherwise, Rng *r) {
    const Heart *h = &k->heart;
    Hedge hedge = hedge_of(code.likelihood);
    char leads[64], buf[256];
    switch (code.id) {
    case SCP_NORM: text_add(t, "%s", pick(otherwise ? OTHERWISE_NORMAL[lang] : NORMAL[lang], r)); return;
    case SCP_PVC: {
        int n = count_ectopic(k);
        if (n > 1 && rng_uniform(r) < 0.3f) text_add(t, lang == EN ? "%d ventricular extrasystoles" : "%d ves", n);
        else text_add(t, "%s", pick(n > 1 ? PVC_MANY[lang] : PVC_ONE[lang], r));
        return;
    }
    case SCP_1AVB:
        hedged(t, pick(AVB1[lang], r), hedge, lang, r);
        if (rng_uniform(r) < 0.4f)
            text_add(t, lang == EN ? " (pr %d ms)" : " (pq %d ms)", (int)lroundf(h->pr_s * 100.0f) * 10);
        return;
    case SCP_CLBBB: hedged(t, pick(LBBB[lang], r), hedge, lang, r); return;
    case SCP_CRBBB: hedged(t, pick(RBBB[lang], r), hedge, lang, r); return;
    case SCP_LAFB: hedged(t, pick(LAFB[lang], r), hedge, lang, r); return;
    case SCP_LVH: hedged(t, pick(LVH[lang], r), hedge, lang, r); return;
    case SCP_ISCAN:
    case SCP_ISCIN:
    case SCP_ISCLA: {
        int terr = h->ischaemia;
        format_leads(leads_projecting(h->st_vector, 0.05f, -1), leads, sizeof leads);
        int form = (int)rng_below(r, 3);
        if (lang == EN) {
            if (form == 0) snprintf(buf, sizeof buf, "%s ischaemia", TERRITORY_EN[terr]);
            else if (form == 1) snprintf(buf, sizeof buf, "ischaemic st-t changes in %s leads", TERRITORY_EN[terr]);
            else snprintf(buf, sizeof buf, "%s ischemia", TERRITORY_EN[terr]);
        } else {
            if (form == 0) snprintf(buf, sizeof buf, "%s ischämie", ISC_DE[terr]);
            else if (form == 1) snprintf(buf, sizeof buf, "ischämische st-veränderungen %s", ISC_DE[terr]);
            else snprintf(buf, sizeof buf, "st & t abnormal, %s ischämie", ISC_DE[terr]);
        }
        if (rng_uniform(r) < 0.6f && leads[0])
            text_add(t, lang == EN ? "st depression in %s, " : "st-senkung in %s, ", leads);
        hedged(t, buf, hedge, lang, r);
        if (h->t_inversion) {
            format_leads(heart_inverted_t_leads(h), leads, sizeof leads);
            text_add(t, lang == EN ? " with t wave inversion in %s" : " mit t-negativierung in %s", leads);
        }
        return;
    }
    case SCP_ASMI:
    case SCP_AMI:
    case SCP_IMI:
    case SCP_LMI: {
        int terr = h->infarct;
        format_leads(leads_projecting(h->st_vector, 0.1f, 1), leads, sizeof leads);
        int form = (int)rng_below(r, 3);
        if (lang == EN) {
            if (form == 0) snprintf(buf, sizeof buf, "acute %s myocardial infarction", TERRITORY_EN[terr]);
            else if (form == 1) snprintf(buf, sizeof buf, "%s infarction, acute", TERRITORY_EN[terr]);
            else snprintf(buf, sizeof buf, "acute %s stemi", TERRITORY_EN[terr]);
        } else {
            const char *wall = pick(MI_DE_WALL[terr], r);
            if (form == 0) snprintf(buf, sizeof buf, "akuter %s", wall);
            else if (form == 1) snprintf(buf, sizeof buf, "frischer %s", wall);
            else snprintf(buf, sizeof buf, "%s, frisch", wall);
        }
        if (rng_uniform(r) < 0.6f && leads[0])
            text_add(t, lang == EN ? "st elevation in %s, " : "st-hebung in %s, ", leads);
        hedged(t, buf, hedge, lang, r);
        if (h->q_waves && rng_uniform(r) < 0.7f) {
            format_leads(heart_q_wave_leads(h), leads, sizeof leads);
            if (leads[0]) text_add(t, lang == EN ? " with q waves in %s" : " mit q-zacken in %s", leads);
        }
        return;
    }
    default: return; /* QWAVE, STD_, INVT are said with the infarct or the ischaemia */
    }
}

static void rhythm_phrase(Text *t, const SynthCase *k, ScpId rhythm, int lang, Rng *r) {
    int rate = (int)lroundf(k->hr_bpm);
    switch (rhythm) {
    case SCP_AFIB: text_add(t, "%s", pick(rate > 100 && rng_uniform(r) < 0.6f ? AF_FAST[lang] : AF[lang], r)); break;
    case SCP_SBRAD: text_add(t, "%s", pick(BRADY[lang], r)); break;
    case SCP_STACH: text_add(t, "%s", pick(TACHY[lang], r)); break;
    default: text_add(t, "%s", pick(SINUS[lang], r)); break;
    }
    if (rng_uniform(r) < 0.3f) text_add(t, lang == EN ? ", rate %d/min" : ", frequenz %d/min", rate);
}

char *synth_report(const SynthCase *k, SynthLanguage language, Rng *r) {
    int lang = language == SYNTH_LANG_DE ? DE : EN;
    ScpId rhythm = SCP_SR;
    int order[MAX_RECORD_CODES], n = 0, has_norm = 0, has_other = 0;
    for (int i = 0; i < k->n_codes; i++) {
        ScpId id = k->codes[i].id;
        if (SCP_STATEMENTS[id].rhythm) rhythm = id;
        else if (id == SCP_NORM) has_norm = 1;
        else if (id != SCP_QWAVE && id != SCP_STD && id != SCP_INVT) order[n++] = i;
        if (id == SCP_PVC) has_other = 1;
    }
    rng_shuffle_int(r, order, n);
    int otherwise = has_norm && (rhythm != SCP_SR || has_other);

    /* Pieces in reading order: rhythm (usually first), axis (sometimes), findings, normal (last). */
    char *piece[MAX_RECORD_CODES + 3];
    int n_pieces = 0;
    Text t = text_new();
    rhythm_phrase(&t, k, rhythm, lang, r);
    piece[n_pieces++] = t.buf;
    int mention_axis = k->conditions & COND_BIT(COND_LAFB) ? 0 : rng_uniform(r) < (lang == DE ? 0.6f : 0.25f);
    if (mention_axis) {
        Text a = text_new();
        axis_phrase(&a, k->axis_deg, lang, r);
        piece[n_pieces++] = a.buf;
    }
    for (int i = 0; i < n; i++) {
        Text f = text_new();
        finding(&f, k, k->codes[order[i]], lang, otherwise, r);
        piece[n_pieces++] = f.buf;
    }
    if (has_norm) {
        Text f = text_new();
        finding(&f, k, (SynthCode){SCP_NORM, 100.0f}, lang, otherwise, r);
        piece[n_pieces++] = f.buf;
    }
    /* The rhythm goes last now and then. */
    if (n_pieces > 1 && rng_uniform(r) < 0.15f) {
        char *first = piece[0];
        memmove(piece, piece + 1, sizeof(char *) * (size_t)(n_pieces - 1));
        piece[n_pieces - 1] = first;
    }

    /* Punctuation: English sentences ("a. b."), or one comma list; German as PTB-XL's machine
     * texts (space separated), or with commas or full stops. */
    int style = (int)rng_below(r, 3);
    const char *sep = lang == EN ? (style == 2 ? ", " : ". ") : (style == 0 ? " " : style == 1 ? ", " : ". ");
    int stop = lang == EN ? style != 2 : style == 2;
    int capital = lang == EN && rng_uniform(r) < 0.15f;
    Text out = text_new();
    for (int i = 0; i < n_pieces; i++) {
        if (i) text_add(&out, "%s", sep);
        size_t at = out.len;
        text_add(&out, "%s", piece[i]);
        if (capital && (i == 0 || sep[0] == '.') && out.buf[at] >= 'a' && out.buf[at] <= 'z') out.buf[at] -= 32;
        free(piece[i]);
    }
    if (stop) text_add(&out, ".");
    return out.buf;
}
