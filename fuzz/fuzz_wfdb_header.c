/* libFuzzer: WFDB header parsing (record line, signal and segment lines, comments). */
#include <stddef.h>
#include <stdint.h>

#include "data/wfdb_header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    WfdbHeader h;
    if (wfdb_header_parse((const char *)data, size, "fuzz.hea", &h) == 0) {
        char v[64];
        wfdb_comment_value(&h, "age", v, sizeof v);
        wfdb_comment_value(&h, "Dx", v, sizeof v);
        wfdb_header_free(&h);
    }
    return 0;
}
