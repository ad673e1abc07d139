/* scar pack: a dataset folder -> one pack file (data/pack_build.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/pack.h"
#include "data/pack_build.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar pack --from KIND SRC -o FILE [options]\n"
            "\n"
            "Read every record of a dataset, preprocess it and write all of them into one pack file\n"
            "(format version %d) that training memory-maps. Records that cannot be read are skipped with\n"
            "a warning naming them; the pack is written to a temporary file and renamed into place\n"
            "only when complete. Exit status: 0 when the pack was written, 1 when it was not, 2 for\n"
            "bad options.\n"
            "\n"
            "  --from KIND          ptbxl   PTB-XL (ptbxl_database.csv, scp_statements.csv, records100/500)\n"
            "                       cinc    PhysioNet/CinC Challenge 2020/2021 layout (.hea + .mat, # Dx:)\n"
            "                       ludb    LUDB (diagnoses in the header comments)\n"
            "                       mimic   MIMIC-IV-ECG (record_list.csv, machine_measurements.csv)\n"
            "                       wfdb    any WFDB records: a folder (searched recursively) or one record\n"
            "  SRC                  the dataset folder (wfdb: or one record)\n"
            "  -o, --output FILE    the pack to write\n"
            "\n"
            "preprocessing (every record of a pack has the same rate and length):\n"
            "  --rate HZ            target sampling rate (default 100)\n"
            "  --seconds S          length: longer records are cropped, shorter ones padded with samples\n"
            "                       marked not valid (default 10)\n"
            "  --crop start|center  the part of a longer record to keep (default start)\n"
            "  --highpass HZ        baseline removal (zero-phase Butterworth), 0 = off (default 0.5)\n"
            "  --lowpass HZ         low-pass cut-off, 0 = off (default 0; resampling already removes what\n"
            "                       the target rate cannot hold)\n"
            "  --notch HZ           remove mains hum at 50 or 60 Hz, 0 = off (default 0)\n"
            "  --normalize MODE     none (millivolts) or zscore (per lead) (default none)\n"
            "  --flat-seconds S     a run of one value this long is marked not valid, 0 = off (default 1)\n"
            "\n"
            "dataset:\n"
            "  --csv FILE           ptbxl: the database CSV (default SRC/ptbxl_database.csv); the 100 Hz\n"
            "                       files are read for --rate 100 or less, the 500 Hz ones otherwise (each\n"
            "                       falling back to the other when missing)\n"
            "  --statements FILE    ptbxl: scp_statements.csv (default SRC/scp_statements.csv)\n"
            "  --dx-map FILE        cinc: code-to-name CSV for report text (default SRC/*dx_mapping*.csv)\n"
            "  --accept-checksum-mismatch\n"
            "                       keep records whose samples disagree with their header's checksums or\n"
            "                       initial values (each is still named in a warning); default: skip them\n"
            "  --limit N            pack only the first N records\n"
            "  --threads N          worker threads (default: all cores)\n"
            "  -q, --quiet          no progress display and no per-record warnings\n"
            "  -h, --help           this text\n",
            SCAR_PACK_FORMAT_VERSION);
}

typedef struct {
    Progress *progress;
    int quiet;
} WarnCtx;

static void on_warning(void *ctx, const char *msg) {
    WarnCtx *w = ctx;
    if (w->quiet) return;
    progress_clear(w->progress);
    fprintf(stderr, "scar pack: %s\n", msg);
}

static void on_progress(void *ctx, int done, int total) { progress_update(ctx, done, total); }

static int is_value_option(const char *a) {
    static const char *const with_value[] = {"--from", "-o", "--output", "--rate", "--seconds", "--highpass",
                                             "--lowpass", "--notch", "--flat-seconds", "--crop", "--normalize",
                                             "--normalise", "--csv", "--statements", "--dx-map", "--limit",
                                             "--threads", NULL};
    for (int k = 0; with_value[k]; k++)
        if (!strcmp(a, with_value[k])) return 1;
    return 0;
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "scar pack: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(scar pack --help for the options)\n");
    return 2;
}

int cmd_pack(int argc, char **argv) {
    const char *kind = NULL, *src = NULL, *out = NULL, *csv = NULL, *statements = NULL, *dx_map = NULL;
    double rate = 100, seconds = 10, highpass = 0.5, lowpass = 0, notch = 0, flat = 1;
    int crop = CROP_START, normalize = NORMALIZE_NONE, limit = 0, threads = 0, quiet = 0, accept = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
            takes = 0;
        } else if (!strcmp(a, "--accept-checksum-mismatch")) {
            accept = 1;
            takes = 0;
        } else if (!v && a[0] == '-' && a[1] && is_value_option(a)) {
            return usage_error("%s needs a value", a);
        } else if (!strcmp(a, "--from")) {
            kind = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            out = v;
        } else if (!strcmp(a, "--rate")) {
            if (opt_double("pack", a, v, 1, 100000, &rate)) return 2;
        } else if (!strcmp(a, "--seconds")) {
            if (opt_double("pack", a, v, 0.01, 86400, &seconds)) return 2;
        } else if (!strcmp(a, "--highpass")) {
            if (opt_double("pack", a, v, 0, 100000, &highpass)) return 2;
        } else if (!strcmp(a, "--lowpass")) {
            if (opt_double("pack", a, v, 0, 100000, &lowpass)) return 2;
        } else if (!strcmp(a, "--notch")) {
            if (opt_double("pack", a, v, 0, 100000, &notch)) return 2;
        } else if (!strcmp(a, "--flat-seconds")) {
            if (opt_double("pack", a, v, 0, 86400, &flat)) return 2;
        } else if (!strcmp(a, "--crop")) {
            if (!strcmp(v, "start")) crop = CROP_START;
            else if (!strcmp(v, "center") || !strcmp(v, "centre")) crop = CROP_CENTER;
            else return usage_error("--crop is start or center, not '%s'", v);
        } else if (!strcmp(a, "--normalize") || !strcmp(a, "--normalise")) {
            if (!strcmp(v, "none")) normalize = NORMALIZE_NONE;
            else if (!strcmp(v, "zscore")) normalize = NORMALIZE_ZSCORE;
            else return usage_error("--normalize is none or zscore, not '%s'", v);
        } else if (!strcmp(a, "--csv")) {
            csv = v;
        } else if (!strcmp(a, "--statements")) {
            statements = v;
        } else if (!strcmp(a, "--dx-map")) {
            dx_map = v;
        } else if (!strcmp(a, "--limit")) {
            if (opt_int("pack", a, v, 1, 2000000000, &limit)) return 2;
        } else if (!strcmp(a, "--threads")) {
            if (opt_int("pack", a, v, 1, 1024, &threads)) return 2;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else {
            if (src) return usage_error("one dataset at a time (a second one: '%s')", a);
            src = a;
            takes = 0;
        }
        i += takes;
    }
    if (!kind) return usage_error("%s", "--from KIND is required (ptbxl, cinc, ludb, mimic or wfdb)");
    if (strcmp(kind, "ptbxl") && strcmp(kind, "cinc") && strcmp(kind, "ludb") && strcmp(kind, "mimic") &&
        strcmp(kind, "wfdb"))
        return usage_error("--from is one of ptbxl, cinc, ludb, mimic, wfdb; not '%s'", kind);
    if (!src) return usage_error("%s", "which dataset? (the SRC folder is missing)");
    if (!out) return usage_error("%s", "-o FILE is required");
    double n_samples = rate * seconds;
    if (n_samples < 1 || n_samples > (1 << 26) || fabs(n_samples - floor(n_samples + 0.5)) > 1e-6)
        return usage_error("--rate times --seconds must be a whole number of samples (%s)", "e.g. 100 Hz x 10 s");

    PreprocessOptions pp = {.rate_hz = (float)rate, .n_samples = (int)floor(n_samples + 0.5),
                            .highpass_hz = (float)highpass, .lowpass_hz = (float)lowpass, .notch_hz = (float)notch,
                            .normalize = normalize, .crop = crop};
    Preprocessor *check = preprocessor_new(&pp); /* option errors before the dataset is read */
    if (!check) {
        fprintf(stderr, "scar pack: %s\n", scar_last_error());
        return 2;
    }
    preprocessor_free(check);

    DatasetOptions dopt = {.csv = csv, .statements = statements, .prefer_rate = (float)rate, .dx_map = dx_map,
                           .accept_checksum_mismatch = accept, .map = ECG_MAP_DEFAULTS};
    dopt.map.flat_seconds = flat;
    double t0 = progress_now();
    Dataset *d = dataset_open(kind, src, &dopt);
    if (!d) return cli_report_error("pack");

    char desc[256], source[4096 + 300];
    preprocess_describe(&pp, desc, sizeof desc);
    snprintf(source, sizeof source, "%s:%s | %s", kind, src, desc);
    Progress prog;
    progress_start(&prog, "packing", !quiet);
    WarnCtx wc = {&prog, quiet};
    PackBuildOptions bo = {.threads = threads, .limit = limit, .progress = on_progress, .progress_ctx = &prog,
                           .warn = on_warning, .warn_ctx = &wc};
    PackBuildStats st;
    int rc = pack_build(d, &pp, source, &bo, out, &st);
    progress_clear(&prog);
    dataset_close(d);
    if (rc != 0) return cli_report_error("pack");
    double el = progress_now() - t0;
    printf("scar pack: %d of %d records packed into %s (%d skipped, %d with warnings) in %.1f s, %.0f records/s\n",
           st.packed, st.total, out, st.skipped, st.warnings, el, el > 0 ? st.total / el : 0.0);
    return 0;
}
