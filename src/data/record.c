#include "data/record.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

const char *const LEAD_NAMES[N_LEADS] = {"I", "II", "III", "aVR", "aVL", "aVF",
                                         "V1", "V2", "V3", "V4", "V5", "V6"};

int lead_from_name(const char *name) {
    while (isspace((unsigned char)*name)) name++;
    size_t n = strlen(name);
    while (n && isspace((unsigned char)name[n - 1])) n--;
    for (int l = 0; l < N_LEADS; l++)
        if (strlen(LEAD_NAMES[l]) == n && strncasecmp(name, LEAD_NAMES[l], n) == 0) return l;
    return -1;
}

void record_init(EcgRecord *r, float rate_hz, int n_samples) {
    memset(r, 0, sizeof *r);
    r->rate_hz = rate_hz;
    r->n_samples = n_samples;
    r->signal = xcalloc((size_t)N_LEADS * (size_t)n_samples, sizeof(float));
    r->valid = xcalloc((size_t)N_LEADS * (size_t)n_samples, 1);
    r->age = -1;
    r->sex = SEX_UNKNOWN;
    r->fold = -1;
    r->split = SPLIT_NONE;
    r->report = xstrdup("");
}

void record_free(EcgRecord *r) {
    free(r->signal);
    free(r->valid);
    free(r->report);
    free(r->evidence);
    memset(r, 0, sizeof *r);
}
