/* scar robustness: zero-shot AUROC, CMRS and embedding cosine of a model under many missingness
 * protocols (and a linear probe's, with --probe), printed as a table and written as JSON. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/parallel.h"
#include "eval/robustness.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar robustness --model M --data PACK [options]\n\n"
            "Evaluate a model on the test split clean and under missingness protocols: zero-shot macro\n"
            "AUROC with 95%% bootstrap intervals, CMRS (the fraction of the right clean diagnostic\n"
            "decisions that stay right, README) and the mean cosine between clean and counterfactual\n"
            "embeddings; per class in the JSON.\n\n"
            "  --model M            a checkpoint from scar pretrain\n"
            "  --data PACK          a pack with train/validation/test splits and labels\n"
            "  --protocol P         a protocol (repeatable); default: leadset=6,4,3,2,1, the lead x time\n"
            "                       grid drop_leads=0..0.75 x drop_time=0..0.5, and evidence=primary\n"
            "  --grid G             add a grid, e.g. 'drop_leads=0,0.5;drop_time=0,0.3;seed=1'\n"
            "  --masker M           add adversarial removal by the masker of SCAR model M (it may be\n"
            "                       --model itself); --budget F its budget (default 0.3)\n"
            "  --probe F            also a linear probe at label fraction F (fitted on clean embeddings)\n"
            "  --labelset NAME      label set (default: super if present, else the first)\n"
            "  --prompts FILE.json  class prompts (default: built-in); --language en|de (default en)\n"
            "  --ensemble mean|max  a class's score: cosine to its mean prompt (default) or best prompt\n"
            "  --split test|val     the split scored (default test; val for tuning without test)\n"
            "  --bootstrap N        resamples for the intervals (default 1000, 0 = none)\n"
            "  --json OUT.json      write every result (a JSON array; scar report reads it)\n"
            "  --seed S, --threads N, -q/--quiet\n");
}

static void print_estimate(double v, double lo, double hi) {
    if (isnan(v)) printf(" %21s", "-");
    else if (isnan(lo)) printf(" %21.3f", v);
    else printf("  %.3f [%.3f, %.3f]", v, lo, hi);
}

static double extra_num(const EvalResult *r, const char *a, const char *b, const char *c) {
    const cJSON *x = r->extra ? cJSON_GetObjectItemCaseSensitive(r->extra, a) : NULL;
    if (x && b) x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (x && c) x = cJSON_GetObjectItemCaseSensitive(x, c);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void print_table(const EvalResult *rs, int n) {
    for (int k = 0; k < n; k++) {
        if (k == 0 || strcmp(rs[k].task, rs[k - 1].task))
            printf("\n%s: macro AUROC and CMRS, 95%% intervals\n%-44s %22s %22s %8s\n", rs[k].task, "protocol",
                   "AUROC", "CMRS", "cosine");
        const Estimate a = rs[k].metrics.metric[METRIC_AUROC].macro;
        printf("%-44.44s", rs[k].protocol);
        print_estimate(a.value, a.lo, a.hi);
        print_estimate(extra_num(&rs[k], "cmrs", "overall", "value"), extra_num(&rs[k], "cmrs", "overall", "lo"),
                       extra_num(&rs[k], "cmrs", "overall", "hi"));
        const double cos = extra_num(&rs[k], "embedding_cosine", NULL, NULL);
        isnan(cos) ? printf(" %8s\n", "-") : printf(" %8.3f\n", cos);
    }
}

int cmd_robustness(int argc, char **argv) {
    const char *model = NULL, *data = NULL, *labelset = NULL, *prompts = NULL, *language = "en", *json = NULL;
    const char *masker = NULL;
    double budget = 0.3, probe = 0, seed = 1;
    int on_val = 0, ens_max = 0;
    int n_boot = 1000, threads = 0, quiet = 0;
    char **extra = NULL;
    int n_extra = 0;
    enum { O_MODEL = 256, O_DATA, O_PROTO, O_GRID, O_MASKER, O_BUDGET, O_PROBE, O_LABELSET, O_PROMPTS, O_LANG, O_BOOT,
           O_JSON, O_SEED, O_THREADS, O_SPLIT, O_ENS };
    static const struct option opts[] = {
        {"model", 1, 0, O_MODEL}, {"data", 1, 0, O_DATA}, {"protocol", 1, 0, O_PROTO}, {"grid", 1, 0, O_GRID},
        {"masker", 1, 0, O_MASKER}, {"budget", 1, 0, O_BUDGET}, {"probe", 1, 0, O_PROBE},
        {"labelset", 1, 0, O_LABELSET}, {"prompts", 1, 0, O_PROMPTS}, {"language", 1, 0, O_LANG},
        {"bootstrap", 1, 0, O_BOOT}, {"json", 1, 0, O_JSON}, {"seed", 1, 0, O_SEED}, {"threads", 1, 0, O_THREADS}, {"split", 1, 0, O_SPLIT}, {"ensemble", 1, 0, O_ENS},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *cmd = "robustness";
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1 && !rc) {
        switch (c) {
        case O_MODEL: model = optarg; break;
        case O_DATA: data = optarg; break;
        case O_PROTO:
            extra = xrealloc(extra, (size_t)(n_extra + 1) * sizeof *extra);
            extra[n_extra++] = xstrdup(optarg);
            break;
        case O_GRID: {
            MissingProtocol *grid;
            int n;
            if (missing_grid_parse(optarg, &grid, &n) != 0) {
                rc = cli_report_error(cmd);
                break;
            }
            for (int i = 0; i < n; i++) {
                char text[MISSING_TEXT_MAX];
                if (missing_format(&grid[i], text, sizeof text) < 0 || !strcmp(text, "full")) continue;
                extra = xrealloc(extra, (size_t)(n_extra + 1) * sizeof *extra);
                extra[n_extra++] = xstrdup(text);
            }
            free(grid);
            break;
        }
        case O_MASKER: masker = optarg; break;
        case O_BUDGET: if (opt_double(cmd, "--budget", optarg, 0.01, 1, &budget)) rc = 2; break;
        case O_PROBE: if (opt_double(cmd, "--probe", optarg, 1e-6, 1, &probe)) rc = 2; break;
        case O_LABELSET: labelset = optarg; break;
        case O_PROMPTS: prompts = optarg; break;
        case O_LANG: language = optarg; break;
        case O_BOOT: if (opt_int(cmd, "--bootstrap", optarg, 0, 1000000, &n_boot)) rc = 2; break;
        case O_JSON: json = optarg; break;
        case O_SEED: if (opt_double(cmd, "--seed", optarg, 0, 9007199254740992.0, &seed)) rc = 2; break;
        case O_THREADS: if (opt_int(cmd, "--threads", optarg, 1, 1024, &threads)) rc = 2; break;
        case O_SPLIT:
            if (!strcmp(optarg, "val")) on_val = 1;
            else if (strcmp(optarg, "test")) fprintf(stderr, "scar robustness: --split is test or val\n"), rc = 2;
            break;
        case O_ENS:
            if (!strcmp(optarg, "max")) ens_max = 1;
            else if (strcmp(optarg, "mean")) fprintf(stderr, "scar robustness: --ensemble is mean or max\n"), rc = 2;
            break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "scar robustness: %s '%s'\n\n", optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
            usage(stderr);
            rc = 2;
        }
    }
    if (!rc && optind < argc) fprintf(stderr, "scar robustness: unexpected argument '%s'\n", argv[optind]), rc = 2;
    if (!rc && (!model || !data)) fprintf(stderr, "scar robustness: --model and --data are required\n"), rc = 2;
    EvalContext e;
    memset(&e, 0, sizeof e);
    char **list = NULL;
    int n_list = 0;
    if (!rc) {
        engine_init(threads);
        if (eval_open(&e, model, data, labelset, prompts, language) != 0) rc = cli_report_error(cmd);
    }
    if (!rc) {
        e.n_boot = n_boot;
        e.seed = (uint64_t)seed;
        if (on_val) e.target = 1;
        e.prompts.ensemble_max = ens_max;
        if (n_extra) { /* explicit protocols (and an adversarial one, when a masker is named) */
            list = xmalloc((size_t)(n_extra + 1) * sizeof *list);
            for (int i = 0; i < n_extra; i++) list[n_list++] = xstrdup(extra[i]);
            if (masker) {
                char buf[4200];
                snprintf(buf, sizeof buf, "adversarial=%s;budget=%g", masker, budget);
                list[n_list++] = xstrdup(buf);
            }
        } else {
            list = robustness_default_protocols(pack_schema(e.pack)->set_name[e.set], masker, budget, &n_list);
        }
        const RobustnessOptions o = {(const char *const *)list, n_list, probe, quiet ? 0 : -1};
        EvalResult *rs;
        int n;
        if (robustness_run(&e, &o, &rs, &n) != 0) rc = cli_report_error(cmd);
        else {
            printf("%s on %s, label set %s, %d %s records\n", model, data, rs[0].label_set, rs[0].metrics.n_samples,
                   on_val ? "validation" : "test");
            print_table(rs, n);
            if (json && results_write_array(rs, n, json) != 0) rc = cli_report_error(cmd);
            else if (json) printf("\nresults written to %s\n", json);
            for (int i = 0; i < n; i++) result_free(&rs[i]);
            free(rs);
        }
    }
    for (int i = 0; i < n_extra; i++) free(extra[i]);
    free(extra);
    if (list) robustness_free_list(list, n_list);
    if (e.pack || e.tok) eval_close(&e);
    return rc;
}
