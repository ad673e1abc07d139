/* scar synth-compare: the synthetic normals against the real normal ECGs of the fixtures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "data/synth/realism.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar synth-compare [--fixtures DIR] [-o TABLE.md] [--svg FIGURE.svg] [options]\n"
            "\n"
            "Measure the real normal ECGs among the fixtures (PTB-XL records whose super class is NORM,\n"
            "Challenge records whose only scored label is sinus rhythm) and N synthetic normals with the\n"
            "same delineator and spectrum: per-lead R and T amplitudes, QRS, PR, QTc, axis, rate and the\n"
            "share of signal power in 0.5-5, 5-15 and 15-40 Hz. Writes a Markdown table of the real\n"
            "range against the synthetic 5-95%% spread, and optionally a figure. Exit status: 0 written,\n"
            "1 failed (no fixtures, unreadable records), 2 bad options.\n"
            "\n"
            "  --fixtures DIR   the fixtures folder (default $SCAR_FIXTURES, else ../shared/ecg-fixtures)\n"
            "  -n N             synthetic normals to measure (default 300)\n"
            "  --seed S         their seed (default 1)\n"
            "  --rate HZ        their sampling rate (default 500, the real records' own)\n"
            "  -o FILE          the table (default: standard output)\n"
            "  --svg FILE       the figure: R and T amplitudes per lead\n"
            "  --threads N      worker threads (default: all cores)\n"
            "  -h, --help       this text\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "scar synth-compare: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(scar synth-compare --help for the options)\n");
    return 2;
}

int cmd_synth_compare(int argc, char **argv) {
    const char *fixtures = getenv("SCAR_FIXTURES"), *out = NULL, *svg = NULL;
    if (!fixtures || !*fixtures) fixtures = "../shared/ecg-fixtures";
    int n = 300, threads = 0;
    double rate = 500;
    SynthConfig c;
    synth_config_default(&c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--fixtures") && strcmp(a, "-n") && strcmp(a, "--seed") && strcmp(a, "--rate") &&
            strcmp(a, "-o") && strcmp(a, "--svg") && strcmp(a, "--threads"))
            return usage_error(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
        if (!v) return usage_error("%s needs a value", a);
        if (!strcmp(a, "--fixtures")) fixtures = v;
        else if (!strcmp(a, "-n")) {
            if (opt_int("synth-compare", a, v, 10, 100000, &n)) return 2;
        } else if (!strcmp(a, "--seed")) {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-') return usage_error("--seed needs a whole number >= 0, not '%s'", v);
            c.seed = s;
        } else if (!strcmp(a, "--rate")) {
            if (opt_double("synth-compare", a, v, 100, 2000, &rate)) return 2;
        } else if (!strcmp(a, "-o")) out = v;
        else if (!strcmp(a, "--svg")) svg = v;
        else if (!strcmp(a, "--threads")) {
            if (opt_int("synth-compare", a, v, 1, 1024, &threads)) return 2;
        }
        i++;
    }
    c.rate_hz = (float)rate;
#ifdef _OPENMP
    if (threads > 0) omp_set_num_threads(threads);
#endif
    EcgRecord *real = NULL;
    char names[16][96];
    int n_real = realism_real_normals(fixtures, &real, names);
    if (n_real < 0) return cli_report_error("synth-compare");
    RealismReport *rep = malloc(sizeof *rep);
    int rc = realism_compare(real, n_real, names, &c, n, rep);
    for (int i = 0; i < n_real; i++) record_free(&real[i]);
    free(real);
    if (rc != 0) {
        free(rep);
        return cli_report_error("synth-compare");
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (!f) {
        free(rep);
        fprintf(stderr, "scar synth-compare: %s: cannot create\n", out);
        return 1;
    }
    realism_write_markdown(rep, f);
    if (out && fclose(f) != 0) {
        free(rep);
        fprintf(stderr, "scar synth-compare: %s: write error\n", out);
        return 1;
    }
    if (svg && realism_write_svg(rep, svg) != 0) {
        free(rep);
        return cli_report_error("synth-compare");
    }
    free(rep);
    return 0;
}
