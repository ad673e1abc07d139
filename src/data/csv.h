/* CSV as RFC 4180 has it (what pandas writes): fields separated by commas, rows by LF or CRLF,
 * fields with commas, quotes or line breaks in double quotes, a quote inside one doubled. Strict
 * where leniency would silently shift columns: a quote inside an unquoted field, text after a
 * closing quote, an unterminated quote and a row with the wrong number of fields are errors that
 * name the file and line. Every field must be valid UTF-8. A leading byte-order mark and blank
 * lines are skipped. */
#ifndef SCAR_DATA_CSV_H
#define SCAR_DATA_CSV_H

#include <stddef.h>

/* Called once per row (the header row included, as row 0) with its unquoted, NUL-terminated
 * fields; `line` is where the row starts. Return 0 to go on, -1 to stop with an error. */
typedef int (*CsvRowFn)(void *ctx, int row, int line, char **fields, int n_fields);

int csv_parse_stream(const char *data, size_t len, const char *what, CsvRowFn fn, void *ctx);

/* A whole table in memory; `keep` (NULL-terminated column names, or NULL for all) limits the
 * columns stored. A kept column the header lacks is simply absent (csv_column returns -1). */
typedef struct {
    int n_cols;       /* kept columns */
    char **col_name;  /* [n_cols] */
    int n_rows;       /* data rows (the header not counted) */
    size_t *cell;     /* [n_rows * n_cols] offsets into text */
    char *text;       /* every kept cell, NUL-terminated, one after another */
    size_t text_len, text_cap;
    int *line;        /* [n_rows] line where each data row starts */
    char *what;       /* the file, for messages */
} CsvTable;

int csv_parse(const char *data, size_t len, const char *what, const char *const *keep, CsvTable *t);
int csv_read(const char *path, const char *const *keep, CsvTable *t);
void csv_free(CsvTable *t);
int csv_column(const CsvTable *t, const char *name);
static inline const char *csv_cell(const CsvTable *t, int row, int col) {
    return t->text + t->cell[(size_t)row * (size_t)t->n_cols + (size_t)col];
}

#endif
