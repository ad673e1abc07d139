#include "data/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "data/text.h"

#define MAX_CSV_BYTES ((size_t)4 << 30)

int csv_parse_stream(const char *data, size_t len, const char *what, CsvRowFn fn, void *ctx) {
    size_t i = 0;
    if (len >= 3 && (unsigned char)data[0] == 0xef && (unsigned char)data[1] == 0xbb && (unsigned char)data[2] == 0xbf)
        i = 3;
    /* one row's fields, unquoted, in a reusable buffer */
    size_t cap = 256, fcap = 16;
    char *buf = xmalloc(cap);
    size_t *starts = xmalloc(fcap * sizeof *starts);
    char **fields = xmalloc(fcap * sizeof *fields);
    int line = 1, row = 0, rc = 0, expected = -1;
    while (i < len) {
        /* blank lines between rows are skipped */
        if (data[i] == '\n' || data[i] == '\r') {
            if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n') i++;
            i++;
            line++;
            continue;
        }
        int row_line = line, nf = 0;
        size_t used = 0;
        int end_of_row = 0;
        while (!end_of_row) {
            if ((size_t)nf == fcap) {
                fcap *= 2;
                starts = xrealloc(starts, fcap * sizeof *starts);
                fields = xrealloc(fields, fcap * sizeof *fields);
            }
            starts[nf++] = used;
            int quoted = i < len && data[i] == '"';
            int quote_line = line;
            if (quoted) i++;
            for (;;) {
                if (i >= len) {
                    if (quoted) {
                        rc = scar_fail("%s: line %d: quoted field never closed (end of file reached)", what, quote_line);
                        goto out;
                    }
                    end_of_row = 1;
                    break;
                }
                char c = data[i];
                if (c == 0) {
                    rc = scar_fail("%s: line %d: NUL byte: not a text file", what, line);
                    goto out;
                }
                if (quoted) {
                    if (c == '"') {
                        if (i + 1 < len && data[i + 1] == '"') { /* a doubled quote is one quote */
                            i += 2;
                        } else { /* the closing quote: a separator or the row's end must follow */
                            i++;
                            if (i < len && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
                                rc = scar_fail("%s: line %d: unexpected character '%c' after a closing quote "
                                               "(a quote inside a quoted field must be doubled)", what, line, data[i]);
                                goto out;
                            }
                            quoted = 0;
                            continue;
                        }
                    } else {
                        if (c == '\n') line++;
                        i++;
                    }
                } else {
                    if (c == ',') {
                        i++;
                        break;
                    }
                    if (c == '\n' || c == '\r') {
                        if (c == '\r' && i + 1 < len && data[i + 1] == '\n') i++;
                        i++;
                        line++;
                        end_of_row = 1;
                        break;
                    }
                    if (c == '"') {
                        rc = scar_fail("%s: line %d: quote inside an unquoted field (the field must be quoted "
                                       "and the quote doubled)", what, line);
                        goto out;
                    }
                    i++;
                }
                if (used + 2 > cap) {
                    cap *= 2;
                    buf = xrealloc(buf, cap);
                }
                buf[used++] = c;
            }
            if (used + 1 > cap) {
                cap *= 2;
                buf = xrealloc(buf, cap);
            }
            buf[used++] = 0;
        }
        for (int f = 0; f < nf; f++) {
            fields[f] = buf + starts[f];
            size_t n = strlen(fields[f]), bad;
            if (text_utf8_check(fields[f], n, &bad) != 0) {
                rc = scar_fail("%s: line %d (row %d), column %d: not valid UTF-8 (byte 0x%02x at offset %zu of the "
                               "field)", what, row_line, row, f + 1, (unsigned char)fields[f][bad], bad);
                goto out;
            }
        }
        if (expected < 0) expected = nf;
        if (nf != expected) {
            rc = scar_fail("%s: line %d (row %d) has %d fields, the header has %d (broken quoting?)", what, row_line,
                           row, nf, expected);
            goto out;
        }
        if (fn(ctx, row, row_line, fields, nf) != 0) {
            rc = -1;
            goto out;
        }
        row++;
    }
    if (row == 0) rc = scar_fail("%s: empty: no header row", what);
out:
    free(buf);
    free(starts);
    free(fields);
    return rc;
}

typedef struct {
    CsvTable *t;
    const char *const *keep;
    int *src;       /* [n_cols] source column of each kept column */
    size_t rows_cap;
} TableBuild;

static int table_row(void *ctx, int row, int line, char **fields, int nf) {
    TableBuild *b = ctx;
    CsvTable *t = b->t;
    if (row == 0) {
        b->src = xmalloc((size_t)nf * sizeof *b->src);
        t->col_name = xmalloc((size_t)nf * sizeof *t->col_name);
        for (int f = 0; f < nf; f++) {
            int want = !b->keep;
            for (const char *const *k = b->keep; k && *k && !want; k++) want = strcmp(*k, fields[f]) == 0;
            for (int c = 0; c < t->n_cols && want; c++) want = strcmp(t->col_name[c], fields[f]) != 0; /* first wins */
            if (!want) continue;
            b->src[t->n_cols] = f;
            t->col_name[t->n_cols++] = xstrdup(fields[f]);
        }
        return 0;
    }
    if ((size_t)t->n_rows == b->rows_cap) {
        b->rows_cap = b->rows_cap ? 2 * b->rows_cap : 64;
        t->cell = xrealloc(t->cell, b->rows_cap * (size_t)(t->n_cols ? t->n_cols : 1) * sizeof *t->cell);
        t->line = xrealloc(t->line, b->rows_cap * sizeof *t->line);
    }
    for (int c = 0; c < t->n_cols; c++) {
        const char *f = fields[b->src[c]];
        size_t n = strlen(f) + 1;
        if (t->text_len + n > t->text_cap) {
            t->text_cap = (t->text_len + n) * 2 + 4096;
            t->text = xrealloc(t->text, t->text_cap);
        }
        memcpy(t->text + t->text_len, f, n);
        t->cell[(size_t)t->n_rows * (size_t)t->n_cols + (size_t)c] = t->text_len;
        t->text_len += n;
    }
    t->line[t->n_rows++] = line;
    return 0;
}

int csv_parse(const char *data, size_t len, const char *what, const char *const *keep, CsvTable *t) {
    memset(t, 0, sizeof *t);
    t->what = xstrdup(what);
    TableBuild b = {t, keep, NULL, 0};
    int rc = csv_parse_stream(data, len, what, table_row, &b);
    free(b.src);
    if (rc != 0) csv_free(t);
    return rc;
}

int csv_read(const char *path, const char *const *keep, CsvTable *t) {
    memset(t, 0, sizeof *t);
    size_t len;
    char *data = text_read_file(path, MAX_CSV_BYTES, &len);
    if (!data) return -1;
    int rc = csv_parse(data, len, path, keep, t);
    free(data);
    return rc;
}

void csv_free(CsvTable *t) {
    free(t->text);
    for (int c = 0; c < t->n_cols; c++) free(t->col_name[c]);
    free(t->col_name);
    free(t->cell);
    free(t->line);
    free(t->what);
    memset(t, 0, sizeof *t);
}

int csv_column(const CsvTable *t, const char *name) {
    for (int c = 0; c < t->n_cols; c++)
        if (strcmp(t->col_name[c], name) == 0) return c;
    return -1;
}
