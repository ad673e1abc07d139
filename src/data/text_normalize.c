#include "data/text_normalize.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/error.h"

static int is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

size_t utf8_sequence(const uint8_t *s, size_t len, int32_t *cp, const char **why) {
    uint8_t b0 = s[0];
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    size_t need;
    int32_t value;
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte (RFC 3629's table) */
    if (b0 < 0xC0) {
        *why = "unexpected continuation byte";
        return 0;
    } else if (b0 < 0xC2) {
        *why = "overlong encoding";
        return 0;
    } else if (b0 < 0xE0) {
        need = 1, value = b0 & 0x1F;
    } else if (b0 < 0xF0) {
        need = 2, value = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0; /* below: overlong */
        if (b0 == 0xED) hi = 0x9F; /* above: UTF-16 surrogates */
    } else if (b0 < 0xF5) {
        need = 3, value = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90; /* below: overlong */
        if (b0 == 0xF4) hi = 0x8F; /* above: past U+10FFFF */
    } else {
        *why = "byte never used in UTF-8";
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= len) {
            *why = "sequence cut short by the end of the text";
            return 0;
        }
        if (!is_continuation(s[k])) {
            *why = "missing continuation byte";
            return 0;
        }
        if (k == 1 && (s[1] < lo || s[1] > hi)) {
            *why = b0 == 0xED ? "UTF-16 surrogate" : b0 == 0xF4 ? "code point past U+10FFFF" : "overlong encoding";
            return 0;
        }
        value = (value << 6) | (s[k] & 0x3F);
    }
    *cp = value;
    return need + 1;
}

int utf8_check(const char *s, size_t len) {
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        const char *why = NULL;
        size_t k = utf8_sequence(u + i, len - i, &cp, &why);
        if (!k) return scar_fail("invalid UTF-8 at byte %zu (0x%02x): %s", i, u[i], why);
        i += k;
    }
    return 0;
}

int text_is_space(int32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= '\t' && cp <= '\r');
    if (cp == 0x85) return 1;
    utf8proc_category_t c = utf8proc_category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

static utf8proc_int32_t lower_code_point(utf8proc_int32_t cp, void *unused) {
    (void)unused;
    return utf8proc_tolower(cp);
}

/* Below U+0300 every code point is NFC on its own and nothing composes with it: the combining
 * marks and every other second half of a canonical composition start at U+0300. So text made of
 * such code points, whose lower-case forms are such code points too, is NFC as it stands. */
#define NFC_SAFE_BELOW 0x300

static int nfc_as_is(const uint8_t *s, size_t len, int lower) {
    for (size_t i = 0; i < len;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        const char *why;
        i += utf8_sequence(s + i, len - i, &cp, &why);
        if (cp >= NFC_SAFE_BELOW || (lower && utf8proc_tolower(cp) >= NFC_SAFE_BELOW)) return 0;
    }
    return 1;
}

/* Copy s[0..len) (valid UTF-8) to out, collapsing white space runs to one ASCII space and trimming
 * both ends; with `prefix`, a non-empty result starts with one space; with `lower`, lower-casing
 * code points below NFC_SAFE_BELOW (longer ones are left alone: the caller has lower-cased those
 * already). Returns the length written, at most len + 1 (a lower-case form below U+0300 is never
 * longer in UTF-8 than its upper-case form). */
static size_t collapse_space(const uint8_t *s, size_t len, int prefix, int lower, char *out) {
    size_t n = 0, i = 0;
    int pending = prefix;
    while (i < len) {
        int32_t cp;
        size_t k = 1;
        if (s[i] < 0x80) {
            cp = s[i];
        } else {
            const char *why;
            k = utf8_sequence(s + i, len - i, &cp, &why);
        }
        if (text_is_space(cp)) {
            if (n) pending = 1;
            i += k;
            continue;
        }
        if (pending) out[n++] = ' ';
        pending = 0;
        int32_t lc = cp;
        if (lower && cp < NFC_SAFE_BELOW) lc = cp < 0x80 ? (cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp) : utf8proc_tolower(cp);
        if (lc == cp) {
            memcpy(out + n, s + i, k);
            n += k;
        } else {
            n += (size_t)utf8proc_encode_char(lc, (utf8proc_uint8_t *)out + n);
        }
        i += k;
    }
    return n;
}

int text_normalize(const char *text, size_t len, unsigned flags, char **out, size_t *out_len) {
    *out = NULL;
    if (utf8_check(text, len) != 0) return -1;
    int prefix = (flags & TEXT_PREFIX_SPACE) != 0, lower = (flags & TEXT_LOWERCASE) != 0;
    if (nfc_as_is((const uint8_t *)text, len, lower)) { /* the common case: no utf8proc_map */
        char *buf = xmalloc(len + 2);
        *out_len = collapse_space((const uint8_t *)text, len, prefix, lower, buf);
        buf[*out_len] = 0;
        *out = buf;
        return 0;
    }
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t n = utf8proc_map_custom((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
                                             UTF8PROC_STABLE | UTF8PROC_COMPOSE,
                                             lower ? lower_code_point : NULL, NULL);
    if (n < 0) return scar_fail("cannot normalise text: %s", utf8proc_errmsg(n));
    char *buf = xmalloc((size_t)n + 2);
    *out_len = collapse_space(nfc, (size_t)n, prefix, 0, buf);
    buf[*out_len] = 0;
    free(nfc);
    *out = buf;
    return 0;
}
