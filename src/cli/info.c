/* scar info: what a pack holds, or what a WFDB record holds (with each signal's checksum and
 * initial value checked against its header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "data/ecg_map.h"
#include "data/pack.h"
#include "data/wfdb_read.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar info FILE_OR_RECORD [--list N]\n"
            "\n"
            "For a pack: its source, record count, rate and length, splits, leads available, label counts\n"
            "per label set, report lengths, ages and sexes. For a WFDB record (name.hea or name): its\n"
            "signals, each with its checksum and initial value checked against the header, and the leads\n"
            "of the canonical 12-lead record it maps to.\n"
            "Exit status: 0; 1 when the file cannot be read or a record's data disagree with its header;\n"
            "2 for bad options.\n"
            "\n"
            "  --list N     also list the first N records of a pack (id, split, labels, report)\n"
            "  -h, --help   this text\n");
}

static const char *check_word(WfdbCheck c) { return c == WFDB_CHECK_OK ? "ok" : c == WFDB_CHECK_MISMATCH ? "MISMATCH" : "none"; }

static int info_record(const char *path) {
    WfdbRecord r;
    if (wfdb_read(path, &r) != 0) return cli_report_error("info");
    const WfdbHeader *h = &r.header;
    printf("record: %s\n", path);
    printf("signals: %d at %g Hz, %lld frames (%.2f s)\n", r.n_signals, r.fs, (long long)r.n_frames,
           r.fs > 0 ? (double)r.n_frames / r.fs : 0.0);
    if (h->n_segments) printf("segments: %d (multi-segment record)\n", h->n_segments);
    if (h->base_time[0] || h->base_date[0]) printf("recorded: %s %s\n", h->base_date, h->base_time);
    printf("  #  %-10s %-18s %6s %10s %9s %-6s %-26s %s\n", "name", "file", "format", "gain", "baseline", "units",
           "checksum (header/data)", "initial value (header/data)");
    int mismatches = 0;
    for (int j = 0; j < r.n_signals; j++) {
        const WfdbSignal *s = &r.signals[j];
        char fmt[16], chk[400], init[64];
        snprintf(fmt, sizeof fmt, s->spf > 1 ? "%dx%d" : "%d", s->format, s->spf);
        if (s->checksum == WFDB_CHECK_ABSENT) snprintf(chk, sizeof chk, "none in header");
        else if (s->n_segments_checked > 1 && s->checksum == WFDB_CHECK_OK) snprintf(chk, sizeof chk, "ok (%d segments)", s->n_segments_checked);
        else snprintf(chk, sizeof chk, "%s (%d/%d)", check_word(s->checksum), s->checksum_expected, s->checksum_computed);
        if (s->init == WFDB_CHECK_ABSENT) snprintf(init, sizeof init, "none in header");
        else if (s->n_segments_checked > 1 && s->init == WFDB_CHECK_OK) snprintf(init, sizeof init, "ok (%d segments)", s->n_segments_checked);
        else snprintf(init, sizeof init, "%s (%d/%d)", check_word(s->init), s->init_expected, s->init_actual);
        if (s->mismatch_segment[0]) {
            size_t l = strlen(chk);
            snprintf(chk + l, sizeof chk - l, " in %s", s->mismatch_segment);
        }
        printf("%3d  %-10s %-18s %6s %10g %9d %-6s %-26s %s\n", j, s->name, s->file, fmt, s->gain, s->baseline,
               s->units[0] ? s->units : "-", chk, init);
        mismatches += (s->checksum == WFDB_CHECK_MISMATCH) + (s->init == WFDB_CHECK_MISMATCH);
    }
    EcgRecord e;
    EcgMapOptions o = ECG_MAP_DEFAULTS;
    if (wfdb_to_ecg(&r, &o, &e) == 0) {
        printf("12-lead record: %g Hz, %d samples; leads present:", e.rate_hz, e.n_samples);
        int n = 0;
        for (int l = 0; l < N_LEADS; l++)
            if (e.lead_available >> l & 1) printf(" %s", LEAD_NAMES[l]), n++;
        printf(" (%d of 12)\n", n);
        record_free(&e);
    } else {
        printf("12-lead record: none (%s)\n", scar_last_error());
    }
    if (h->comments && h->comments[0]) {
        printf("comments:\n");
        for (const char *c = h->comments; *c;) {
            const char *nl = strchr(c, '\n');
            int len = nl ? (int)(nl - c) : (int)strlen(c);
            printf("  %.*s\n", len, c);
            c += len + (nl ? 1 : 0);
        }
    }
    char msg[512];
    wfdb_record_check_message(&r, msg, sizeof msg);
    if (mismatches) printf("checks: %d MISMATCH%s: the data do not match the header; first: %s\n", mismatches,
                           mismatches > 1 ? "ES" : "", msg);
    else printf("checks: every checksum and initial value in the header matches the data\n");
    wfdb_record_free(&r);
    if (mismatches) {
        fprintf(stderr, "scar info: %s: %s\n", path, msg);
        return 1;
    }
    return 0;
}

static void print_labels(const LabelSchema *s, int k, const LabelBits *b) {
    int first = 1;
    for (int c = 0; c < s->n_classes[k]; c++)
        if (label_has(b, c)) printf("%s%s", first ? "" : ",", s->class_name[k][c]), first = 0;
    if (first) printf("-");
}

static int info_pack(const char *path, int list) {
    Pack *p = pack_open(path);
    if (!p) return cli_report_error("info");
    struct stat st;
    stat(path, &st);
    int n = pack_count(p), T = pack_samples(p);
    const LabelSchema *s = pack_schema(p);
    printf("pack: %s (format %d, %.1f MB)\n", path, SCAR_PACK_FORMAT_VERSION, (double)st.st_size / 1e6);
    printf("source: %s\n", pack_source(p));
    printf("records: %d at %g Hz, %d samples (%.2f s) each\n", n, pack_rate(p), T, T / pack_rate(p));
    printf("splits: train %d, validation %d, test %d, none %d\n", pack_split_indices(p, SPLIT_TRAIN, NULL),
           pack_split_indices(p, SPLIT_VAL, NULL), pack_split_indices(p, SPLIT_TEST, NULL),
           pack_split_indices(p, SPLIT_NONE, NULL));
    long lead_count[N_LEADS] = {0}, ages = 0, sexes[3] = {0}, nonempty = 0, longest = 0, evidence = 0;
    double age_sum = 0, text_sum = 0;
    long (*counts)[SCAR_MAX_CLASSES] = calloc(SCAR_MAX_LABELSETS, sizeof *counts);
    for (int i = 0; i < n; i++) {
        EcgRecord v;
        pack_get(p, i, &v);
        for (int l = 0; l < N_LEADS; l++) lead_count[l] += v.lead_available >> l & 1;
        if (v.age >= 0) ages++, age_sum += v.age;
        sexes[v.sex + 1]++;
        long len = (long)strlen(v.report);
        nonempty += len > 0;
        text_sum += (double)len;
        if (len > longest) longest = len;
        evidence += v.n_evidence;
        for (int k = 0; k < s->n_sets; k++)
            for (int c = 0; c < s->n_classes[k]; c++) counts[k][c] += label_has(&v.labels[k], c);
    }
    printf("leads available:");
    for (int l = 0; l < N_LEADS; l++) printf(" %s %ld", LEAD_NAMES[l], lead_count[l]);
    printf("\n");
    for (int k = 0; k < s->n_sets; k++) {
        printf("label set %s (%d classes):", s->set_name[k], s->n_classes[k]);
        for (int c = 0; c < s->n_classes[k]; c++) printf(" %s %ld", s->class_name[k][c], counts[k][c]);
        printf("\n");
    }
    if (!s->n_sets) printf("label sets: none\n");
    printf("reports: %ld of %d non-empty; mean %.1f bytes, longest %ld\n", nonempty, n, n ? text_sum / n : 0.0, longest);
    printf("age: known for %ld (mean %.1f); sex: %ld male, %ld female, %ld unknown\n", ages, ages ? age_sum / ages : 0.0,
           sexes[1], sexes[2], sexes[0]);
    printf("evidence spans: %ld\n", evidence);
    for (int i = 0; i < n && i < list; i++) {
        EcgRecord v;
        pack_get(p, i, &v);
        static const char *const split_name[] = {"none", "train", "val", "test"};
        printf("  [%d] %s  %s  age %d  ", i, v.id, split_name[v.split + 1], v.age);
        for (int k = 0; k < s->n_sets; k++) {
            printf("%s=", s->set_name[k]);
            print_labels(s, k, &v.labels[k]);
            printf("  ");
        }
        printf("\"%s\"\n", v.report);
    }
    free(counts);
    pack_close(p);
    return 0;
}

static int is_pack(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char magic[8];
    int yes = fread(magic, 1, 8, f) == 8 && !memcmp(magic, "SCARPACK", 8);
    fclose(f);
    return yes;
}

int cmd_info(int argc, char **argv) {
    const char *path = NULL;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--list")) {
            if (opt_int("info", "--list", i + 1 < argc ? argv[i + 1] : NULL, 0, 2000000000, &list)) return 2;
            i++;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "scar info: unknown option '%s'\n(scar info --help for the options)\n", argv[i]);
            return 2;
        } else if (path) {
            fprintf(stderr, "scar info: one file or record at a time\n");
            return 2;
        } else {
            path = argv[i];
        }
    }
    if (!path) {
        fprintf(stderr, "scar info: which file or record?\n(scar info --help for the options)\n");
        return 2;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        size_t n = strlen(path);
        if (is_pack(path)) return info_pack(path, list);
        if (!(n > 4 && !strcmp(path + n - 4, ".hea"))) {
            fprintf(stderr, "scar info: %s: neither a pack nor a WFDB header (.hea)\n", path);
            return 1;
        }
    }
    return info_record(path);
}
