/* Report text normalisation, shared by tokenizer training and encoding so that both see the same
 * bytes:
 *
 *   1. the input is validated as UTF-8 (overlong forms, surrogates, code points past U+10FFFF,
 *      stray or missing continuation bytes are errors naming the byte offset);
 *   2. optionally lower-cased, code point by code point (utf8proc_tolower: "Ä" -> "ä", "ß" stays);
 *   3. composed to NFC (utf8proc), so "u" + U+0308 and "ü" become the same bytes;
 *   4. every run of white space (Unicode White_Space: tab, newline, NBSP, U+2028, ...) becomes
 *      one ASCII space, with none at either end.
 *
 * The result is idempotent: normalising normalised text changes nothing. */
#ifndef SCAR_DATA_TEXT_NORMALIZE_H
#define SCAR_DATA_TEXT_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

enum {
    TEXT_LOWERCASE = 1 << 0,
    /* Start a non-empty result with one space, so that the first word of a text pre-tokenises
     * like every later word (" sinusrhythmus", never "sinusrhythmus"). Used inside the
     * tokenizer only; decoding removes it again. */
    TEXT_PREFIX_SPACE = 1 << 1,
};

/* Length in bytes of the well-formed UTF-8 sequence at s[0..len), storing its code point in *cp;
 * 0 when s does not start with one, with *why saying what is wrong (static string). */
size_t utf8_sequence(const uint8_t *s, size_t len, int32_t *cp, const char **why);

/* 0 when s[0..len) is valid UTF-8; otherwise -1 with scar_fail("invalid UTF-8 at byte N: why"). */
int utf8_check(const char *s, size_t len);

/* Normalise text[0..len) (flags: TEXT_*) into a new NUL-terminated string *out (free()) of
 * *out_len bytes. -1 with scar_fail(...) on invalid UTF-8; *out is then NULL. */
int text_normalize(const char *text, size_t len, unsigned flags, char **out, size_t *out_len);

/* Unicode White_Space. */
int text_is_space(int32_t cp);

#endif
