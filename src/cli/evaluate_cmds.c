/* scar zeroshot, scar probe, scar embed: evaluate a trained ECG-language model on a pack. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/npy.h"
#include "core/parallel.h"
#include "eval/evaluate.h"
#include "model/clip_embed.h"
#include "model/clip_io.h"

typedef struct {
    const char *model, *data, *labelset, *prompts, *language, *missing, *json, *out, *split;
    const char *fractions, *ensemble;
    int n_boot, threads, quiet;
    double seed;
} EvalArgs;

static void usage(FILE *f, const char *cmd) {
    if (!strcmp(cmd, "embed")) {
        fprintf(f, "usage: scar embed --model M --data PACK -o OUT.npy [--split train|val|test|all] [--missing PROTO]\n\n"
                   "Write the L2-normalised ECG embeddings [n, E] (float32 .npy) of a split, in pack order.\n");
        return;
    }
    fprintf(f,
            "usage: scar %s --model M --data PACK [options]\n\n%s\n\n"
            "  --model M            a checkpoint from scar pretrain (best.safetensors)\n"
            "  --data PACK          a pack with train/validation/test splits and labels\n"
            "  --labelset NAME      label set (default: super if present, else the first)\n"
            "  --missing PROTO      missingness protocol for the test split, e.g. 'leadset=2' or\n"
            "                       'drop_leads=0.5;drop_time=0.3;seed=7' (grammar: README); default: clean\n"
            "%s"
            "  --split test|val     the split scored (default test; val for tuning without test)\n"
            "  --bootstrap N        bootstrap resamples for 95%% intervals (default 1000, 0 = none)\n"
            "  --json OUT.json      write the result(s) as JSON\n"
            "  --seed S             seed of the bootstrap%s (default 1)\n"
            "  --threads N          threads (default: all cores)\n",
            cmd,
            !strcmp(cmd, "zeroshot")
                ? "Zero-shot classification: cosine between each ECG and the class prompts (prompt ensemble);\n"
                  "F1 and accuracy thresholds are chosen on the validation split under the same protocol."
                : "Linear probe: logistic regression on frozen, clean training embeddings (one-vs-rest),\n"
                  "label fractions sampled per class, regularisation chosen on the validation split only,\n"
                  "tested on the test split under the protocol.",
            !strcmp(cmd, "zeroshot") ? "  --prompts FILE.json  class prompts (default: built-in); --language en|de (default en)\n"
                                       "  --ensemble mean|max  a class's score: cosine to the mean of its prompts (default)\n"
                                       "                       or to its best-matching prompt\n"
                                     : "  --fractions LIST     label fractions, e.g. 0.01,0.1,1 (default 0.01,0.1,1)\n",
            !strcmp(cmd, "zeroshot") ? "" : " and the label sample");
}

static int parse(int argc, char **argv, const char *cmd, EvalArgs *a) {
    memset(a, 0, sizeof *a);
    a->n_boot = 1000;
    a->seed = 1;
    a->language = "en";
    a->fractions = "0.01,0.1,1";
    enum { O_MODEL = 256, O_DATA, O_LABELSET, O_PROMPTS, O_LANG, O_MISSING, O_JSON, O_BOOT, O_SEED, O_THREADS, O_SPLIT, O_FRAC, O_ENS };
    static const struct option opts[] = {
        {"model", 1, 0, O_MODEL}, {"data", 1, 0, O_DATA}, {"labelset", 1, 0, O_LABELSET}, {"prompts", 1, 0, O_PROMPTS},
        {"language", 1, 0, O_LANG}, {"missing", 1, 0, O_MISSING}, {"json", 1, 0, O_JSON}, {"bootstrap", 1, 0, O_BOOT},
        {"seed", 1, 0, O_SEED}, {"threads", 1, 0, O_THREADS}, {"split", 1, 0, O_SPLIT}, {"fractions", 1, 0, O_FRAC}, {"ensemble", 1, 0, O_ENS},
        {"output", 1, 0, 'o'}, {"help", 0, 0, 'h'}, {"quiet", 0, 0, 'q'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:hq", opts, NULL)) != -1) {
        switch (c) {
        case O_MODEL: a->model = optarg; break;
        case O_DATA: a->data = optarg; break;
        case O_LABELSET: a->labelset = optarg; break;
        case O_PROMPTS: a->prompts = optarg; break;
        case O_LANG: a->language = optarg; break;
        case O_MISSING: a->missing = optarg; break;
        case O_JSON: a->json = optarg; break;
        case O_BOOT: if (opt_int(cmd, "--bootstrap", optarg, 0, 1000000, &a->n_boot)) return 2; break;
        case O_SEED: if (opt_double(cmd, "--seed", optarg, 0, 9007199254740992.0, &a->seed)) return 2; break;
        case O_THREADS: if (opt_int(cmd, "--threads", optarg, 1, 1024, &a->threads)) return 2; break;
        case O_SPLIT: a->split = optarg; break;
        case O_FRAC: a->fractions = optarg; break;
        case O_ENS:
            if (strcmp(optarg, "mean") && strcmp(optarg, "max")) {
                fprintf(stderr, "scar %s: --ensemble is mean or max (got '%s')\n", cmd, optarg);
                return 2;
            }
            a->ensemble = optarg;
            break;
        case 'o': a->out = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': usage(stdout, cmd); return 0;
        default:
            fprintf(stderr, "scar %s: %s '%s'\n\n", cmd, optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
            usage(stderr, cmd);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scar %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return 2;
    }
    if (!a->model || !a->data) {
        fprintf(stderr, "scar %s: --model and --data are required\n", cmd);
        return 2;
    }
    return -1; /* go on */
}

static int open_job(EvalContext *e, const EvalArgs *a, MissingProtocol *proto, int *has_proto, const char *cmd) {
    engine_init(a->threads);
    *has_proto = 0;
    if (a->missing) {
        if (missing_parse(a->missing, proto) != 0) return cli_report_error(cmd);
        *has_proto = 1;
    }
    if (eval_open(e, a->model, a->data, a->labelset, a->prompts, a->language) != 0) {
        eval_close(e);
        return cli_report_error(cmd);
    }
    e->n_boot = a->n_boot;
    e->prompts.ensemble_max = a->ensemble && !strcmp(a->ensemble, "max");
    if (a->split && strcmp(a->split, "test")) {
        if (strcmp(a->split, "val")) {
            fprintf(stderr, "scar %s: --split must be test or val (got '%s')\n", cmd, a->split);
            eval_close(e);
            return 2;
        }
        e->target = 1;
    }
    e->seed = (uint64_t)a->seed;
    return 0;
}

static int finish(EvalResult *r, const char *json, const char *cmd) {
    eval_print(stdout, r);
    int rc = 0;
    if (json && result_write(r, json) != 0) rc = cli_report_error(cmd);
    else if (json) printf("result written to %s\n", json);
    result_free(r);
    return rc;
}

int cmd_zeroshot(int argc, char **argv) {
    EvalArgs a;
    int rc = parse(argc, argv, "zeroshot", &a);
    if (rc >= 0) return rc;
    EvalContext e;
    MissingProtocol proto;
    int has;
    if ((rc = open_job(&e, &a, &proto, &has, "zeroshot")) != 0) return rc;
    EvalResult r;
    if (eval_zeroshot(&e, has ? &proto : NULL, NULL, &r, NULL) != 0) rc = cli_report_error("zeroshot");
    else rc = finish(&r, a.json, "zeroshot");
    eval_close(&e);
    return rc;
}

int cmd_probe(int argc, char **argv) {
    EvalArgs a;
    int rc = parse(argc, argv, "probe", &a);
    if (rc >= 0) return rc;
    double fr[16];
    int n_fr = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", a.fractions);
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ",")) {
        if (n_fr == 16 || opt_double("probe", "--fractions", s, 1e-6, 1, &fr[n_fr])) return 2;
        n_fr++;
    }
    if (n_fr == 0) {
        fprintf(stderr, "scar probe: --fractions needs at least one value\n");
        return 2;
    }
    if (a.json && n_fr > 1 && !strstr(a.json, "%")) {
        fprintf(stderr, "scar probe: with several fractions --json needs a %% in the name (e.g. probe_%%.json)\n");
        return 2;
    }
    EvalContext e;
    MissingProtocol proto;
    int has;
    if ((rc = open_job(&e, &a, &proto, &has, "probe")) != 0) return rc;
    for (int k = 0; k < n_fr && !rc; k++) {
        EvalResult r;
        if (eval_probe(&e, has ? &proto : NULL, NULL, fr[k], &r, NULL) != 0) {
            rc = cli_report_error("probe");
            break;
        }
        printf("label fraction %g:\n", fr[k]);
        char path[4096] = "", tag[32];
        if (a.json) {
            snprintf(tag, sizeof tag, "%g", fr[k]);
            const char *pct = strchr(a.json, '%');
            if (pct) snprintf(path, sizeof path, "%.*s%s%s", (int)(pct - a.json), a.json, tag, pct + 1);
            else snprintf(path, sizeof path, "%s", a.json);
        }
        rc = finish(&r, a.json ? path : NULL, "probe");
    }
    eval_close(&e);
    return rc;
}

int cmd_embed(int argc, char **argv) {
    EvalArgs a;
    int rc = parse(argc, argv, "embed", &a);
    if (rc >= 0) return rc;
    if (!a.out) {
        fprintf(stderr, "scar embed: -o OUT.npy is required\n");
        return 2;
    }
    const char *split = a.split ? a.split : "all";
    const int which = !strcmp(split, "train") ? SPLIT_TRAIN : !strcmp(split, "val") ? SPLIT_VAL
                    : !strcmp(split, "test") ? SPLIT_TEST : !strcmp(split, "all") ? -2 : -3;
    if (which == -3) {
        fprintf(stderr, "scar embed: --split must be train, val, test or all (got '%s')\n", split);
        return 2;
    }
    engine_init(a.threads);
    MissingProtocol proto;
    if (a.missing && missing_parse(a.missing, &proto) != 0) return cli_report_error("embed");
    ClipModel m;
    Tokenizer *tok;
    if (clip_model_load(a.model, &m, &tok, NULL, NULL) != 0) return cli_report_error("embed");
    Pack *p = pack_open(a.data);
    if (!p) {
        clip_model_free(&m);
        tokenizer_free(tok);
        return cli_report_error("embed");
    }
    int n = which == -2 ? pack_count(p) : pack_split_indices(p, which, NULL);
    int *idx = xmalloc((size_t)(n ? n : 1) * sizeof(int));
    if (which == -2) for (int i = 0; i < n; i++) idx[i] = i;
    else pack_split_indices(p, which, idx);
    const int E = m.cfg.embed_dim;
    float *emb = xmalloc((size_t)(n ? n : 1) * E * sizeof(float));
    rc = clip_embed_ecgs(&m, p, idx, n, a.missing ? &proto : NULL, NULL, 128, emb);
    if (!rc) {
        TensorRef t = {.name = "embeddings", .dtype = DTYPE_F32, .ndim = 2, .shape = {n, E}, .data = emb};
        rc = npy_write(a.out, &t);
    }
    if (!rc) printf("scar embed: %d embeddings of %d dimensions written to %s\n", n, E, a.out);
    free(idx), free(emb);
    pack_close(p);
    clip_model_free(&m);
    tokenizer_free(tok);
    return rc ? cli_report_error("embed") : 0;
}
