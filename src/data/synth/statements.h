/* The SCP-ECG statements the synthetic corpus produces, with the fields of PTB-XL's
 * scp_statements.csv, and the four label sets built from them the way PTB-XL's are: super class =
 * diagnostic_class, sub class = diagnostic_subclass (of diagnostic statements), form = the form
 * statements, rhythm = the rhythm statements, each in sorted order. Class names are PTB-XL's own,
 * so that a model or a probe trained on one reads the other. */
#ifndef SCAR_DATA_SYNTH_STATEMENTS_H
#define SCAR_DATA_SYNTH_STATEMENTS_H

#include <stdio.h>

#include "data/record.h"

typedef struct {
    const char *code;             /* SCP code: "IMI" */
    const char *description;      /* PTB-XL's short description */
    int diagnostic, form, rhythm; /* flags (1 or 0; written 1.0 or empty like the real file) */
    const char *diagnostic_class; /* super class ("MI"); "" when not diagnostic */
    const char *diagnostic_subclass;
    const char *category;         /* "Statement Category" */
    const char *scp_description;  /* "SCP-ECG Statement Description" */
    const char *aha_code;         /* "" when none */
    const char *aecg_refid;
    const char *cdisc_code;
    const char *dicom_code;
} ScpStatement;

typedef enum {
    /* diagnostic, grouped by super class */
    SCP_NORM,
    SCP_ASMI, SCP_AMI, SCP_IMI, SCP_LMI,
    SCP_ISCAN, SCP_ISCLA, SCP_ISCIN,
    SCP_CLBBB, SCP_CRBBB, SCP_LAFB, SCP_1AVB,
    SCP_LVH,
    /* form */
    SCP_PVC, SCP_QWAVE, SCP_STD, SCP_INVT,
    /* rhythm */
    SCP_SR, SCP_SBRAD, SCP_STACH, SCP_AFIB,
    N_SCP
} ScpId;

extern const ScpStatement SCP_STATEMENTS[N_SCP];

/* The label sets, in this order in the schema. */
enum { LABELSET_SUPER, LABELSET_SUB, LABELSET_FORM, LABELSET_RHYTHM, N_SYNTH_LABELSETS };

/* The schema of the synthetic corpus: super (CD HYP MI NORM STTC), sub (the PTB-XL sub classes the
 * generator produces), form and rhythm (the statements it produces). */
void synth_label_schema(LabelSchema *schema);

/* Class index of statement s in label set `set`, or -1 when s does not belong to that set. */
int scp_class_in_set(ScpId s, int set);

/* Statement id for an SCP code ("IMI"), -1 if the generator does not produce it. */
int scp_from_code(const char *code);

/* Write scp_statements.csv (the real file's columns and quoting) for the statements above. */
int scp_write_statements_csv(FILE *f);

#endif
