#include "data/text.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

#include "core/error.h"

int text_utf8_check(const char *s, size_t n, size_t *bad_offset) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) { /* ASCII fast path */
            if (c == 0) goto bad;
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0 || cp < 0) goto bad;
        i += (size_t)k;
    }
    return 0;
bad:
    if (bad_offset) *bad_offset = i;
    return -1;
}

void text_latin1_to_utf8(char **sp) {
    const unsigned char *s = (const unsigned char *)*sp;
    size_t n = strlen((const char *)s);
    char *out = xmalloc(2 * n + 1);
    size_t o = 0, i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = s[i] < 0x80 ? 1 : utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k > 0 && (s[i] < 0x80 || cp >= 0)) {
            memcpy(out + o, s + i, (size_t)k);
            o += (size_t)k;
            i += (size_t)k;
        } else { /* one Latin-1 byte: U+0080..U+00FF in two bytes */
            out[o++] = (char)(0xc0 | (s[i] >> 6));
            out[o++] = (char)(0x80 | (s[i] & 0x3f));
            i++;
        }
    }
    out[o] = 0;
    free(*sp);
    *sp = out;
}

static unsigned g_mode;
static pthread_once_t g_mode_once = PTHREAD_ONCE_INIT;

static void read_umask(void) {
    mode_t m = umask(0);
    umask(m);
    g_mode = 0666u & ~(unsigned)m;
}

unsigned file_creation_mode(void) {
    pthread_once(&g_mode_once, read_umask);
    return g_mode;
}

char *text_read_file(const char *path, size_t max_bytes, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        scar_fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        scar_fail("%s: is a directory, not a file", path);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > max_bytes) {
            fclose(f);
            free(buf);
            scar_fail("%s: larger than %zu bytes: not the file expected here", path, max_bytes);
            return NULL;
        }
        if (got == 0) break;
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        scar_fail("%s: read error", path);
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

void strbuf_append(StrBuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2 + 32;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

void strbuf_puts(StrBuf *b, const char *s) { strbuf_append(b, s, strlen(s)); }

char *strbuf_take(StrBuf *b) {
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

char *text_trim(char *s) {
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n')) a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    memmove(s, s + a, n - a);
    s[n - a] = 0;
    return s;
}
