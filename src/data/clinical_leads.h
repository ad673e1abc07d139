/* The clinical class → leads map (DESIGN §6): the leads a cardiologist reads each diagnosis from
 * on a 12-lead ECG, used for evidence removal on real data, where nobody has marked the evidence.
 * Keyed by the class names of the label sets scar reads (matched case-insensitively): PTB-XL's
 * super, sub, form and rhythm classes and its diagnostic statements, the PhysioNet/CinC Challenge
 * 2021 scored classes, CPSC 2018's classes and LUDB's; the synthetic corpus uses PTB-XL's names.
 * The table and the clinical reasoning behind each row are in clinical_leads.c.
 *
 * Every class has primary leads (where the diagnosis is read) and secondary leads (reciprocal
 * changes, supporting criteria). Classes form a tree (IMI refines MI, ISCIN refines ISCI which
 * refines STTC), and some classes do not say where the abnormality is (the super class MI,
 * "Q waves present", "non-specific ST depression"). A record's evidence leads are resolved from
 * the most specific information it carries: a positive class is replaced by the most specific
 * positive localised classes below it (below its parent for an unlocalised class, so that "Q
 * waves present" in an inferior infarction points at II, III, aVF), found in any of the record's
 * label sets; only when there are none does it use its own row. A PTB-XL record labelled MI
 * (super) and IMI (sub) thus loses II, III, aVF, not every lead. */
#ifndef SCAR_DATA_CLINICAL_LEADS_H
#define SCAR_DATA_CLINICAL_LEADS_H

#include <stdint.h>

#include "data/record.h"

typedef struct {
    const char *name;      /* the class name as the label sets spell it ("IMI", "LAnFB", "_AVB") */
    const char *parent;    /* the broader class it refines; NULL at the top */
    int localised;         /* 0 when the class itself does not say where the abnormality is */
    uint16_t primary;      /* bit l: lead l */
    uint16_t secondary;    /* disjoint from primary */
} ClinicalLeads;

/* The row for a class name (case-insensitive), or NULL when the map has none. */
const ClinicalLeads *clinical_leads_find(const char *class_name);
/* The whole table: n rows. */
const ClinicalLeads *clinical_leads_table(int *n);

/* The evidence leads of a record's positive classes in label set `label_set` (< 0: every set),
 * refined by its positive classes in all sets as described above. labels: [schema->n_sets].
 * Returns the number of positive in-scope classes the map does not know (they remove nothing;
 * a caller may warn), and sets *primary and *secondary (secondary without the primary leads). */
int clinical_evidence_leads(const LabelSchema *schema, const LabelBits *labels, int label_set, uint16_t *primary,
                            uint16_t *secondary);

#endif
