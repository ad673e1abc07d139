/* libFuzzer: PTB-XL's scp_codes dictionaries ({'NORM': 100.0, 'SR': 0.0}). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/scp_codes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1); /* a CSV cell: NUL-terminated */
    memcpy(s, data, size);
    s[size] = 0;
    ScpCode codes[SCP_MAX_CODES];
    scp_codes_parse(s, codes, SCP_MAX_CODES, "fuzz");
    scp_codes_parse(s, codes, 2, "fuzz"); /* the "too many codes" path */
    free(s);
    return 0;
}
