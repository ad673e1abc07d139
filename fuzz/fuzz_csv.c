/* libFuzzer: the RFC 4180 CSV parser (quotes, line ends, UTF-8 checks, field counts). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "data/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    CsvTable t;
    if (csv_parse((const char *)data, size, "fuzz.csv", NULL, &t) == 0) {
        size_t total = 0;
        for (int r = 0; r < t.n_rows; r++)
            for (int c = 0; c < t.n_cols; c++) total += strlen(csv_cell(&t, r, c));
        (void)total;
        csv_column(&t, "ecg_id");
        csv_free(&t);
    }
    return 0;
}
