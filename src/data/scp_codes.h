/* PTB-XL's `scp_codes` column: a Python dictionary literal of SCP-ECG statement codes and their
 * likelihoods in percent, e.g. {'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}. Anything else (a missing
 * brace, a key that is not a short quoted code, a likelihood that is not a number in [0, 100], a
 * repeated code, trailing text) is an error. */
#ifndef SCAR_DATA_SCP_CODES_H
#define SCAR_DATA_SCP_CODES_H

#define SCP_CODE_LEN 16
#define SCP_MAX_CODES 64

typedef struct {
    char code[SCP_CODE_LEN];
    double likelihood; /* percent */
} ScpCode;

/* The codes in s, at most max; the count, or -1 with an error naming `what`. */
int scp_codes_parse(const char *s, ScpCode *out, int max, const char *what);

#endif
