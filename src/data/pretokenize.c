#include "data/pretokenize.h"

#include <stdint.h>
#include <utf8proc.h>

#include "data/text_normalize.h"

enum { CLASS_LETTER, CLASS_DIGIT, CLASS_OTHER, CLASS_SPACE };

/* Class of the code point at s[pos]; its length in bytes goes to *k. */
static int char_class(const uint8_t *s, size_t len, size_t pos, size_t *k) {
    uint8_t b = s[pos];
    if (b < 0x80) {
        *k = 1;
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') return CLASS_LETTER;
        if (b >= '0' && b <= '9') return CLASS_DIGIT;
        return b == ' ' ? CLASS_SPACE : CLASS_OTHER;
    }
    int32_t cp;
    const char *why;
    *k = utf8_sequence(s + pos, len - pos, &cp, &why);
    if (!*k) { /* not reachable for validated text; one byte keeps the walk going regardless */
        *k = 1;
        return CLASS_OTHER;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
        return CLASS_LETTER;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return CLASS_DIGIT;
    default:
        return CLASS_OTHER;
    }
}

size_t pretokenize_next(const char *text, size_t len, size_t pos) {
    const uint8_t *s = (const uint8_t *)text;
    size_t k;
    if (s[pos] == ' ') {
        pos++;
        if (pos == len || s[pos] == ' ') return pos;
    }
    int cls = char_class(s, len, pos, &k);
    pos += k;
    while (pos < len) {
        if (char_class(s, len, pos, &k) != cls) break;
        pos += k;
    }
    return pos;
}
