/* libFuzzer: the pack reader. A raw input is opened as a pack; but random bytes rarely get past
 * the magic and the metadata checksum, so most inputs are instead read as edits to a valid pack
 * built at start-up (byte writes at chosen offsets, a new length), with the checksum repaired or
 * not, so that every structural check behind it gets exercised.
 *
 *   byte 0, bit 0 set:   the rest of the input is the pack
 *   otherwise:           bit 1: repair the checksum; bytes 1-4: new length (mod template + 64);
 *                        then records of 5 bytes: a 32-bit offset (mod length) and a byte value */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/pack.h"
#include "data/pack_format.h"

static uint8_t *g_template;
static size_t g_len;

static void build_template(void) {
    char path[] = "/tmp/scar-fuzz-pack-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) abort();
    close(fd);
    LabelSchema s = {0};
    s.n_sets = 2;
    strcpy(s.set_name[0], "a");
    strcpy(s.set_name[1], "b");
    s.n_classes[0] = 3;
    s.n_classes[1] = 70;
    for (int k = 0; k < 2; k++)
        for (int c = 0; c < s.n_classes[k]; c++) snprintf(s.class_name[k][c], SCAR_NAME_LEN, "c%d", c);
    PackWriter *w = pack_writer_open(path, &s, 100, 16, "fuzz template");
    for (int i = 0; i < 4; i++) {
        EcgRecord r;
        record_init(&r, 100, 16);
        snprintf(r.id, sizeof r.id, "r%d", i);
        r.lead_available = (uint16_t)(0xfff >> i);
        for (int k = 0; k < N_LEADS * 16; k++) r.signal[k] = (float)k * 0.01f, r.valid[k] = (uint8_t)(k % 3 != 0);
        free(r.report);
        r.report = strdup(i % 2 ? "sinus rhythm. Ä" : "");
        label_set(&r.labels[0], i % 3);
        label_set(&r.labels[1], 64 + i);
        r.n_evidence = i % 3;
        r.evidence = r.n_evidence ? calloc((size_t)r.n_evidence, sizeof *r.evidence) : NULL;
        for (int e = 0; e < r.n_evidence; e++)
            r.evidence[e] = (EvidenceSpan){(uint16_t)e, (uint16_t)(e ? 65 : 1), 0x0f, 1, 2 * e, 2 * e + 5};
        if (pack_writer_add(w, &r) != 0) abort();
        record_free(&r);
    }
    if (pack_writer_close(w) != 0) abort();
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    g_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    g_template = malloc(g_len);
    if (fread(g_template, 1, g_len, f) != g_len) abort();
    fclose(f);
    unlink(path);
}

static void read_everything(const uint8_t *buf, size_t len) {
    Pack *p = pack_open_memory(buf, len, "fuzz.pack");
    if (!p) return;
    size_t sum = 0;
    for (int i = 0; i < pack_count(p); i++) {
        EcgRecord v;
        pack_get(p, i, &v);
        sum += strlen(v.report) + strlen(v.id);
        for (int e = 0; e < v.n_evidence; e++) sum += (size_t)v.evidence[e].t1;
        sum += v.valid[N_LEADS * (size_t)v.n_samples - 1];
    }
    int idx[2] = {0, pack_count(p) - 1};
    if (pack_count(p) > 0) {
        float *sig = malloc(2 * N_LEADS * (size_t)pack_samples(p) * sizeof *sig);
        pack_batch(p, idx, 2, sig, NULL, NULL);
        free(sig);
    }
    (void)sum;
    pack_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_template) build_template();
    if (size < 1) return 0;
    uint8_t *buf;
    size_t len;
    if (data[0] & 1) {
        len = size - 1;
        buf = aligned_alloc(64, (len + 64) & ~(size_t)63);
        memcpy(buf, data + 1, len);
    } else {
        len = g_len;
        if (size >= 5) {
            uint32_t l;
            memcpy(&l, data + 1, 4);
            len = l % (g_len + 64);
        }
        buf = aligned_alloc(64, (len + 64) & ~(size_t)63);
        memset(buf, 0, len);
        memcpy(buf, g_template, len < g_len ? len : g_len);
        for (size_t k = 5; len && k + 5 <= size; k += 5) {
            uint32_t off;
            memcpy(&off, data + k, 4);
            buf[off % len] = data[k + 4];
        }
        if ((data[0] & 2) && len >= PACK_HEADER_BYTES) put_u64(buf + H_META_HASH, pack_meta_hash(buf, len));
    }
    read_everything(buf, len);
    free(buf);
    return 0;
}
