/* 3KG (augment.h): the vectorcardiographic augmentation of Gopal et al. 2021. The whole linear part
 * of one record is a single 8 × 8 matrix, P S R Dinv, built in double and applied in float. */
#include <math.h>
#include <string.h>

#include "data/record.h"
#include "data/synth/heart.h"
#include "model/augment.h"
#include "model/augment_impl.h"

const int AUG_3KG_LEADS[8] = {LEAD_I, LEAD_II, LEAD_V1, LEAD_V2, LEAD_V3, LEAD_V4, LEAD_V5, LEAD_V6};

/* DESIGN appendix (Edenbrandt and Pahlm 1988), columns I, II, V1..V6. */
const double AUG_INVERSE_DOWER[3][8] = {
    {0.156, -0.010, -0.172, -0.074, 0.122, 0.231, 0.239, 0.194},
    {-0.227, 0.887, 0.057, -0.019, -0.106, -0.022, 0.041, 0.048},
    {0.022, 0.102, -0.229, -0.310, -0.246, -0.063, 0.055, 0.108},
};

void augment_3kg_back_matrix(double P[8][3]) {
    const double(*D)[8] = AUG_INVERSE_DOWER;
    double G[3][3]; /* D D^T, symmetric positive definite (D has full row rank) */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int k = 0; k < 8; k++) s += D[i][k] * D[j][k];
            G[i][j] = s;
        }
    double A[3][3]; /* adjugate: G^-1 = A / det */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
            A[i][j] = G[i1][j1] * G[i2][j2] - G[i1][j2] * G[i2][j1];
        }
    double det = G[0][0] * A[0][0] + G[0][1] * A[1][0] + G[0][2] * A[2][0];
    for (int k = 0; k < 8; k++)
        for (int j = 0; j < 3; j++) {
            double s = 0;
            for (int i = 0; i < 3; i++) s += D[i][k] * A[i][j];
            P[k][j] = s / det;
        }
}

static void mat3_mul(const double a[3][3], const double b[3][3], double out[3][3]) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) out[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
}

void augment_3kg_matrix(const double angle_deg[3], const double scale[3], double out[8][8]) {
    const double rad = 3.14159265358979323846 / 180;
    double c[3], s[3];
    for (int k = 0; k < 3; k++) c[k] = cos(angle_deg[k] * rad), s[k] = sin(angle_deg[k] * rad);
    const double Rx[3][3] = {{1, 0, 0}, {0, c[0], -s[0]}, {0, s[0], c[0]}};
    const double Ry[3][3] = {{c[1], 0, s[1]}, {0, 1, 0}, {-s[1], 0, c[1]}};
    const double Rz[3][3] = {{c[2], -s[2], 0}, {s[2], c[2], 0}, {0, 0, 1}};
    double RyRx[3][3], R[3][3];
    mat3_mul(Ry, Rx, RyRx);
    mat3_mul(Rz, RyRx, R);
    double SRD[3][8]; /* S R Dinv */
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 8; k++)
            SRD[i][k] = scale[i] * (R[i][0] * AUG_INVERSE_DOWER[0][k] + R[i][1] * AUG_INVERSE_DOWER[1][k] +
                                    R[i][2] * AUG_INVERSE_DOWER[2][k]);
    double P[8][3];
    augment_3kg_back_matrix(P);
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 8; k++) out[i][k] = P[i][0] * SRD[0][k] + P[i][1] * SRD[1][k] + P[i][2] * SRD[2][k];
}

/* rows[i] = sum_k M[i][k] x[lead k], for the eight independent leads. */
static void project(const float M[8][8], const float *x, int L, float *rows) {
    const float *in[8];
    for (int k = 0; k < 8; k++) in[k] = x + (size_t)AUG_3KG_LEADS[k] * L;
    for (int i = 0; i < 8; i++) {
        float *restrict o = rows + (size_t)i * L;
        const float *restrict x0 = in[0], *restrict x1 = in[1], *restrict x2 = in[2], *restrict x3 = in[3];
        const float *restrict x4 = in[4], *restrict x5 = in[5], *restrict x6 = in[6], *restrict x7 = in[7];
        const float *m = M[i];
        for (int t = 0; t < L; t++)
            o[t] = m[0] * x0[t] + m[1] * x1[t] + m[2] * x2[t] + m[3] * x3[t] + m[4] * x4[t] + m[5] * x5[t] +
                   m[6] * x6[t] + m[7] * x7[t];
    }
}

void augment_3kg_record(const AugmentOptions *o, Rng *r, float *x, uint8_t *v, int L, uint8_t *scratch, float *rows) {
    double angle[3], scale[3], M[8][8];
    for (int k = 0; k < 3; k++) angle[k] = o->rot_max_deg * (2 * rng_uniform_f64(r) - 1);
    for (int k = 0; k < 3; k++) scale[k] = o->scale3_min + (o->scale3_max - o->scale3_min) * rng_uniform_f64(r);
    augment_3kg_matrix(angle, scale, M);
    float Mf[8][8];
    for (int i = 0; i < 8; i++)
        for (int k = 0; k < 8; k++) Mf[i][k] = (float)M[i][k];
    project(Mf, x, L, rows);
    for (int i = 0; i < 8; i++) { /* a lead keeps its own validity (an absent one stays absent) */
        float *xl = x + (size_t)AUG_3KG_LEADS[i] * L;
        const uint8_t *vl = v + (size_t)AUG_3KG_LEADS[i] * L;
        const float *ri = rows + (size_t)i * L;
        for (int t = 0; t < L; t++) xl[t] = vl[t] ? ri[t] : 0.0f;
    }
    heart_derive_limb_leads(x, L); /* III, aVR, aVL, aVF from the new I and II */
    const uint8_t *vI = v + (size_t)LEAD_I * L, *vII = v + (size_t)LEAD_II * L;
    static const int DERIVED[4] = {LEAD_III, LEAD_AVR, LEAD_AVL, LEAD_AVF};
    for (int d = 0; d < 4; d++) {
        float *xl = x + (size_t)DERIVED[d] * L;
        uint8_t *vl = v + (size_t)DERIVED[d] * L;
        for (int t = 0; t < L; t++) {
            vl[t] = vI[t] && vII[t];
            if (!vl[t]) xl[t] = 0;
        }
    }
    augment_zero_blocks(x, v, L, o->block_ratio, 1, r, scratch);
}
