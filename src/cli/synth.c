/* scar synth: the synthetic ECG-report corpus (data/synth/) into a pack or a PTB-XL-shaped folder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/progress.h"
#include "core/error.h"
#include "data/synth/corpus.h"
#include "data/synth/statements.h"
#include "data/synth/synth.h"

static void usage(FILE *f) {
    SynthConfig d;
    synth_config_default(&d);
    fprintf(f,
            "usage: scar synth -n N -o FILE [options]                 a pack\n"
            "       scar synth -n N --layout ptbxl -o DIR [options]   a PTB-XL-shaped folder\n"
            "\n"
            "Generate N synthetic 12-lead ECGs with reports, labels and evidence maps. Each record comes\n"
            "from a 3-D cardiac dipole (Gaussian waves per beat, projected with the Dower matrix; III,\n"
            "aVR, aVL, aVF derived), with heart-rate variability, recording noise and diagnoses made by\n"
            "changing the mechanism (scar synth --list for them). Record i depends only on the options\n"
            "and i: the same seed gives the same bytes on any number of threads. The output appears\n"
            "only when complete. Exit status: 0 written, 1 not written, 2 bad options.\n"
            "\n"
            "  -n, --records N      how many records (required)\n"
            "  -o, --output PATH    the pack file, or the folder for --layout ptbxl (new or empty)\n"
            "  --layout pack|ptbxl  pack (default): one pack file at --rate;\n"
            "                       ptbxl: records100/ (100 Hz) and records500/ (500 Hz) WFDB records,\n"
            "                       ptbxl_database.csv and scp_statements.csv, as PTB-XL lays them out\n"
            "  --seed S             corpus seed (default %llu)\n"
            "  --split-seeds A,B,C  draw the train, validation and test records from three seeds instead\n"
            "                       (record i: fold 1 + i %% 10; folds 1-8 train, 9 validation, 10 test)\n"
            "  --rate HZ            sampling rate of a pack, 50-2000 (default %g)\n"
            "  --seconds S          record length, 2-600 (default %g)\n"
            "\n"
            "what is drawn:\n"
            "  --normal F           fraction of records with no condition: normal ECG, sinus rhythm\n"
            "                       (default %g)\n"
            "  --cooccurrence P     chance that an abnormal record takes one more compatible condition,\n"
            "                       repeatedly, up to 4 (default %g; 0 = one condition per record)\n"
            "  --prior CODE=W[,CODE=W...]\n"
            "                       relative frequency of conditions among abnormal records; 0 removes one\n"
            "                       (repeatable; codes and defaults: scar synth --list)\n"
            "  --language en|de     report language (default en)\n"
            "\n"
            "noise (amplitudes in mV; each record draws its own level around them):\n"
            "  --noise S            scale of every kind of noise, 0 = clean signals (default %g)\n"
            "  --noise-baseline MV  baseline wander (default %g)\n"
            "  --noise-mains MV     mains hum (default %g)\n"
            "  --noise-muscle MV    muscle noise (default %g)\n"
            "  --noise-motion MV    electrode motion artefacts, in some records (default %g)\n"
            "  --mains HZ           mains frequency, 50 or 60 (default %g)\n"
            "\n"
            "  --threads N          worker threads (default: all cores)\n"
            "  --list               print the conditions, their statements and label classes, and exit\n"
            "  -q, --quiet          no progress display\n"
            "  -h, --help           this text\n",
            (unsigned long long)d.seed, (double)d.rate_hz, (double)d.duration_s, (double)d.priors.normal_fraction,
            (double)d.priors.cooccurrence, (double)d.noise_scale, (double)d.noise_mv[NOISE_BASELINE],
            (double)d.noise_mv[NOISE_MAINS], (double)d.noise_mv[NOISE_MUSCLE], (double)d.noise_mv[NOISE_MOTION],
            (double)d.mains_hz);
}

static const char *const SET_LABEL[N_SYNTH_LABELSETS] = {"super", "sub", "form", "rhythm"};

static void list_conditions(void) {
    LabelSchema s;
    synth_label_schema(&s);
    printf("conditions (--prior CODE=W; W is the relative frequency among abnormal records):\n\n");
    printf("  %-6s %-7s %s\n", "code", "weight", "statement and label classes");
    for (int c = 0; c < N_CONDITIONS; c++) {
        ScpId st = CONDITIONS[c].statement;
        printf("  %-6s %-7g %s", CONDITIONS[c].code, (double)CONDITIONS[c].weight, SCP_STATEMENTS[st].description);
        for (int set = 0; set < N_SYNTH_LABELSETS; set++) {
            int k = scp_class_in_set(st, set);
            if (k >= 0) printf("  %s:%s", SET_LABEL[set], s.class_name[set][k]);
        }
        printf("\n");
    }
    printf("\nlabel sets:\n");
    for (int set = 0; set < s.n_sets; set++) {
        printf("  %-7s", s.set_name[set]);
        for (int k = 0; k < s.n_classes[set]; k++) printf(" %s", s.class_name[set][k]);
        printf("\n");
    }
    printf("\nA record with no diagnostic statement in sinus rhythm is NORM (also with a slow or fast\n"
           "sinus rate or PVCs, as in PTB-XL); atrial fibrillation alone has no super class.\n");
}

static int usage_error(const char *fmt, const char *arg) {
    fprintf(stderr, "scar synth: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(scar synth --help for the options)\n");
    return 2;
}

/* --prior CODE=W[,CODE=W...] into the weights. */
static int parse_priors(const char *s, ConditionPriors *p) {
    char *copy = xstrdup(s), *save = NULL;
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq) {
            rc = usage_error("--prior takes CODE=WEIGHT items, not '%s'", item);
            break;
        }
        *eq = 0;
        int c = condition_from_code(item);
        if (c < 0) {
            rc = usage_error("--prior: '%s' is not a condition code (scar synth --list shows them)", item);
            break;
        }
        double w;
        if (opt_double("synth", "--prior", eq + 1, 0, 1e5, &w)) rc = 2;
        else p->weight[c] = (float)w;
    }
    free(copy);
    return rc;
}

static void on_progress(void *ctx, long done, long total) {
    Progress *p = ctx;
    p->total = total;
    progress_update(p, done, NULL);
}

static int is_value_option(const char *a) {
    static const char *const with_value[] = {"-n", "--records", "-o", "--output", "--layout", "--seed", "--split-seeds", "--rate",
                                             "--seconds", "--normal", "--cooccurrence", "--prior", "--language",
                                             "--noise", "--noise-baseline", "--noise-mains", "--noise-muscle",
                                             "--noise-motion", "--mains", "--threads", NULL};
    for (int k = 0; with_value[k]; k++)
        if (!strcmp(a, with_value[k])) return 1;
    return 0;
}

int cmd_synth(int argc, char **argv) {
    SynthConfig c;
    synth_config_default(&c);
    const char *out = NULL;
    int n = -1, threads = 0, quiet = 0, ptbxl = 0, rate_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        double x;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list")) {
            list_conditions();
            return 0;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
            takes = 0;
        } else if (!is_value_option(a)) {
            return usage_error(a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
        } else if (!v) {
            return usage_error("%s needs a value", a);
        } else if (!strcmp(a, "-n") || !strcmp(a, "--records")) {
            if (opt_int("synth", a, v, 0, 99999999, &n)) return 2;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            out = v;
        } else if (!strcmp(a, "--layout")) {
            if (!strcmp(v, "ptbxl")) ptbxl = 1;
            else if (!strcmp(v, "pack")) ptbxl = 0;
            else return usage_error("--layout is pack or ptbxl, not '%s'", v);
        } else if (!strcmp(a, "--seed")) {
            char *end;
            unsigned long long s = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-') return usage_error("--seed needs a whole number >= 0, not '%s'", v);
            c.seed = s;
        } else if (!strcmp(a, "--split-seeds")) {
            unsigned long long t[3];
            char tail;
            if (sscanf(v, "%llu,%llu,%llu%c", &t[0], &t[1], &t[2], &tail) != 3 || strchr(v, '-'))
                return usage_error("--split-seeds needs three whole numbers TRAIN,VAL,TEST, not '%s'", v);
            c.split_seeds = 1;
            for (int k = 0; k < 3; k++) c.split_seed[k] = t[k];
        } else if (!strcmp(a, "--rate")) {
            if (opt_double("synth", a, v, 50, 2000, &x)) return 2;
            c.rate_hz = (float)x;
            rate_given = 1;
        } else if (!strcmp(a, "--seconds")) {
            if (opt_double("synth", a, v, 2, 600, &x)) return 2;
            c.duration_s = (float)x;
        } else if (!strcmp(a, "--normal")) {
            if (opt_double("synth", a, v, 0, 1, &x)) return 2;
            c.priors.normal_fraction = (float)x;
        } else if (!strcmp(a, "--cooccurrence")) {
            if (opt_double("synth", a, v, 0, 1, &x)) return 2;
            c.priors.cooccurrence = (float)x;
        } else if (!strcmp(a, "--prior")) {
            int rc = parse_priors(v, &c.priors);
            if (rc) return rc;
        } else if (!strcmp(a, "--language")) {
            if (!strcmp(v, "en")) c.language = SYNTH_LANG_EN;
            else if (!strcmp(v, "de")) c.language = SYNTH_LANG_DE;
            else return usage_error("--language is en or de, not '%s'", v);
        } else if (!strcmp(a, "--noise")) {
            if (opt_double("synth", a, v, 0, 100, &x)) return 2;
            c.noise_scale = (float)x;
        } else if (!strcmp(a, "--noise-baseline") || !strcmp(a, "--noise-mains") || !strcmp(a, "--noise-muscle") ||
                   !strcmp(a, "--noise-motion")) {
            if (opt_double("synth", a, v, 0, 10, &x)) return 2;
            int kind = !strcmp(a, "--noise-baseline") ? NOISE_BASELINE
                       : !strcmp(a, "--noise-mains")  ? NOISE_MAINS
                       : !strcmp(a, "--noise-muscle") ? NOISE_MUSCLE
                                                      : NOISE_MOTION;
            c.noise_mv[kind] = (float)x;
        } else if (!strcmp(a, "--mains")) {
            if (opt_double("synth", a, v, 50, 60, &x)) return 2;
            if (x != 50 && x != 60) return usage_error("--mains is 50 or 60, not '%s'", v);
            c.mains_hz = (float)x;
        } else if (!strcmp(a, "--threads")) {
            if (opt_int("synth", a, v, 1, 1024, &threads)) return 2;
        }
        i += takes;
    }
    if (n < 0) return usage_error("%s", "-n N is required (how many records)");
    if (!out) return usage_error("%s", "-o PATH is required");
    if (ptbxl && rate_given)
        return usage_error("%s", "--rate does not apply to --layout ptbxl (its records are 100 Hz and 500 Hz)");
    if (synth_config_check(&c) != 0) {
        fprintf(stderr, "scar synth: %s\n", scar_last_error());
        return 2;
    }

    Progress prog;
    progress_begin(&prog, "synth", "records", n, quiet ? 0 : -1);
    double t0 = now_seconds();
    int rc = ptbxl ? synth_write_ptbxl(&c, n, out, threads, on_progress, &prog)
                   : synth_write_pack(&c, n, out, threads, on_progress, &prog);
    progress_clear(&prog);
    if (rc != 0) return cli_report_error("synth");
    double el = now_seconds() - t0;
    printf("scar synth: %d records (seed %llu) written to %s in %.1f s, %.0f records/s\n", n,
           (unsigned long long)c.seed, out, el, el > 0 ? n / el : 0.0);
    return 0;
}
