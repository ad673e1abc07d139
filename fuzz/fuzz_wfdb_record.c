/* libFuzzer: reading a whole WFDB record (sample formats, interleaving, samples per frame, skew,
 * byte offsets, checksums) and mapping it to the canonical record. The input is a header, a NUL
 * byte, and the contents of the signal file "f.dat"; both are written to a private folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/ecg_map.h"
#include "data/wfdb_read.h"

static char g_dir[64];

static void put(const char *name, const uint8_t *data, size_t n) {
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (n && fwrite(data, 1, n, f) != n) abort();
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_dir[0]) {
        strcpy(g_dir, "/tmp/scar-fuzz-wfdb-XXXXXX");
        if (!mkdtemp(g_dir)) abort();
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t hlen = nul ? (size_t)(nul - data) : size;
    WfdbHeader h;
    if (wfdb_header_parse((const char *)data, hlen, "fuzz.hea", &h) != 0) return 0;
    /* records that only claim a huge size (null signals need no file) are not what this explores */
    long long frames = h.n_samples < 0 ? 0 : h.n_samples, total = 0;
    for (int j = 0; j < h.n_signals; j++) total += frames * h.signals[j].spf;
    int multi = h.n_segments > 0;
    wfdb_header_free(&h);
    if (total > 1000000 || frames > 1000000 || multi) return 0;
    put("r.hea", data, hlen);
    put("f.dat", nul ? nul + 1 : data, nul ? size - hlen - 1 : 0);
    char path[128];
    snprintf(path, sizeof path, "%s/r", g_dir);
    WfdbRecord r;
    if (wfdb_read(path, &r) != 0) return 0;
    char msg[256];
    wfdb_record_check_message(&r, msg, sizeof msg);
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    if (wfdb_to_ecg(&r, &o, &e) == 0) record_free(&e);
    wfdb_record_free(&r);
    return 0;
}
