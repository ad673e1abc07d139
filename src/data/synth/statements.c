#include "data/synth/statements.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define CD_CAT "Intraventricular and intra-atrial Conduction disturbances"
#define RHY_CAT "Statements related to impulse formation (abnormalities)"

/* The rows of PTB-XL's scp_statements.csv for the statements we generate (SCP-ECG standard
 * fields: codes, classes, categories and cross-references as PTB-XL assigns them). */
const ScpStatement SCP_STATEMENTS[N_SCP] = {
    [SCP_NORM] = {"NORM", "normal ECG", 1, 0, 0, "NORM", "NORM", "Normal/abnormal", "normal ECG", "1", "", "", "F-000B7"},
    [SCP_ASMI] = {"ASMI", "anteroseptal myocardial infarction", 1, 0, 0, "MI", "AMI", "Myocardial Infarction",
                  "anteroseptal myocardial infarction", "165", "", "", ""},
    [SCP_AMI] = {"AMI", "anterior myocardial infarction", 1, 0, 0, "MI", "AMI", "Myocardial Infarction",
                 "anterior myocardial infarction", "160", "", "", ""},
    [SCP_IMI] = {"IMI", "inferior myocardial infarction", 1, 0, 0, "MI", "IMI", "Myocardial Infarction",
                 "inferior myocardial infarction", "161", "", "", ""},
    [SCP_LMI] = {"LMI", "lateral myocardial infarction", 1, 0, 0, "MI", "LMI", "Myocardial Infarction",
                 "lateral myocardial infarction", "163", "", "", ""},
    [SCP_ISCAN] = {"ISCAN", "ischemic in anterior leads", 1, 0, 0, "STTC", "ISCA", "ischemic ST-T changes",
                   "in anterior leads", "", "", "", ""},
    [SCP_ISCLA] = {"ISCLA", "ischemic in lateral leads", 1, 0, 0, "STTC", "ISCA", "ischemic ST-T changes",
                   "in lateral leads", "", "", "", ""},
    [SCP_ISCIN] = {"ISCIN", "ischemic in inferior leads", 1, 0, 0, "STTC", "ISCI", "ischemic ST-T changes",
                   "in inferior leads", "", "", "", ""},
    [SCP_CLBBB] = {"CLBBB", "complete left bundle branch block", 1, 0, 0, "CD", "CLBBB", CD_CAT,
                   "(complete) left bundle branch block", "104", "MDC_ECG_BEAT_LBB_BLK_COMP", "C62269",
                   "D3-33120 or 122752"},
    [SCP_CRBBB] = {"CRBBB", "complete right bundle branch block", 1, 0, 0, "CD", "CRBBB", CD_CAT,
                   "(complete) right bundle branch block", "106", "MDC_ECG_BEAT_RBB_BLK_COMP", "C62270",
                   "D3-33110"},
    [SCP_LAFB] = {"LAFB", "left anterior fascicular block", 1, 0, 0, "CD", "LAFB/LPFB", CD_CAT,
                  "left anterior fascicular block", "101", "MDC_ECG_BEAT_BLK_ANT_L_HEMI", "C62267", "D3-33140"},
    [SCP_1AVB] = {"1AVB", "first degree AV block", 1, 0, 0, "CD", "_AVB",
                  "Sinus node dysfunction, atrial and AV-conduction defects", "first degree AV block", "",
                  "MDC_ECG_RHY_AV_HEART_BLK_DEG_1", "C111088", ""},
    [SCP_LVH] = {"LVH", "left ventricular hypertrophy", 1, 0, 0, "HYP", "LVH", "Ventricular Hypertrophy",
                 "left ventricular hypertrophy", "142", "", "C71076", ""},
    [SCP_PVC] = {"PVC", "ventricular premature complex", 0, 1, 0, "", "",
                 "Statements related to ectopic rhythm abnormalities", "ventricular premature complex (beat)", "60",
                 "MDC_ECG_BEAT_V_P_C", "", ""},
    [SCP_QWAVE] = {"QWAVE", "Q waves present", 0, 1, 0, "", "", "Other QRS morphology descriptive statements",
                   "Q waves present", "", "", "", ""},
    [SCP_STD] = {"STD_", "non-specific ST depression", 0, 1, 0, "", "",
                 "Basic roots for coding ST-T changes and abnormalities", "non-specific ST depression", "502", "", "",
                 "F-38278"},
    [SCP_INVT] = {"INVT", "inverted T-waves", 0, 1, 0, "", "", "other ST-T descriptive statements",
                  "inverted T-waves", "367", "", "", ""},
    [SCP_SR] = {"SR", "sinus rhythm", 0, 0, 1, "", "", RHY_CAT, "sinus rhythm", "20", "MDC_ECG_RHY_SINUS_RHY", "", ""},
    [SCP_SBRAD] = {"SBRAD", "sinus bradycardia", 0, 0, 1, "", "", RHY_CAT, "sinus bradycardia", "22",
                   "MDC_ECG_RHY_SINUS_BRADY", "", ""},
    [SCP_STACH] = {"STACH", "sinus tachycardia", 0, 0, 1, "", "", RHY_CAT, "sinus tachycardia", "21",
                   "MDC_ECG_RHY_SINUS_TACHY", "", ""},
    [SCP_AFIB] = {"AFIB", "atrial fibrillation", 0, 0, 1, "", "", RHY_CAT, "atrial fibrillation", "50",
                  "MDC_ECG_RHY_ATR_FIB", "", "D3-31520"},
};

static const char *class_of(ScpId s, int set) {
    const ScpStatement *st = &SCP_STATEMENTS[s];
    switch (set) {
    case LABELSET_SUPER: return st->diagnostic ? st->diagnostic_class : NULL;
    case LABELSET_SUB: return st->diagnostic ? st->diagnostic_subclass : NULL;
    case LABELSET_FORM: return st->form ? st->code : NULL;
    case LABELSET_RHYTHM: return st->rhythm ? st->code : NULL;
    default: return NULL;
    }
}

static const char *const SET_NAMES[N_SYNTH_LABELSETS] = {"super", "sub", "form", "rhythm"};

static int cmp_name(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

/* Built once: the schema (classes of each set in sorted order, as the PTB-XL adapter and the usual
 * benchmark code order them, so that the five super classes have the same indices in both) and
 * every statement's class in every set. */
static LabelSchema g_schema;
static int g_class[N_SCP][N_SYNTH_LABELSETS];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void build_schema(void) {
    LabelSchema *schema = &g_schema;
    schema->n_sets = N_SYNTH_LABELSETS;
    for (int set = 0; set < N_SYNTH_LABELSETS; set++) {
        snprintf(schema->set_name[set], SCAR_NAME_LEN, "%s", SET_NAMES[set]);
        for (int s = 0; s < N_SCP; s++) {
            const char *name = class_of((ScpId)s, set);
            if (!name) continue;
            int known = 0;
            for (int c = 0; c < schema->n_classes[set]; c++) known |= !strcmp(schema->class_name[set][c], name);
            if (!known) snprintf(schema->class_name[set][schema->n_classes[set]++], SCAR_NAME_LEN, "%s", name);
        }
        qsort(schema->class_name[set], (size_t)schema->n_classes[set], SCAR_NAME_LEN, cmp_name);
        for (int s = 0; s < N_SCP; s++) {
            const char *name = class_of((ScpId)s, set);
            g_class[s][set] = -1;
            for (int c = 0; name && c < schema->n_classes[set]; c++)
                if (!strcmp(schema->class_name[set][c], name)) g_class[s][set] = c;
        }
    }
}

void synth_label_schema(LabelSchema *schema) {
    pthread_once(&g_once, build_schema);
    *schema = g_schema;
}

int scp_class_in_set(ScpId s, int set) {
    if (set < 0 || set >= N_SYNTH_LABELSETS) return -1;
    pthread_once(&g_once, build_schema);
    return g_class[s][set];
}

int scp_from_code(const char *code) {
    for (int s = 0; s < N_SCP; s++)
        if (!strcmp(SCP_STATEMENTS[s].code, code)) return s;
    return -1;
}

/* One CSV field, quoted when it holds a comma or a quote (as pandas writes the real file). */
static void csv_field(FILE *f, const char *s, int last) {
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"') fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

int scp_write_statements_csv(FILE *f) {
    fputs(",description,diagnostic,form,rhythm,diagnostic_class,diagnostic_subclass,Statement Category,"
          "SCP-ECG Statement Description,AHA code,aECG REFID,CDISC Code,DICOM Code\n",
          f);
    for (int s = 0; s < N_SCP; s++) {
        const ScpStatement *st = &SCP_STATEMENTS[s];
        csv_field(f, st->code, 0);
        csv_field(f, st->description, 0);
        csv_field(f, st->diagnostic ? "1.0" : "", 0);
        csv_field(f, st->form ? "1.0" : "", 0);
        csv_field(f, st->rhythm ? "1.0" : "", 0);
        csv_field(f, st->diagnostic_class, 0);
        csv_field(f, st->diagnostic_subclass, 0);
        csv_field(f, st->category, 0);
        csv_field(f, st->scp_description, 0);
        csv_field(f, st->aha_code, 0);
        csv_field(f, st->aecg_refid, 0);
        csv_field(f, st->cdisc_code, 0);
        csv_field(f, st->dicom_code, 1);
    }
    return ferror(f) ? scar_fail("scp_statements.csv: write error") : 0;
}
