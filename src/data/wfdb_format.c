#include "data/wfdb_format.h"

#include <string.h>

#include "core/error.h"

int wfdb_format_bytes(int format, size_t n, size_t *bytes) {
    size_t b;
    switch (format) {
    case 8: case 80: b = n; break;
    case 16: case 61: case 160:
        if (size_mul(n, 2, &b)) return -1;
        break;
    case 24:
        if (size_mul(n, 3, &b)) return -1;
        break;
    case 32:
        if (size_mul(n, 4, &b)) return -1;
        break;
    case 212: /* a trailing odd sample takes two bytes */
        if (size_mul(n / 2, 3, &b) || size_add(b, (n & 1) ? 2 : 0, &b)) return -1;
        break;
    case 310: /* trailing samples: one takes 2 bytes, two take all 4 */
        if (size_mul(n / 3, 4, &b) || size_add(b, (n % 3) == 0 ? 0 : (n % 3) == 1 ? 2 : 4, &b)) return -1;
        break;
    case 311: /* trailing samples: one takes 2 bytes, two take 3 */
        if (size_mul(n / 3, 4, &b) || size_add(b, (n % 3) == 0 ? 0 : (n % 3) == 1 ? 2 : 3, &b)) return -1;
        break;
    default:
        return -1;
    }
    *bytes = b;
    return 0;
}

size_t wfdb_format_samples_in(int format, size_t bytes) {
    switch (format) {
    case 8: case 80: return bytes;
    case 16: case 61: case 160: return bytes / 2;
    case 24: return bytes / 3;
    case 32: return bytes / 4;
    case 212: return bytes / 3 * 2 + (bytes % 3 >= 2 ? 1 : 0);
    case 310: return bytes / 4 * 3 + (bytes % 4 >= 2 ? 1 : 0);
    case 311: return bytes / 4 * 3 + (bytes % 4 >= 3 ? 2 : bytes % 4 >= 2 ? 1 : 0);
    default: return 0;
    }
}

int32_t wfdb_format_invalid_value(int format, int *has) {
    *has = 1;
    switch (format) {
    case 80: return -128;
    case 212: return -2048;
    case 310: case 311: return -512;
    case 16: case 61: case 160: return -32768;
    case 24: return -8388608;
    case 32: return INT32_MIN;
    default: *has = 0; return 0;
    }
}

void wfdb_format_range(int format, int32_t *lo, int32_t *hi) {
    switch (format) {
    case 8: *lo = -128; *hi = 127; break;
    case 80: *lo = -127; *hi = 127; break;
    case 212: *lo = -2047; *hi = 2047; break;
    case 310: case 311: *lo = -511; *hi = 511; break;
    case 24: *lo = -8388607; *hi = 8388607; break;
    case 32: *lo = INT32_MIN + 1; *hi = INT32_MAX; break;
    default: *lo = -32767; *hi = 32767; break;
    }
}

static inline int32_t sext(uint32_t v, int bits) {
    uint32_t m = 1u << (bits - 1);
    return (int32_t)((v ^ m) - m);
}

void wfdb_decode(int format, const uint8_t *in, size_t n, int32_t *out) {
    size_t i;
    switch (format) {
    case 8:
        for (i = 0; i < n; i++) out[i] = (int8_t)in[i];
        break;
    case 80:
        for (i = 0; i < n; i++) out[i] = (int32_t)in[i] - 128;
        break;
    case 16:
        for (i = 0; i < n; i++) out[i] = (int16_t)(uint16_t)(in[2 * i] | (in[2 * i + 1] << 8));
        break;
    case 61:
        for (i = 0; i < n; i++) out[i] = (int16_t)(uint16_t)((in[2 * i] << 8) | in[2 * i + 1]);
        break;
    case 160:
        for (i = 0; i < n; i++) out[i] = (int32_t)(in[2 * i] | (in[2 * i + 1] << 8)) - 32768;
        break;
    case 24:
        for (i = 0; i < n; i++)
            out[i] = sext((uint32_t)in[3 * i] | (uint32_t)in[3 * i + 1] << 8 | (uint32_t)in[3 * i + 2] << 16, 24);
        break;
    case 32:
        for (i = 0; i < n; i++)
            out[i] = (int32_t)((uint32_t)in[4 * i] | (uint32_t)in[4 * i + 1] << 8 | (uint32_t)in[4 * i + 2] << 16 |
                               (uint32_t)in[4 * i + 3] << 24);
        break;
    case 212:
        for (i = 0; i < n; i++) {
            const uint8_t *b = in + (i / 2) * 3;
            uint32_t v = (i & 1) ? ((uint32_t)(b[1] & 0xf0) << 4) | b[2] : ((uint32_t)(b[1] & 0x0f) << 8) | b[0];
            out[i] = sext(v, 12);
        }
        break;
    case 310:
        for (i = 0; i < n; i++) {
            const uint8_t *b = in + (i / 3) * 4;
            uint32_t v;
            switch (i % 3) {
            case 0: v = (uint32_t)(b[0] >> 1) | (uint32_t)(b[1] & 0x07) << 7; break;
            case 1: v = (uint32_t)(b[2] >> 1) | (uint32_t)(b[3] & 0x07) << 7; break;
            default: v = (uint32_t)(b[1] >> 3) | (uint32_t)(b[3] & 0xf8) << 2; break;
            }
            out[i] = sext(v, 10);
        }
        break;
    case 311:
        for (i = 0; i < n; i++) {
            const uint8_t *b = in + (i / 3) * 4;
            uint32_t v;
            switch (i % 3) {
            case 0: v = (uint32_t)b[0] | (uint32_t)(b[1] & 0x03) << 8; break;
            case 1: v = (uint32_t)(b[1] >> 2) | (uint32_t)(b[2] & 0x0f) << 6; break;
            default: v = (uint32_t)(b[2] >> 4) | (uint32_t)(b[3] & 0x3f) << 4; break;
            }
            out[i] = sext(v, 10);
        }
        break;
    default:
        memset(out, 0, n * sizeof *out);
    }
}

void wfdb_encode(int format, const int32_t *in, size_t n, uint8_t *out) {
    size_t bytes, i;
    if (wfdb_format_bytes(format, n, &bytes) != 0) return;
    memset(out, 0, bytes);
    switch (format) {
    case 8:
        for (i = 0; i < n; i++) out[i] = (uint8_t)(int8_t)in[i];
        break;
    case 80:
        for (i = 0; i < n; i++) out[i] = (uint8_t)(in[i] + 128);
        break;
    case 16:
        for (i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(int16_t)in[i];
            out[2 * i] = (uint8_t)v;
            out[2 * i + 1] = (uint8_t)(v >> 8);
        }
        break;
    case 61:
        for (i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(int16_t)in[i];
            out[2 * i] = (uint8_t)(v >> 8);
            out[2 * i + 1] = (uint8_t)v;
        }
        break;
    case 160:
        for (i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(in[i] + 32768);
            out[2 * i] = (uint8_t)v;
            out[2 * i + 1] = (uint8_t)(v >> 8);
        }
        break;
    case 24:
        for (i = 0; i < n; i++) {
            uint32_t v = (uint32_t)in[i];
            out[3 * i] = (uint8_t)v;
            out[3 * i + 1] = (uint8_t)(v >> 8);
            out[3 * i + 2] = (uint8_t)(v >> 16);
        }
        break;
    case 32:
        for (i = 0; i < n; i++) {
            uint32_t v = (uint32_t)in[i];
            for (int k = 0; k < 4; k++) out[4 * i + k] = (uint8_t)(v >> (8 * k));
        }
        break;
    case 212:
        for (i = 0; i < n; i++) {
            uint8_t *b = out + (i / 2) * 3;
            uint32_t v = (uint32_t)in[i] & 0xfff;
            if (i & 1) {
                b[1] |= (uint8_t)((v >> 4) & 0xf0);
                b[2] = (uint8_t)v;
            } else {
                b[0] = (uint8_t)v;
                b[1] |= (uint8_t)(v >> 8);
            }
        }
        break;
    case 310:
        for (i = 0; i < n; i++) {
            uint8_t *b = out + (i / 3) * 4;
            uint32_t v = (uint32_t)in[i] & 0x3ff;
            switch (i % 3) {
            case 0: b[0] |= (uint8_t)(v << 1); b[1] |= (uint8_t)(v >> 7); break;
            case 1: b[2] |= (uint8_t)(v << 1); b[3] |= (uint8_t)(v >> 7); break;
            default: b[1] |= (uint8_t)((v & 0x1f) << 3); b[3] |= (uint8_t)((v >> 5) << 3); break;
            }
        }
        break;
    case 311:
        for (i = 0; i < n; i++) {
            uint8_t *b = out + (i / 3) * 4;
            uint32_t v = (uint32_t)in[i] & 0x3ff;
            switch (i % 3) {
            case 0: b[0] = (uint8_t)v; b[1] |= (uint8_t)(v >> 8); break;
            case 1: b[1] |= (uint8_t)(v << 2); b[2] |= (uint8_t)(v >> 6); break;
            default: b[2] |= (uint8_t)(v << 4); b[3] |= (uint8_t)(v >> 4); break;
            }
        }
        break;
    default:
        break;
    }
}
