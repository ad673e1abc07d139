/* Reports written from a synthetic case's statements, in the style of PTB-XL's: the rhythm, then
 * the findings in varied order, each in one of several phrasings with synonyms, hedged as the
 * statement's likelihood says ("probable", "possible" / "wahrscheinlich", "V.a."), with the leads
 * where ST changes show named from the case's own mechanism. English or German (UTF-8). */
#ifndef SCAR_DATA_SYNTH_REPORT_H
#define SCAR_DATA_SYNTH_REPORT_H

#include "core/rng.h"
#include "data/synth/synth.h"

/* The report of case k (malloc'd UTF-8). Everything it says is true of the case: rhythm and rate,
 * the statements with their hedges, the axis, where ST and T changes and Q waves are. */
char *synth_report(const SynthCase *k, SynthLanguage lang, Rng *r);

/* Format a lead mask as a report writes it: precordial runs as ranges ("v1-v4"), limb leads
 * listed ("ii, iii, avf"). */
void format_leads(uint16_t mask, char *buf, int size);

#endif
