/* scar pretrain: contrastive ECG-report pretraining on a pack (see train/clip_train.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/parallel.h"
#include "eval/metrics.h"
#include "eval/zeroshot.h"
#include "train/clip_train.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar pretrain --data PACK --out DIR [options]\n\n"
            "Pretrain an ECG encoder and a report encoder together (symmetric InfoNCE) on the train split\n"
            "of a pack; validate by zero-shot macro AUROC on its validation split; keep best.safetensors\n"
            "and last.safetensors, config.json and log.jsonl in DIR.\n\n"
            "  --method clip|scar     clip: the contrastive baseline (default); scar: alternating steps of\n"
            "                         an adversarial masker (removes the tokens that hurt alignment most,\n"
            "                         under a budget) and of the encoders (clean + masked alignment, the\n"
            "                         adaptive selector's KL, embedding consistency)\n"
            "  --data PACK            packed dataset (scar pack, scar synth)\n"
            "  --out DIR              run folder (created)\n"
            "  --resume               continue the run in --out bit for bit (same options)\n"
            "  --config FILE.json     model configuration (defaults: scar pretrain --print-config)\n"
            "  --print-config         print the default model configuration and exit\n"
            "  --steps N              optimizer steps (default 1000)\n"
            "  --batch N              ECG-report pairs per micro-batch (default 64)\n"
            "  --accum N              micro-batches per step (default 1)\n"
            "  --lr X                 peak learning rate (default 5e-4), --min-lr X (default 1e-5)\n"
            "  --warmup N             warm-up steps (default 50), then cosine decay\n"
            "  --weight-decay X       AdamW decoupled weight decay (default 0.05)\n"
            "  --clip-norm X          clip gradients to this global norm, 0 = off (default 1)\n"
            "  --vocab N              report tokenizer size (default 1000)\n"
            "  --random-drop PROTO    remove tokens afresh each step: the random-masking baseline,\n"
            "                         e.g. 'drop_leads=0.5;drop_time=0.3' (grammar: README)\n"
            "  --merl W               add MERL's ECG-ECG term between two dropout views, weight W\n"
            "  --text-keep P          keep each sentence of a report with probability P (at least one;\n"
            "                         default 1 = whole reports): teaches single findings, as prompts are\n"
            "SCAR (--method scar):\n"
            "  --budget F             fraction of the visible tokens removed (default 0.3)\n"
            "  --lead-share F         share of the budget spent on whole leads (default 0.4)\n"
            "  --segment-share F      share spent on whole time segments (default 0.3); the rest: tokens\n"
            "  --masker-penalty W     weight of the anti-collapse penalty (default 0.1)\n"
            "  --masker-lr X          the masker's peak learning rate (default 5e-4)\n"
            "  --tau A,B              Gumbel temperature annealed from A to B (default 1,0.3)\n"
            "  --selector-weight B    weight of the selector's KL (default 1), --selector-tau T (default 0.1)\n"
            "  --consistency-weight G weight of |z_masked - sg(z_clean)|^2 (default 1)\n"
            "  --no-masker            ablation: random removal with the same budget split\n"
            "  --no-selector          ablation: mean pooling, no selector loss\n"
            "  --no-consistency       ablation: no consistency term\n"
            "  --labelset NAME        label set for validation (default: super if present, else the first)\n"
            "  --prompts FILE.json    class prompts (default: built-in), --language en|de (default en)\n"
            "  --eval-every N         validate and checkpoint every N steps (default 200)\n"
            "  --log-every N          log every N steps (default 10)\n"
            "  --stop-after N         stop after N steps of this invocation (resume later)\n"
            "  --seed S               seed (default 1)\n"
            "  --threads N            threads (default: all cores)\n"
            "  -q, --quiet            no progress display\n");
}

typedef struct {
    Pack *pack;
    int *idx, n, set;
    uint8_t *labels;
    PromptSet prompts;
} Validation;

static double validate_zeroshot(void *ctx, ClipModel *m, const Tokenizer *tok) {
    Validation *v = ctx;
    const int C = v->prompts.n_classes;
    double *scores = xmalloc((size_t)v->n * C * sizeof(double));
    double auroc = NAN;
    if (zeroshot_run(m, tok, v->pack, v->idx, v->n, &v->prompts, NULL, NULL, scores) == 0)
        auroc = metric_auroc_classes(scores, v->labels, v->n, C, NULL, NULL);
    free(scores);
    if (isnan(auroc) && !*scar_last_error()) scar_fail("no class of the validation split has both positives and negatives");
    return auroc;
}

static int find_labelset(const LabelSchema *s, const char *name) {
    for (int i = 0; i < s->n_sets; i++)
        if (!strcmp(s->set_name[i], name)) return i;
    return -1;
}

static int setup_validation(Validation *v, const char *pack_path, const char *labelset, const char *prompts,
                            const char *language) {
    memset(v, 0, sizeof *v);
    v->pack = pack_open(pack_path);
    if (!v->pack) return -1;
    const LabelSchema *s = pack_schema(v->pack);
    if (s->n_sets == 0) return scar_fail("%s: the pack has no label set to validate on", pack_path);
    v->set = labelset ? find_labelset(s, labelset) : (find_labelset(s, "super") >= 0 ? find_labelset(s, "super") : 0);
    if (v->set < 0) return scar_fail("%s: no label set '%s'", pack_path, labelset);
    v->n = pack_split_indices(v->pack, SPLIT_VAL, NULL);
    if (v->n < 2) return scar_fail("%s: the validation split has %d records; validation needs some", pack_path, v->n);
    v->idx = xmalloc((size_t)v->n * sizeof(int));
    pack_split_indices(v->pack, SPLIT_VAL, v->idx);
    v->labels = xmalloc((size_t)v->n * s->n_classes[v->set]);
    if (pack_label_matrix(v->pack, v->idx, v->n, v->set, v->labels) != 0) return -1;
    return prompts_for_labelset(&v->prompts, s, v->set, prompts, language);
}

static void free_validation(Validation *v) {
    if (v->pack) pack_close(v->pack);
    free(v->idx);
    free(v->labels);
    prompts_free(&v->prompts);
}

int cmd_pretrain(int argc, char **argv) {
    ClipTrainOptions o = clip_train_defaults();
    const char *method = "clip", *config = NULL, *labelset = NULL, *prompts = NULL, *language = "en";
    int threads = 0, quiet = 0, scar_only = 0;
    enum { O_METHOD = 256, O_DATA, O_OUT, O_RESUME, O_CONFIG, O_PRINT, O_STEPS, O_BATCH, O_ACCUM, O_LR, O_MINLR,
           O_WARMUP, O_WD, O_CLIP, O_VOCAB, O_DROP, O_MERL, O_LABELSET, O_PROMPTS, O_LANG, O_EVAL, O_LOG,
           O_STOP, O_SEED, O_THREADS, O_TEXTKEEP, O_BUDGET, O_LSHARE, O_SSHARE, O_MPEN, O_MLR, O_TAU,
           O_SELW, O_SELTAU, O_CONSW, O_NOMASK, O_NOSEL, O_NOCONS };
    static const struct option opts[] = {
        {"method", 1, 0, O_METHOD}, {"data", 1, 0, O_DATA}, {"out", 1, 0, O_OUT}, {"resume", 0, 0, O_RESUME},
        {"config", 1, 0, O_CONFIG}, {"print-config", 0, 0, O_PRINT}, {"steps", 1, 0, O_STEPS}, {"batch", 1, 0, O_BATCH},
        {"accum", 1, 0, O_ACCUM}, {"lr", 1, 0, O_LR}, {"min-lr", 1, 0, O_MINLR}, {"warmup", 1, 0, O_WARMUP},
        {"weight-decay", 1, 0, O_WD}, {"clip-norm", 1, 0, O_CLIP}, {"vocab", 1, 0, O_VOCAB},
        {"random-drop", 1, 0, O_DROP}, {"merl", 1, 0, O_MERL}, {"labelset", 1, 0, O_LABELSET},
        {"prompts", 1, 0, O_PROMPTS}, {"language", 1, 0, O_LANG}, {"eval-every", 1, 0, O_EVAL},
        {"log-every", 1, 0, O_LOG}, {"stop-after", 1, 0, O_STOP}, {"seed", 1, 0, O_SEED},
        {"threads", 1, 0, O_THREADS}, {"text-keep", 1, 0, O_TEXTKEEP},
        {"budget", 1, 0, O_BUDGET}, {"lead-share", 1, 0, O_LSHARE}, {"segment-share", 1, 0, O_SSHARE},
        {"masker-penalty", 1, 0, O_MPEN}, {"masker-lr", 1, 0, O_MLR}, {"tau", 1, 0, O_TAU},
        {"selector-weight", 1, 0, O_SELW}, {"selector-tau", 1, 0, O_SELTAU}, {"consistency-weight", 1, 0, O_CONSW},
        {"no-masker", 0, 0, O_NOMASK}, {"no-selector", 0, 0, O_NOSEL}, {"no-consistency", 0, 0, O_NOCONS}, {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *cmd = "pretrain";
    int c, iv;
    double dv;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case O_METHOD: method = optarg; break;
        case O_DATA: o.pack_path = optarg; break;
        case O_OUT: o.out_dir = optarg; break;
        case O_RESUME: o.resume = 1; break;
        case O_CONFIG: config = optarg; break;
        case O_PRINT: {
            char *j = clip_config_to_json(&o.model);
            printf("%s\n", j);
            free(j);
            return 0;
        }
        case O_STEPS: if (opt_int(cmd, "--steps", optarg, 1, 100000000, &iv)) return 2; o.steps = iv; break;
        case O_BATCH: if (opt_int(cmd, "--batch", optarg, 2, 65536, &o.batch)) return 2; break;
        case O_ACCUM: if (opt_int(cmd, "--accum", optarg, 1, 4096, &o.accum)) return 2; break;
        case O_LR: if (opt_double(cmd, "--lr", optarg, 0, 10, &o.lr)) return 2; break;
        case O_MINLR: if (opt_double(cmd, "--min-lr", optarg, 0, 10, &o.min_lr)) return 2; break;
        case O_WARMUP: if (opt_int(cmd, "--warmup", optarg, 0, 100000000, &iv)) return 2; o.warmup = iv; break;
        case O_WD: if (opt_double(cmd, "--weight-decay", optarg, 0, 10, &o.weight_decay)) return 2; break;
        case O_CLIP: if (opt_double(cmd, "--clip-norm", optarg, 0, 1e6, &o.clip_norm)) return 2; break;
        case O_VOCAB: if (opt_int(cmd, "--vocab", optarg, 260, 1000000, &o.vocab)) return 2; break;
        case O_DROP: o.train_missing = optarg; break;
        case O_MERL: if (opt_double(cmd, "--merl", optarg, 0, 100, &o.merl_weight)) return 2; break;
        case O_LABELSET: labelset = optarg; break;
        case O_PROMPTS: prompts = optarg; break;
        case O_LANG: language = optarg; break;
        case O_EVAL: if (opt_int(cmd, "--eval-every", optarg, 1, 100000000, &iv)) return 2; o.eval_every = iv; break;
        case O_LOG: if (opt_int(cmd, "--log-every", optarg, 1, 100000000, &iv)) return 2; o.log_every = iv; break;
        case O_STOP: if (opt_int(cmd, "--stop-after", optarg, 1, 100000000, &iv)) return 2; o.stop_after = iv; break;
        case O_SEED: if (opt_double(cmd, "--seed", optarg, 0, 9007199254740992.0, &dv)) return 2; o.seed = (uint64_t)dv; break;
        case O_THREADS: if (opt_int(cmd, "--threads", optarg, 1, 1024, &threads)) return 2; break;
        case O_TEXTKEEP: if (opt_double(cmd, "--text-keep", optarg, 0.01, 1, &o.text_keep)) return 2; break;
        case O_BUDGET: if (opt_double(cmd, "--budget", optarg, 0.01, 0.95, &o.model.masker.budget)) return 2; scar_only++; break;
        case O_LSHARE: if (opt_double(cmd, "--lead-share", optarg, 0, 1, &o.model.masker.lead_share)) return 2; scar_only++; break;
        case O_SSHARE: if (opt_double(cmd, "--segment-share", optarg, 0, 1, &o.model.masker.segment_share)) return 2; scar_only++; break;
        case O_MPEN: if (opt_double(cmd, "--masker-penalty", optarg, 0, 100, &o.model.masker.penalty)) return 2; scar_only++; break;
        case O_MLR: if (opt_double(cmd, "--masker-lr", optarg, 0, 10, &o.masker_lr)) return 2; scar_only++; break;
        case O_TAU: {
            char tail;
            if (sscanf(optarg, "%lf,%lf%c", &o.model.masker.tau_start, &o.model.masker.tau_end, &tail) != 2 ||
                !(o.model.masker.tau_start > 0) || !(o.model.masker.tau_end > 0)) {
                fprintf(stderr, "scar pretrain: --tau needs two positive numbers A,B (got '%s')\n", optarg);
                return 2;
            }
            scar_only++;
            break;
        }
        case O_SELW: if (opt_double(cmd, "--selector-weight", optarg, 0, 100, &o.selector_weight)) return 2; scar_only++; break;
        case O_SELTAU: if (opt_double(cmd, "--selector-tau", optarg, 1e-3, 100, &o.selector_tau)) return 2; scar_only++; break;
        case O_CONSW: if (opt_double(cmd, "--consistency-weight", optarg, 0, 100, &o.consistency_weight)) return 2; scar_only++; break;
        case O_NOMASK: o.no_masker = 1; scar_only++; break;
        case O_NOSEL: o.no_selector = 1; scar_only++; break;
        case O_NOCONS: o.no_consistency = 1; scar_only++; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "scar pretrain: %s '%s'\n\n", optopt ? "option needs a value:" : "unknown option",
                    optopt ? (optopt > 255 ? argv[optind - 1] : (char[]){'-', (char)optopt, 0}) : argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scar pretrain: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (!strcmp(method, "scar")) o.method = TRAIN_SCAR;
    else if (strcmp(method, "clip") != 0) {
        fprintf(stderr, "scar pretrain: unknown method '%s' (clip or scar)\n", method);
        return 2;
    }
    if (scar_only && o.method != TRAIN_SCAR) {
        fprintf(stderr, "scar pretrain: the masker, selector and consistency options need --method scar\n");
        return 2;
    }
    if (o.model.masker.lead_share + o.model.masker.segment_share > 1) {
        fprintf(stderr, "scar pretrain: --lead-share and --segment-share add up to more than 1\n");
        return 2;
    }
    if (!o.pack_path || !o.out_dir) {
        fprintf(stderr, "scar pretrain: --data PACK and --out DIR are required\n");
        return 2;
    }
    if (config) {
        FILE *f = fopen(config, "rb");
        if (!f) {
            scar_fail("%s: cannot open the configuration", config);
            return cli_report_error(cmd);
        }
        char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        if (clip_config_from_json(&o.model, buf, config) != 0) return cli_report_error(cmd);
    }
    engine_init(threads);
    o.progress = quiet ? 0 : -1;
    Validation v;
    if (setup_validation(&v, o.pack_path, labelset, prompts, language) != 0) {
        free_validation(&v);
        return cli_report_error(cmd);
    }
    o.validate = validate_zeroshot;
    o.validate_ctx = &v;
    ClipTrainResult res;
    const int rc = clip_train(&o, &res);
    if (rc == 0) {
        /* best.safetensors is written at validation steps only: a run stopped before the first one has last.safetensors */
        char val[128];
        if (isnan(res.best_val)) snprintf(val, sizeof val, "no validation yet (every %lld steps)", (long long)o.eval_every);
        else snprintf(val, sizeof val, "best validation zero-shot macro AUROC (%s) %.4f", pack_schema(v.pack)->set_name[v.set], res.best_val);
        printf("scar pretrain (%s): %lld steps, final loss %.4f, %s, %.1f pairs/s, %.0f s; model in %s/%s.safetensors\n", method,
               (long long)res.steps_done, res.final_loss, val, res.pairs_per_s, res.seconds, o.out_dir,
               isnan(res.best_val) ? "last" : "best");
    }
    free_validation(&v);
    return rc == 0 ? 0 : cli_report_error(cmd);
}
