/* Where each diagnosis of a synthetic record shows (DESIGN §5): primary evidence is what a
 * cardiologist reads the diagnosis from, secondary evidence also supports it. Spans are (lead set,
 * time window) pairs per beat, taken from the generator's own mechanism: the leads are those onto
 * which the mechanism's vectors project (the ST elevation of an infarct, its reciprocal depression,
 * its Q waves), the windows are the beats' own P, QRS and ST-T intervals.
 *
 *   NORM            all leads, every conducted beat (P onset to T end)                primary
 *   SR SBRAD STACH  leads with a visible P wave, P onset to QRS end                    primary
 *                   other leads, QRS (the RR intervals)                                secondary
 *   AFIB            leads with visible fibrillatory waves, the whole record            primary
 *                   other leads, QRS (the irregular RR)                                secondary
 *   PVC             all leads, each ectopic beat (QRS onset to T end)                  primary
 *   1AVB            leads with a visible P wave, P onset to QRS onset                  primary
 *                   other leads, the same window                                       secondary
 *   CLBBB           I aVL V1 V2 V5 V6 QRS                                              primary
 *                   other leads QRS, all leads ST-T (discordant repolarisation)        secondary
 *   CRBBB           V1 V2 QRS (rsR')                                                   primary
 *                   I aVL V5 V6 QRS (wide S), V1-V3 ST-T                               secondary
 *   LAFB            I II III aVL aVF QRS (the axis)                                    primary
 *                   aVR QRS                                                            secondary
 *   LVH             V1 V2 V5 V6 QRS (Sokolow-Lyon)                                     primary
 *                   I aVL V3 V4 QRS (Cornell, transition)                              secondary
 *   ISC*            leads with ST depression >= 0.05 mV, ST-T                          primary
 *                   other leads of the territory and leads with reciprocal elevation   secondary
 *   MI              leads with ST elevation >= 0.1 mV, ST-T                            primary
 *                   leads with reciprocal depression >= 0.05 mV, ST-T, and leads
 *                   with Q waves, the first 60 ms of the QRS                           secondary
 *   QWAVE STD_ INVT the leads showing them, in their windows                           primary
 *
 * Each span is entered once for every label set in which its statement has a class. */
#ifndef SCAR_DATA_SYNTH_EVIDENCE_H
#define SCAR_DATA_SYNTH_EVIDENCE_H

#include <stdint.h>

#include "data/record.h"
#include "data/synth/synth.h"

/* Token classes in an evidence token map. */
enum { EVIDENCE_NONE = 0, EVIDENCE_SECONDARY = 1, EVIDENCE_PRIMARY = 2 };

/* Number of time patches of patch_len samples covering n_samples (the last may be partial). */
int evidence_n_patches(int n_samples, int patch_len);

/* The token map of one class: out[lead * n_patches + p] is EVIDENCE_PRIMARY when a primary span
 * of (label_set, class_id) covers lead `lead` and overlaps patch p ([p*patch_len, (p+1)*patch_len)),
 * else EVIDENCE_SECONDARY for a secondary span, else EVIDENCE_NONE. class_id < 0 takes every
 * class of the set. Works on the evidence of any record. Returns the number of primary tokens. */
int evidence_tokens(const EvidenceSpan *spans, int n_spans, int label_set, int class_id, int n_samples,
                    int patch_len, uint8_t *out);

/* The evidence map of a synthetic case rendered at rate_hz with n_samples: a malloc'd array of
 * spans (clipped to the record; beats outside it give none) and its length. */
EvidenceSpan *synth_evidence_build(const SynthCase *k, float rate_hz, int n_samples, int *n_spans);

#endif
