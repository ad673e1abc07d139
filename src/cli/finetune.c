/* scar finetune: downstream evaluation of a self-supervised encoder (or a supervised baseline from
 * scratch) at label fractions: end-to-end fine-tuning, or a linear probe on frozen features. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/parallel.h"
#include "eval/downstream.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar finetune --data PACK --task NAME (--model SSL.safetensors | --scratch) [options]\n\n"
            "Evaluate an encoder on a downstream task at label fractions sampled per class from the\n"
            "training split: fine-tune the encoder and a linear head end to end (default), or fit a\n"
            "logistic regression on its frozen features (--frozen). Selection on the validation split;\n"
            "macro AUROC and accuracy on the test split with bootstrap intervals.\n\n"
            "Records with no class of the task (unknown sex, no rhythm stated) are left out. Each class\n"
            "present in the training split keeps at least one training record at any fraction. A class\n"
            "that cannot be taught (no training record, or on every one) or scored (no test record, or\n"
            "on every one: AUROC undefined) is left out of the macro means with a warning naming the\n"
            "pack, the split and the class; the result file lists it under extra.left_out, its\n"
            "per-class values null (top-1 accuracy still counts every test record). When no class is\n"
            "left, or no taught class has both positive and negative validation records to select\n"
            "on, nothing is trained or written: an error names the pack, the split and each class,\n"
            "exit status 1.\n\n"
            "  --task NAME          a label set of the pack (rhythm: arrhythmia) or sex\n"
            "  --model M            a checkpoint from scar ssl\n"
            "  --scratch            a freshly initialised encoder instead (supervised baseline):\n"
            "                       --encoder resnet|transformer (resnet), --width W (64)\n"
            "  --frozen             linear probe on frozen features instead of fine-tuning\n"
            "  --fractions LIST     label fractions (default 0.01,0.05,0.1,1)\n"
            "  --steps N (300) --batch N (32) --lr X (1e-3) --eval-every N (50)   fine-tuning\n"
            "  --bootstrap N (1000) --seed S (1) --threads N -q/--quiet\n"
            "  --json OUT.json      results (with several fractions: a %% in the name is replaced by each)\n");
}

int cmd_finetune(int argc, char **argv) {
    const char *data = NULL, *task = NULL, *model = NULL, *encoder = "resnet", *json = NULL, *fractions = "0.01,0.05,0.1,1";
    int scratch = 0, frozen = 0, threads = 0, quiet = 0, n_boot = 1000, width = 64;
    FinetuneOptions fo = finetune_defaults();
    double seed = 1;
    enum { O_DATA = 256, O_TASK, O_MODEL, O_SCRATCH, O_ENC, O_WIDTH, O_FROZEN, O_FRAC, O_STEPS, O_BATCH, O_LR, O_EVAL,
           O_BOOT, O_SEED, O_THREADS, O_JSON };
    static const struct option opts[] = {
        {"data", 1, 0, O_DATA}, {"task", 1, 0, O_TASK}, {"model", 1, 0, O_MODEL}, {"scratch", 0, 0, O_SCRATCH},
        {"encoder", 1, 0, O_ENC}, {"width", 1, 0, O_WIDTH}, {"frozen", 0, 0, O_FROZEN}, {"fractions", 1, 0, O_FRAC},
        {"steps", 1, 0, O_STEPS}, {"batch", 1, 0, O_BATCH}, {"lr", 1, 0, O_LR}, {"eval-every", 1, 0, O_EVAL},
        {"bootstrap", 1, 0, O_BOOT}, {"seed", 1, 0, O_SEED}, {"threads", 1, 0, O_THREADS}, {"json", 1, 0, O_JSON},
        {"quiet", 0, 0, 'q'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *cmd = "finetune";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case O_DATA: data = optarg; break;
        case O_TASK: task = optarg; break;
        case O_MODEL: model = optarg; break;
        case O_SCRATCH: scratch = 1; break;
        case O_ENC: encoder = optarg; break;
        case O_WIDTH: if (opt_int(cmd, "--width", optarg, 1, 1024, &width)) return 2; break;
        case O_FROZEN: frozen = 1; break;
        case O_FRAC: fractions = optarg; break;
        case O_STEPS: if (opt_int(cmd, "--steps", optarg, 1, 10000000, &fo.steps)) return 2; break;
        case O_BATCH: if (opt_int(cmd, "--batch", optarg, 2, 65536, &fo.batch)) return 2; break;
        case O_LR: if (opt_double(cmd, "--lr", optarg, 0, 10, &fo.lr)) return 2; break;
        case O_EVAL: if (opt_int(cmd, "--eval-every", optarg, 1, 10000000, &fo.eval_every)) return 2; break;
        case O_BOOT: if (opt_int(cmd, "--bootstrap", optarg, 0, 1000000, &n_boot)) return 2; break;
        case O_SEED: if (opt_double(cmd, "--seed", optarg, 0, 9007199254740992.0, &seed)) return 2; break;
        case O_THREADS: if (opt_int(cmd, "--threads", optarg, 1, 1024, &threads)) return 2; break;
        case O_JSON: json = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "scar finetune: %s '%s'\n\n", optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) return fprintf(stderr, "scar finetune: unexpected argument '%s'\n", argv[optind]), 2;
    if (!data || !task || (!model == !scratch))
        return fprintf(stderr, "scar finetune: --data, --task and one of --model or --scratch are required\n"), 2;
    if (scratch && frozen) return fprintf(stderr, "scar finetune: --frozen needs a pretrained --model\n"), 2;
    if (strcmp(encoder, "resnet") && strcmp(encoder, "transformer")) return fprintf(stderr, "scar finetune: --encoder is resnet or transformer\n"), 2;
    double fr[16];
    int n_fr = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", fractions);
    for (char *s = strtok(buf, ","); s; s = strtok(NULL, ","))
        if (n_fr == 16 || opt_double(cmd, "--fractions", s, 1e-6, 1, &fr[n_fr++])) return 2;
    if (json && n_fr > 1 && !strchr(json, '%')) return fprintf(stderr, "scar finetune: several fractions need a %% in --json\n"), 2;
    engine_init(threads);
    fo.seed = (uint64_t)seed;
    fo.progress = quiet ? 0 : -1;
    Pack *p = pack_open(data);
    if (!p) return cli_report_error(cmd);
    Task t;
    int rc = 0;
    if (task_open(&t, p, task) != 0) rc = cli_report_error(cmd);
    if (!rc) { /* before any training: the whole training split (each fraction is checked again) */
        uint8_t status[SCAR_MAX_CLASSES];
        char note[1024];
        if (task_classes(&t, p, NULL, 0, status, note, sizeof note) != 0) rc = cli_report_error(cmd);
        else if (note[0]) fprintf(stderr, "scar finetune: warning: %s: task %s: left out of the macro means: %s\n", data, task, note);
    }
    for (int k = 0; k < n_fr && !rc; k++) {
        SslModel m;
        if (scratch) {
            SslConfig cfg = ssl_config_default(!strcmp(encoder, "resnet") ? SSL_RESNET : SSL_TRANSFORMER);
            cfg.resnet.base_width = width;
            cfg.rate_hz = pack_rate(p);
            cfg.samples = pack_samples(p);
            cfg.head = projection_head_config_default(ssl_feature_dim(&cfg));
            if (ssl_config_validate(&cfg, "encoder") != 0) {
                rc = cli_report_error(cmd);
                break;
            }
            ssl_model_create(&m, &cfg);
            Rng init;
            rng_seed(&init, fo.seed, 0);
            ssl_model_init(&m, &init);
        } else if (ssl_model_load(model, &m, NULL) != 0) {
            rc = cli_report_error(cmd);
            break;
        }
        EvalResult r;
        const int bad = frozen ? downstream_probe(&m, p, &t, fr[k], fo.seed, n_boot, &r)
                               : downstream_finetune(&m, p, &t, fr[k], &fo, n_boot, &r);
        ssl_model_free(&m);
        if (bad) {
            rc = cli_report_error(cmd);
            break;
        }
        free(r.model);
        r.model = xstrdup(scratch ? "scratch" : model);
        const Estimate a = r.metrics.metric[METRIC_AUROC].macro, acc = r.metrics.metric[METRIC_ACCURACY].macro;
        char ia[64] = "", ib[64] = "";
        if (!isnan(a.lo)) snprintf(ia, sizeof ia, " [%.3f, %.3f]", a.lo, a.hi);
        if (!isnan(acc.lo)) snprintf(ib, sizeof ib, " [%.3f, %.3f]", acc.lo, acc.hi);
        const int n_eval = r.metrics.n_classes - r.metrics.metric[METRIC_AUROC].n_undefined;
        printf("%s %s, fraction %g: macro AUROC %.3f%s over %d of %d classes, accuracy %.3f%s (%d test records)\n",
               frozen ? "probe" : "fine-tuning", task, fr[k], a.value, ia, n_eval, r.metrics.n_classes, acc.value, ib,
               r.metrics.n_samples);
        if (json) {
            char path[4096], tag[32];
            snprintf(tag, sizeof tag, "%g", fr[k]);
            const char *pct = strchr(json, '%');
            if (pct) snprintf(path, sizeof path, "%.*s%s%s", (int)(pct - json), json, tag, pct + 1);
            else snprintf(path, sizeof path, "%s", json);
            if (result_write(&r, path) != 0) rc = cli_report_error(cmd);
        }
        result_free(&r);
    }
    if (t.idx[0]) task_free(&t);
    pack_close(p);
    return rc;
}
