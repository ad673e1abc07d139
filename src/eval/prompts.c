#include "eval/prompts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Class name -> prompts, in the plain words reports use. Names follow PTB-XL's SCP statements,
 * CPSC 2018 and the Challenge's abbreviations; where datasets share a name they mean the same. */
typedef struct {
    const char *name;
    const char *en[5];
    const char *de[4];
} BuiltinPrompts;

static const BuiltinPrompts BUILTIN[] = {
    /* PTB-XL super classes */
    {"NORM", {"normal ecg", "normal sinus rhythm, normal ecg", "within normal limits", "no definite pathology"},
     {"normales ekg", "sinusrhythmus normales ekg", "ekg im normbereich"}},
    /* A super class is the union of its subclasses: its prompts describe them. */
    {"MI", {"acute anterior myocardial infarction", "inferior myocardial infarction with st elevation",
            "lateral myocardial infarction", "anteroseptal infarction with q waves", "acute stemi"},
     {"myokardinfarkt", "infarkt", "herzinfarkt"}},
    {"STTC", {"st depression, ischemia", "t wave inversion", "ischemic st-t changes", "anterior ischemia", "lateral ischemia"},
     {"st-t-veränderungen", "st-senkung", "ischämie", "repolarisationsstörung"}},
    {"CD", {"complete right bundle branch block", "complete left bundle branch block", "left anterior fascicular block",
            "first degree av block"},
     {"leitungsstörung", "schenkelblock", "av-block"}},
    {"HYP", {"left ventricular hypertrophy", "lvh by voltage criteria", "hypertrophy"},
     {"hypertrophie", "linksventrikuläre hypertrophie", "linkshypertrophie"}},
    /* PTB-XL sub classes and diagnostic statements */
    {"AMI", {"anterior myocardial infarction", "anteroseptal infarction", "st elevation in v1-v4"},
     {"vorderwandinfarkt", "anteroseptaler infarkt"}},
    {"ASMI", {"anteroseptal myocardial infarction", "anteroseptal infarction"}, {"anteroseptaler infarkt"}},
    {"IMI", {"inferior myocardial infarction", "inferior infarction", "st elevation in ii, iii, avf"},
     {"hinterwandinfarkt", "inferiorer infarkt"}},
    {"LMI", {"lateral myocardial infarction", "lateral infarction", "st elevation in i, avl, v5, v6"},
     {"lateralinfarkt", "seitenwandinfarkt"}},
    {"PMI", {"posterior myocardial infarction", "posterior infarction"}, {"posteriorer infarkt"}},
    {"ISCA", {"anterior ischemia", "st depression in the anterior leads", "anterolateral ischemia"},
     {"anteriore ischämie", "st-senkung anterior"}},
    {"ISCI", {"inferior ischemia", "st depression in ii, iii, avf"}, {"inferiore ischämie"}},
    {"ISC_", {"ischemia", "non-specific ischemic changes"}, {"ischämie", "unspezifische ischämie"}},
    {"NST_", {"non-specific st changes"}, {"unspezifische st-veränderungen"}},
    {"CLBBB", {"complete left bundle branch block", "left bundle branch block", "lbbb"}, {"linksschenkelblock", "kompletter linksschenkelblock"}},
    {"CRBBB", {"complete right bundle branch block", "right bundle branch block", "rbbb"}, {"rechtsschenkelblock", "kompletter rechtsschenkelblock"}},
    {"IRBBB", {"incomplete right bundle branch block"}, {"inkompletter rechtsschenkelblock"}},
    {"ILBBB", {"incomplete left bundle branch block"}, {"inkompletter linksschenkelblock"}},
    {"IVCD", {"intraventricular conduction delay", "non-specific intraventricular conduction disturbance"}, {"intraventrikuläre leitungsverzögerung"}},
    {"LAFB/LPFB", {"left anterior fascicular block", "left axis deviation, fascicular block", "left posterior fascicular block"},
     {"linksanteriorer hemiblock", "hemiblock"}},
    {"LAFB", {"left anterior fascicular block", "left anterior hemiblock"}, {"linksanteriorer hemiblock"}},
    {"WPW", {"wolff-parkinson-white syndrome", "pre-excitation"}, {"wpw-syndrom", "präexzitation"}},
    {"_AVB", {"first degree av block", "prolonged pr interval", "av block"}, {"av-block ersten grades", "av-block"}},
    {"1AVB", {"first degree av block", "1st degree av block", "prolonged pr interval"}, {"av-block ersten grades"}},
    {"LVH", {"left ventricular hypertrophy", "consistent with lvh", "increased voltage, lvh"}, {"linksventrikuläre hypertrophie", "linkshypertrophie"}},
    {"RVH", {"right ventricular hypertrophy"}, {"rechtsventrikuläre hypertrophie"}},
    {"LAO/LAE", {"left atrial enlargement"}, {"linksatriale vergrößerung"}},
    {"RAO/RAE", {"right atrial enlargement"}, {"rechtsatriale vergrößerung"}},
    {"SEHYP", {"septal hypertrophy"}, {"septumhypertrophie"}},
    /* PTB-XL form statements */
    {"ABQRS", {"abnormal qrs"}, {"abnormer qrs-komplex"}},
    {"DIG", {"digitalis effect"}, {"digitaliswirkung"}},
    {"HVOLT", {"high qrs voltage"}, {"hohe qrs-amplitude"}},
    {"INVT", {"t wave inversion", "inverted t waves"}, {"t-negativierung", "negative t-wellen"}},
    {"LNGQT", {"long qt interval", "prolonged qt"}, {"qt-verlängerung"}},
    {"LOWT", {"low amplitude t waves"}, {"abgeflachte t-wellen"}},
    {"LPR", {"prolonged pr interval"}, {"pq-verlängerung"}},
    {"LVOLT", {"low qrs voltage"}, {"niedervoltage"}},
    {"NDT", {"non-diagnostic t abnormalities"}, {"unspezifische t-veränderungen"}},
    {"NT_", {"non-specific t wave changes"}, {"unspezifische t-wellen-veränderungen"}},
    {"PAC", {"premature atrial contractions", "atrial premature beats", "supraventricular extrasystoles"}, {"supraventrikuläre extrasystolen"}},
    {"PRC(S)", {"premature complexes"}, {"extrasystolen"}},
    {"PVC", {"premature ventricular contractions", "ventricular premature beats", "ventricular extrasystoles"},
     {"ventrikuläre extrasystolen", "ves"}},
    {"QWAVE", {"q waves present", "pathological q waves"}, {"q-zacken", "pathologische q-zacken"}},
    {"STD_", {"st depression", "st segment depression"}, {"st-senkung"}},
    {"STE_", {"st elevation", "st segment elevation"}, {"st-hebung"}},
    {"TAB_", {"t wave abnormality", "abnormal t waves"}, {"t-wellen-veränderung"}},
    {"VCLVH", {"voltage criteria for left ventricular hypertrophy"}, {"spannungskriterien für linkshypertrophie"}},
    /* PTB-XL rhythm statements */
    {"SR", {"sinus rhythm", "normal sinus rhythm", "regular sinus rhythm"}, {"sinusrhythmus"}},
    {"AFIB", {"atrial fibrillation", "atrial fibrillation with irregular ventricular response"}, {"vorhofflimmern"}},
    {"AFLT", {"atrial flutter"}, {"vorhofflattern"}},
    {"STACH", {"sinus tachycardia", "fast sinus rhythm"}, {"sinustachykardie"}},
    {"SBRAD", {"sinus bradycardia", "slow sinus rhythm"}, {"sinusbradykardie"}},
    {"SARRH", {"sinus arrhythmia"}, {"sinusarrhythmie"}},
    {"SVARR", {"supraventricular arrhythmia"}, {"supraventrikuläre arrhythmie"}},
    {"SVTAC", {"supraventricular tachycardia"}, {"supraventrikuläre tachykardie"}},
    {"PSVT", {"paroxysmal supraventricular tachycardia"}, {"paroxysmale supraventrikuläre tachykardie"}},
    {"BIGU", {"bigeminy"}, {"bigeminus"}},
    {"TRIGU", {"trigeminy"}, {"trigeminus"}},
    {"PACE", {"paced rhythm", "pacemaker"}, {"schrittmacherrhythmus"}},
    /* CPSC 2018 and the Challenge 2020/2021 scored classes */
    {"AF", {"atrial fibrillation"}, {"vorhofflimmern"}},
    {"IAVB", {"first degree av block", "1st degree av block"}, {"av-block ersten grades"}},
    {"LBBB", {"left bundle branch block"}, {"linksschenkelblock"}},
    {"RBBB", {"right bundle branch block"}, {"rechtsschenkelblock"}},
    {"STD", {"st depression"}, {"st-senkung"}},
    {"STE", {"st elevation"}, {"st-hebung"}},
    {"AFL", {"atrial flutter"}, {"vorhofflattern"}},
    {"BBB", {"bundle branch block"}, {"schenkelblock"}},
    {"Brady", {"bradycardia"}, {"bradykardie"}},
    {"LAD", {"left axis deviation"}, {"linkstyp", "überdrehter linkstyp"}},
    {"LAnFB", {"left anterior fascicular block"}, {"linksanteriorer hemiblock"}},
    {"LQRSV", {"low qrs voltages"}, {"niedervoltage"}},
    {"NSIVCB", {"nonspecific intraventricular conduction disorder"}, {"unspezifische intraventrikuläre leitungsstörung"}},
    {"NSR", {"sinus rhythm", "normal sinus rhythm"}, {"sinusrhythmus"}},
    {"PR", {"pacing rhythm", "paced rhythm"}, {"schrittmacherrhythmus"}},
    {"PRWP", {"poor r wave progression"}, {"r-verlust"}},
    {"LQT", {"prolonged qt interval"}, {"qt-verlängerung"}},
    {"QAb", {"q wave abnormal"}, {"pathologische q-zacken"}},
    {"RAD", {"right axis deviation"}, {"rechtstyp"}},
    {"SA", {"sinus arrhythmia"}, {"sinusarrhythmie"}},
    {"SB", {"sinus bradycardia"}, {"sinusbradykardie"}},
    {"STach", {"sinus tachycardia"}, {"sinustachykardie"}},
    {"TAb", {"t wave abnormal"}, {"t-wellen-veränderung"}},
    {"TInv", {"t wave inversion"}, {"t-negativierung"}},
    {"Normal", {"normal ecg", "normal sinus rhythm"}, {"normales ekg"}},
    {"I-AVB", {"first degree av block"}, {"av-block ersten grades"}},
};

const char *const *prompts_builtin(const char *class_name, const char *language) {
    const int de = language && !strcmp(language, "de");
    for (size_t i = 0; i < sizeof BUILTIN / sizeof BUILTIN[0]; i++)
        if (!strcmp(BUILTIN[i].name, class_name)) return de ? BUILTIN[i].de : BUILTIN[i].en;
    return NULL;
}

static int add_text(PromptSet *ps, int c, const char *text, const char *path, const char *cls) {
    if (ps->n_texts[c] == PROMPTS_MAX) return scar_fail("%s: class %s has more than %d prompts", path, cls, PROMPTS_MAX);
    if (!*text) return scar_fail("%s: class %s has an empty prompt", path, cls);
    ps->texts[c][ps->n_texts[c]++] = xstrdup(text);
    return 0;
}

static int load_file(PromptSet *ps, const LabelSchema *schema, int set, const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return scar_fail("%s: cannot open the prompts file", path);
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) buf = xrealloc(buf, cap = 2 * cap + 8192);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0 && n < (64u << 20));
    fclose(f);
    buf[n] = 0;
    cJSON *root = cJSON_Parse(buf);
    free(buf);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return scar_fail("%s: not a JSON object of class name -> prompt(s)", path);
    }
    int rc = 0;
    for (const cJSON *it = root->child; it && !rc; it = it->next) {
        int c = -1;
        for (int k = 0; k < schema->n_classes[set]; k++)
            if (!strcmp(schema->class_name[set][k], it->string)) c = k;
        if (c < 0) continue; /* a file may cover several label sets */
        if (cJSON_IsString(it)) rc = add_text(ps, c, it->valuestring, path, it->string);
        else if (cJSON_IsArray(it)) {
            for (const cJSON *t = it->child; t && !rc; t = t->next) {
                if (!cJSON_IsString(t)) rc = scar_fail("%s: class %s: prompts must be strings", path, it->string);
                else rc = add_text(ps, c, t->valuestring, path, it->string);
            }
        } else rc = scar_fail("%s: class %s: expected a string or a list of strings", path, it->string);
    }
    cJSON_Delete(root);
    return rc;
}

int prompts_for_labelset(PromptSet *ps, const LabelSchema *schema, int set, const char *path, const char *language) {
    memset(ps, 0, sizeof *ps);
    if (set < 0 || set >= schema->n_sets) return scar_fail("label set %d does not exist", set);
    if (language && strcmp(language, "en") && strcmp(language, "de"))
        return scar_fail("prompt language '%s': expected en or de", language);
    ps->n_classes = schema->n_classes[set];
    if (path && load_file(ps, schema, set, path) != 0) {
        prompts_free(ps);
        return -1;
    }
    for (int c = 0; c < ps->n_classes; c++) {
        if (ps->n_texts[c]) continue;
        const char *const *b = prompts_builtin(schema->class_name[set][c], language);
        if (!b || !b[0]) {
            prompts_free(ps);
            return scar_fail("class %s of label set %s has no prompt: give one in a prompts file (--prompts FILE)",
                             schema->class_name[set][c], schema->set_name[set]);
        }
        for (int k = 0; b[k] && k < PROMPTS_MAX; k++) ps->texts[c][ps->n_texts[c]++] = xstrdup(b[k]);
    }
    return 0;
}

void prompts_free(PromptSet *ps) {
    for (int c = 0; c < SCAR_MAX_CLASSES; c++)
        for (int k = 0; k < ps->n_texts[c]; k++) free(ps->texts[c][k]);
    memset(ps, 0, sizeof *ps);
}
