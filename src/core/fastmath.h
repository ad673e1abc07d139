/* exp and tanh that the compiler can vectorise (no calls into libm), for the float build's hot
 * loops: GELU and the softmaxes. Cephes-style range reduction and polynomial, relative error
 * ~2e-7 (a couple of float ulps). The float64 build used by the gradient checks keeps libm. */
#ifndef SCAR_CORE_FASTMATH_H
#define SCAR_CORE_FASTMATH_H

#include <stdint.h>
#include <string.h>
#include <tgmath.h>

#include "core/real.h"

#ifdef SCAR_F64
static inline real exp_fast(real x) { return exp(x); }
static inline real tanh_fast(real x) { return tanh(x); }
#else
static inline float exp_fast(float x_in) {
    /* exp(x) = 2^n e^r, n = round(x / ln 2), |r| <= ln(2) / 2. The clamp is written as comparisons
     * (false for NaN, so NaN maps to the lower bound and the conversion to int below stays defined);
     * fminf/fmaxf would be library calls without -ffast-math and stop the loops vectorising.
     * NaN is given back as NaN at the end. */
    float x = x_in > -87.3f ? x_in : -87.3f;
    x = x < 88.7f ? x : 88.7f;
    /* round to nearest by adding 1.5 * 2^23: stays a vectorisable add, no call to roundf */
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (int32_t)n * (1 << 23);
    memcpy(&p, &bits, sizeof p);
    return x_in != x_in ? x_in : p;
}

static inline float tanh_fast(float x) {
    /* tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|): no overflow, no cancellation for large |x| */
    const float ax = x < 0 ? -x : x, e = exp_fast(-2.0f * ax);
    const float t = (1.0f - e) / (1.0f + e);
    return x < 0 ? -t : t;
}
#endif

#endif
