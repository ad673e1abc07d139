#include "data/scp_codes.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* SCP codes are letters, digits and a few marks: NORM, LAO/LAE, PRC(S), NST_, 1AVB */
static int code_char(int c) { return isalnum(c) || c == '_' || c == '/' || c == '(' || c == ')' || c == '-' || c == '.'; }

int scp_codes_parse(const char *s, ScpCode *out, int max, const char *what) {
    const char *p = skip_ws(s);
    int n = 0;
    if (*p != '{') return scar_fail("%s: scp_codes '%.60s' is not a dictionary (no opening '{')", what, s);
    p = skip_ws(p + 1);
    if (*p == '}') goto close;
    for (;;) {
        char q = *p;
        if (q != '\'' && q != '"') return scar_fail("%s: scp_codes '%.60s': expected a quoted code at '%.10s'", what, s, p);
        const char *k = ++p;
        while (*p && *p != q) {
            if (!code_char((unsigned char)*p))
                return scar_fail("%s: scp_codes '%.60s': character '%c' is not allowed in a code", what, s, *p);
            p++;
        }
        if (*p != q) return scar_fail("%s: scp_codes '%.60s': unterminated code", what, s);
        size_t len = (size_t)(p - k);
        if (len == 0 || len >= SCP_CODE_LEN)
            return scar_fail("%s: scp_codes '%.60s': code of %zu characters (1 to %d expected)", what, s, len,
                             SCP_CODE_LEN - 1);
        p = skip_ws(p + 1);
        if (*p != ':') return scar_fail("%s: scp_codes '%.60s': expected ':' after code '%.*s'", what, s, (int)len, k);
        p = skip_ws(p + 1);
        if (!(isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
            return scar_fail("%s: scp_codes '%.60s': the likelihood of '%.*s' is not a number", what, s, (int)len, k);
        errno = 0;
        char *end;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v))
            return scar_fail("%s: scp_codes '%.60s': the likelihood of '%.*s' is not a number", what, s, (int)len, k);
        for (const char *c = p; c < end; c++) /* no "nan", "inf" or hexadecimal */
            if (!(isdigit((unsigned char)*c) || *c == '.' || *c == '-' || *c == '+' || *c == 'e' || *c == 'E'))
                return scar_fail("%s: scp_codes '%.60s': the likelihood of '%.*s' is not a number", what, s, (int)len, k);
        if (v < 0 || v > 100)
            return scar_fail("%s: scp_codes '%.60s': likelihood %g of '%.*s' is outside 0..100", what, s, v, (int)len, k);
        for (int i = 0; i < n; i++)
            if (strlen(out[i].code) == len && memcmp(out[i].code, k, len) == 0)
                return scar_fail("%s: scp_codes '%.60s': code '%.*s' appears twice", what, s, (int)len, k);
        if (n == max) return scar_fail("%s: scp_codes '%.60s': more than %d codes", what, s, max);
        memcpy(out[n].code, k, len);
        out[n].code[len] = 0;
        out[n].likelihood = v;
        n++;
        p = skip_ws(end);
        if (*p == ',') {
            p = skip_ws(p + 1);
            if (*p == '}') break; /* a trailing comma, as Python allows */
            continue;
        }
        if (*p == '}') break;
        return scar_fail("%s: scp_codes '%.60s': expected ',' or '}' at '%.10s'", what, s, p);
    }
close:
    p = skip_ws(p + 1);
    if (*p) return scar_fail("%s: scp_codes '%.60s': text after the closing '}'", what, s);
    return n;
}
