/* Writing WFDB records (header + one signal file holding every signal interleaved), so that
 * records can be exported and round-tripped: reading what was written gives back the same digital
 * samples exactly, and the header carries each signal's checksum and initial value. Both files
 * go to temporary names first and are renamed into place. */
#ifndef SCAR_DATA_WFDB_WRITE_H
#define SCAR_DATA_WFDB_WRITE_H

#include "data/record.h"
#include "data/wfdb_read.h"

/* Write rec's digital samples as dir/name.hea and dir/name.dat in `format` (16 or 212, and also
 * 24, 32, 61, 80, 160, 310, 311). A sample outside the format's range is an error (nothing is
 * clipped); WFDB_NO_SAMPLE is written as the format's invalid value. The header's comments are
 * copied. */
int wfdb_write(const char *dir, const char *name, const WfdbRecord *rec, int format);

/* Write the available leads of a canonical record, quantised at `gain` ADC units per mV (0: 1000
 * for 16-bit and wider formats, 200 for 212, 100 for 310/311, 20 for 80), invalid samples as the
 * format's invalid value, values beyond the format's range clipped to it. Age, sex and report go
 * into comment lines ("# Age: 56", "# Sex: Female", "# Report: ..."). */
int wfdb_write_ecg(const char *dir, const char *name, const EcgRecord *r, int format, double gain);

#endif
