/* Text helpers for the readers: UTF-8 validation (utf8proc), whole-file reads with a size limit,
 * and a growable string buffer. */
#ifndef SCAR_DATA_TEXT_H
#define SCAR_DATA_TEXT_H

#include <stddef.h>

/* 0 when s[0..n) is valid UTF-8 (no overlongs, no surrogates, no NUL); else -1 with the offset of
 * the first bad byte in *bad_offset. */
int text_utf8_check(const char *s, size_t n, size_t *bad_offset);
/* Re-encode, in place, every byte of a NUL-terminated string that is not part of valid UTF-8 as the
 * Latin-1 character it stands for (old WFDB comments are Latin-1). */
void text_latin1_to_utf8(char **s);

/* The permissions a new file gets (0666 less the umask); for files made with mkstemp. The umask
 * is read once, so this is safe to call from several threads. */
unsigned file_creation_mode(void);

/* A whole file, NUL-terminated; NULL with an error naming the file when it cannot be read or is
 * larger than max_bytes. */
char *text_read_file(const char *path, size_t max_bytes, size_t *len);

typedef struct {
    char *s;
    size_t len, cap;
} StrBuf;
void strbuf_append(StrBuf *b, const char *s, size_t n);
void strbuf_puts(StrBuf *b, const char *s);
/* The string (never NULL: "" when nothing was appended); the buffer is handed over. */
char *strbuf_take(StrBuf *b);

/* Trim ASCII whitespace from both ends, in place; returns s. */
char *text_trim(char *s);

#endif
