/* scar bench data: how fast `scar pack` turns 500 Hz, 10 s, 12-lead WFDB records into a 100 Hz
 * pack (reading, checksum verification, mapping, anti-aliased resampling and baseline removal
 * included), and how long drawing a shuffled batch of 256 records from the pack takes. The input
 * records are generated here, in a temporary folder, and removed afterwards. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "core/error.h"
#include "core/rng.h"
#include "data/dataset.h"
#include "data/pack.h"
#include "data/pack_build.h"
#include "data/wfdb_write.h"

#define TARGET_RECORDS_PER_S 1000.0
#define TARGET_BATCH_MS 5.0
#define BATCH 256

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar bench data [--records N] [--threads N] [--draws N]\n"
            "\n"
            "Writes N synthetic 12-lead WFDB records (500 Hz, 10 s, format 16) to a temporary folder, packs\n"
            "them as `scar pack --from wfdb --rate 100 --seconds 10` would (default preprocessing), and\n"
            "reports records per second (target: at least %.0f on 2 cores); then draws shuffled batches of\n"
            "%d records from the pack and reports the time per batch (target: under %.0f ms).\n"
            "\n"
            "  --records N   records to generate and pack (default 2000)\n"
            "  --threads N   threads for packing (default: all cores)\n"
            "  --draws N     batches to time (default 200)\n",
            TARGET_RECORDS_PER_S, BATCH, TARGET_BATCH_MS);
}

/* A plausible ECG per lead: a beat of Gaussian waves every 0.8 s plus wander and noise. */
static void synth_record(EcgRecord *r, int i) {
    record_init(r, 500, 5000);
    snprintf(r->id, sizeof r->id, "b%05d", i);
    Rng g;
    rng_seed(&g, 2024, (uint64_t)i);
    r->lead_available = ALL_LEADS_MASK;
    for (int l = 0; l < N_LEADS; l++) {
        double gain = 0.5 + 0.1 * l, phase = rng_uniform_f64(&g);
        for (int k = 0; k < 5000; k++) {
            double t = k / 500.0, b = fmod(t + phase, 0.8);
            double v = gain * (exp(-pow((b - 0.30) / 0.012, 2)) - 0.2 * exp(-pow((b - 0.33) / 0.01, 2)) +
                               0.15 * exp(-pow((b - 0.15) / 0.03, 2)) + 0.3 * exp(-pow((b - 0.55) / 0.05, 2)));
            v += 0.2 * sin(2 * M_PI * 0.2 * t + l) + 0.01 * rng_normal(&g);
            r->signal[l * 5000 + k] = (float)v;
            r->valid[l * 5000 + k] = 1;
        }
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void quiet_warn(void *ctx, const char *msg) {
    int *n = ctx;
    if ((*n)++ < 3) fprintf(stderr, "scar bench data: %s\n", msg);
}

int bench_data(int argc, char **argv) {
    int n = 2000, threads = 0, draws = 200;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--records")) {
            if (opt_int("bench data", argv[i], v, BATCH, 1000000, &n)) return 2;
            i++;
        } else if (!strcmp(argv[i], "--threads")) {
            if (opt_int("bench data", argv[i], v, 1, 1024, &threads)) return 2;
            i++;
        } else if (!strcmp(argv[i], "--draws")) {
            if (opt_int("bench data", argv[i], v, 1, 1000000, &draws)) return 2;
            i++;
        } else {
            fprintf(stderr, "scar bench data: unknown option '%s'\n(scar bench data --help for the options)\n", argv[i]);
            return 2;
        }
    }
#ifdef _OPENMP
    int used = threads > 0 ? threads : omp_get_max_threads();
#else
    int used = 1;
#endif
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/scar-bench-data-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "scar bench data: cannot create a temporary folder in %s\n", base && *base ? base : "/tmp");
        return 1;
    }
    printf("scar bench data: %d synthetic 12-lead WFDB records (500 Hz, 10 s, format 16) in %s\n", n, dir);
    int failed = 0;
#pragma omp parallel for schedule(dynamic, 16) reduction(| : failed)
    for (int i = 0; i < n; i++) {
        EcgRecord r;
        synth_record(&r, i);
        char name[32];
        snprintf(name, sizeof name, "b%05d", i);
        if (wfdb_write_ecg(dir, name, &r, 16, 1000) != 0) failed = 1;
        record_free(&r);
    }
    char pack_path[4200];
    snprintf(pack_path, sizeof pack_path, "%s/bench.pack", dir);
    int rc = 1;
    if (failed) {
        fprintf(stderr, "scar bench data: writing the input records failed: %s\n", scar_last_error());
        goto cleanup;
    }

    /* 1: packing, as `scar pack --from wfdb DIR --rate 100 --seconds 10` does it */
    PreprocessOptions pp = {.rate_hz = 100, .n_samples = 1000, .highpass_hz = 0.5f};
    double t0 = progress_now();
    Dataset *d = dataset_open("wfdb", dir, NULL);
    if (!d) {
        fprintf(stderr, "scar bench data: %s\n", scar_last_error());
        goto cleanup;
    }
    int warned = 0;
    PackBuildOptions bo = {.threads = threads, .warn = quiet_warn, .warn_ctx = &warned};
    PackBuildStats st;
    int ok = pack_build(d, &pp, "bench", &bo, pack_path, &st) == 0;
    double el = progress_now() - t0;
    dataset_close(d);
    if (!ok || st.packed != n) {
        fprintf(stderr, "scar bench data: packing failed: %s\n", ok ? "records were skipped" : scar_last_error());
        goto cleanup;
    }
    double rps = n / el;
    printf("  pack:  %d records in %.2f s = %.0f records/s with %d thread%s (500 -> 100 Hz, 0.5 Hz high-pass)\n", n,
           el, rps, used, used == 1 ? "" : "s");
    printf("         target: at least %.0f records/s on 2 cores: %s\n", TARGET_RECORDS_PER_S,
           used > 2 ? (rps / used * 2 >= TARGET_RECORDS_PER_S ? "met (scaled to 2 threads)" : "MISSED (scaled to 2 threads)")
                    : rps >= TARGET_RECORDS_PER_S ? "met" : "MISSED");

    /* 2: shuffled batches from the pack */
    Pack *p = pack_open(pack_path);
    if (!p) {
        fprintf(stderr, "scar bench data: %s\n", scar_last_error());
        goto cleanup;
    }
    size_t per = (size_t)N_LEADS * (size_t)pack_samples(p);
    float *sig = malloc(BATCH * per * sizeof *sig);
    uint8_t *val = malloc(BATCH * per);
    memset(sig, 0, BATCH * per * sizeof *sig); /* a training loop reuses its batch buffers */
    memset(val, 0, BATCH * per);
    int *all = malloc((size_t)n * sizeof *all), idx[BATCH];
    for (int i = 0; i < n; i++) all[i] = i;
    PackSampler sm;
    pack_sampler_init(&sm, all, n, 7);
    double *ms = malloc((size_t)draws * sizeof *ms), first = 0;
    for (int k = -1; k < draws; k++) {
        double b0 = progress_now();
        pack_sampler_next(&sm, BATCH, idx);
        pack_batch(p, idx, BATCH, sig, val, NULL);
        double t = (progress_now() - b0) * 1e3;
        if (k < 0) first = t; /* the first after opening also maps the pack's pages in */
        else ms[k] = t;
    }
    qsort(ms, (size_t)draws, sizeof *ms, cmp_double);
    double median = ms[draws / 2], worst = ms[draws - 1];
    printf("  batch: %d shuffled records (%zu floats + mask each, %.1f MB): median %.2f ms, worst %.2f ms over %d draws;\n"
           "         the first draw after opening the pack (page faults): %.2f ms\n", BATCH, per, BATCH * per * 5 / 1e6,
           median, worst, draws, first);
    printf("         target: under %.0f ms: %s\n", TARGET_BATCH_MS, median < TARGET_BATCH_MS ? "met" : "MISSED");
    pack_sampler_free(&sm);
    free(ms);
    free(all);
    free(sig);
    free(val);
    pack_close(p);
    rc = 0;
cleanup:;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "scar bench data: could not remove %s\n", dir);
    return rc;
}
