/* scar ssl: self-supervised ECG pretraining (train/ssl_train.h). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/parallel.h"
#include "train/ssl_train.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar ssl --aug KIND --data PACK --out DIR [options]\n\n"
            "Pretrain an ECG encoder without text: SimCLR's NT-Xent between two views of each record.\n"
            "DIR gets last.safetensors, and best.safetensors by the loss on fixed validation batches\n"
            "(a validation split smaller than a batch is one shorter batch; with fewer than 2\n"
            "validation records there is no validation loss and no best.safetensors).\n\n"
            "  --aug KIND             none | standard | random | 3kg | adv, with options after a colon:\n"
            "                         'random:ratio=0.5,blocks=1', '3kg:angle=45,scale=1-1.5,block=0.5',\n"
            "                         'standard:noise=0.05,scale=0.8-1.2,shift=0.1'; adv: views are a\n"
            "                         standard-augmented record ('adv:scale=1-1' takes the standard\n"
            "                         options) and masked copies of a second one, the\n"
            "                         masks made by a 1-D U-Net trained to raise the loss (alternating\n"
            "                         steps, masks detached for the encoder, sparsity penalty)\n"
            "  --pairs views|halves   positive pairs: two augmented views (default), or the two halves in\n"
            "                         time of a record (the default for --aug none)\n"
            "  --encoder resnet|transformer   1-D ResNet-18 (default) or the spatio-temporal transformer\n"
            "  --width W              ResNet base width (default 64)\n"
            "  --config FILE.json     model configuration (scar ssl --print-config)\n"
            "  --temperature T        NT-Xent temperature (default 0.1)\n"
            "  --proj N, --proj-hidden N   projection head: output size (128), hidden width (the\n"
            "                         encoder's feature size); --no-proj-bn: linear-ReLU-linear instead\n"
            "                         of linear-BN-ReLU-linear\n"
            "  --masks N, --alpha A, --masker-lr X   adversarial masks: how many (2), sparsity weight (1),\n"
            "                         the generator's learning rate (1e-3)\n"
            "  --shared-masks         one mask per view shared by the 12 leads (default: one per lead)\n"
            "  --sharpness K          masks = sigmoid(K · logit), K in [1, 1000] (2); a larger K gives\n"
            "                         harder masks (values near 0 or 1), not soft ones that scale the signal\n"
            "Options given on the command line win over --config.\n"
            "  --steps N (1000) --batch N (64) --lr X (1e-3) --warmup N (50) --weight-decay X (1e-4)\n"
            "  --clip-norm X (5) --eval-every N (200) --log-every N (10) --stop-after N --resume\n"
            "  --seed S (1) --threads N -q/--quiet\n");
}

int cmd_ssl(int argc, char **argv) {
    SslTrainOptions o = ssl_train_defaults();
    const char *aug = NULL, *pairs = NULL, *encoder = "resnet", *config = NULL;
    int threads = 0, quiet = 0, iv, print = 0, width = -1, n_masks = -1, proj = -1, proj_hidden = -1, no_proj_bn = 0, shared_masks = 0;
    double dv, alpha = -1, temperature = -1, sharpness = -1;
    enum { O_AUG = 256, O_PAIRS, O_ENC, O_WIDTH, O_CONFIG, O_PRINT, O_MASKS, O_ALPHA, O_MLR, O_STEPS, O_BATCH, O_LR,
           O_WARMUP, O_WD, O_CLIP, O_EVAL, O_LOG, O_STOP, O_RESUME, O_SEED, O_THREADS, O_DATA, O_OUT, O_TEMP, O_PROJ, O_PROJ_HIDDEN, O_NO_PROJ_BN, O_SHARP, O_SHARED };
    static const struct option opts[] = {
        {"aug", 1, 0, O_AUG}, {"pairs", 1, 0, O_PAIRS}, {"encoder", 1, 0, O_ENC}, {"width", 1, 0, O_WIDTH},
        {"config", 1, 0, O_CONFIG}, {"print-config", 0, 0, O_PRINT}, {"masks", 1, 0, O_MASKS}, {"alpha", 1, 0, O_ALPHA}, {"sharpness", 1, 0, O_SHARP}, {"shared-masks", 0, 0, O_SHARED},
        {"masker-lr", 1, 0, O_MLR}, {"steps", 1, 0, O_STEPS}, {"batch", 1, 0, O_BATCH}, {"lr", 1, 0, O_LR},
        {"warmup", 1, 0, O_WARMUP}, {"weight-decay", 1, 0, O_WD}, {"clip-norm", 1, 0, O_CLIP}, {"eval-every", 1, 0, O_EVAL},
        {"log-every", 1, 0, O_LOG}, {"stop-after", 1, 0, O_STOP}, {"resume", 0, 0, O_RESUME}, {"seed", 1, 0, O_SEED},
        {"threads", 1, 0, O_THREADS}, {"data", 1, 0, O_DATA}, {"out", 1, 0, O_OUT}, {"quiet", 0, 0, 'q'},
        {"temperature", 1, 0, O_TEMP}, {"proj", 1, 0, O_PROJ}, {"proj-hidden", 1, 0, O_PROJ_HIDDEN},
        {"no-proj-bn", 0, 0, O_NO_PROJ_BN},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *cmd = "ssl";
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case O_AUG: aug = optarg; break;
        case O_PAIRS: pairs = optarg; break;
        case O_ENC: encoder = optarg; break;
        case O_WIDTH: if (opt_int(cmd, "--width", optarg, 1, 1024, &width)) return 2; break;
        case O_CONFIG: config = optarg; break;
        case O_PRINT: print = 1; break;
        case O_MASKS: if (opt_int(cmd, "--masks", optarg, 1, 16, &n_masks)) return 2; break;
        case O_ALPHA: if (opt_double(cmd, "--alpha", optarg, 0, 1000, &alpha)) return 2; break;
        case O_SHARED: shared_masks = 1; break;
        case O_SHARP: if (opt_double(cmd, "--sharpness", optarg, 1, 1000, &sharpness)) return 2; break;
        case O_MLR: if (opt_double(cmd, "--masker-lr", optarg, 0, 10, &o.masker_lr)) return 2; break;
        case O_STEPS: if (opt_int(cmd, "--steps", optarg, 1, 100000000, &iv)) return 2; o.steps = iv; break;
        case O_BATCH: if (opt_int(cmd, "--batch", optarg, 2, 65536, &o.batch)) return 2; break;
        case O_LR: if (opt_double(cmd, "--lr", optarg, 0, 10, &o.lr)) return 2; break;
        case O_WARMUP: if (opt_int(cmd, "--warmup", optarg, 0, 100000000, &iv)) return 2; o.warmup = iv; break;
        case O_WD: if (opt_double(cmd, "--weight-decay", optarg, 0, 10, &o.weight_decay)) return 2; break;
        case O_CLIP: if (opt_double(cmd, "--clip-norm", optarg, 0, 1e6, &o.clip_norm)) return 2; break;
        case O_EVAL: if (opt_int(cmd, "--eval-every", optarg, 1, 100000000, &iv)) return 2; o.eval_every = iv; break;
        case O_LOG: if (opt_int(cmd, "--log-every", optarg, 1, 100000000, &iv)) return 2; o.log_every = iv; break;
        case O_STOP: if (opt_int(cmd, "--stop-after", optarg, 1, 100000000, &iv)) return 2; o.stop_after = iv; break;
        case O_RESUME: o.resume = 1; break;
        case O_SEED: if (opt_double(cmd, "--seed", optarg, 0, 9007199254740992.0, &dv)) return 2; o.seed = (uint64_t)dv; break;
        case O_THREADS: if (opt_int(cmd, "--threads", optarg, 1, 1024, &threads)) return 2; break;
        case O_TEMP: if (opt_double(cmd, "--temperature", optarg, 1e-3, 100, &temperature)) return 2; break;
        case O_PROJ: if (opt_int(cmd, "--proj", optarg, 1, 65536, &proj)) return 2; break;
        case O_PROJ_HIDDEN: if (opt_int(cmd, "--proj-hidden", optarg, 1, 65536, &proj_hidden)) return 2; break;
        case O_NO_PROJ_BN: no_proj_bn = 1; break;
        case O_DATA: o.pack_path = optarg; break;
        case O_OUT: o.out_dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            fprintf(stderr, "scar ssl: %s '%s'\n\n", optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) return fprintf(stderr, "scar ssl: unexpected argument '%s'\n", argv[optind]), 2;
    if (!strcmp(encoder, "transformer")) o.model = ssl_config_default(SSL_TRANSFORMER);
    else if (strcmp(encoder, "resnet")) return fprintf(stderr, "scar ssl: --encoder is resnet or transformer\n"), 2;
    if (width > 0) o.model.resnet.base_width = width;
    o.model.head = projection_head_config_default(ssl_feature_dim(&o.model));
    if (config) {
        FILE *f = fopen(config, "rb");
        if (!f) return scar_fail("%s: cannot open the configuration", config), cli_report_error(cmd);
        char buf[1 << 16];
        const size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        if (ssl_config_from_json(&o.model, buf, config) != 0) return cli_report_error(cmd);
    }
    /* the command line wins over the encoder's defaults and --config */
    if (n_masks > 0) o.model.masker.n_masks = n_masks;
    if (alpha >= 0) o.model.masker.alpha = alpha;
    if (sharpness > 0) o.model.masker.sharpness = sharpness;
    if (shared_masks) o.model.masker.per_lead = 0;
    if (temperature > 0) o.model.temperature = temperature;
    if (proj > 0) o.model.head.out = proj;
    if (proj_hidden > 0) o.model.head.hidden = proj_hidden;
    if (no_proj_bn) o.model.head.bn = 0;
    if (aug && !strncmp(aug, "adv", 3) && (aug[3] == 0 || aug[3] == ':')) {
        /* adv's options are those of the standard augmentation its views go through */
        char std[AUG_TEXT_MAX + 8]; /* room to overflow AUG_TEXT_MAX, so augment_parse reports "too long" */
        snprintf(std, sizeof std, "standard%s", aug + 3);
        if (augment_parse(std, &o.aug, &o.aug_opt) != 0) {
            scar_fail_context("--aug %s: adv takes the standard augmentation's options (noise, scale, shift): ", aug);
            return cli_report_error(cmd);
        }
        o.adversarial = 1;
    } else if (aug && augment_parse(aug, &o.aug, &o.aug_opt) != 0) {
        return cli_report_error(cmd);
    }
    if (print) { /* with --aug adv, the masker's section too */
        if (o.adversarial) o.model.has_masker = 1;
        char *j = ssl_config_to_json(&o.model);
        printf("%s\n", j);
        free(j);
        return 0;
    }
    if (!aug || !o.pack_path || !o.out_dir) return fprintf(stderr, "scar ssl: --aug, --data and --out are required\n"), 2;
    o.halves = pairs ? !strcmp(pairs, "halves") : (!o.adversarial && o.aug == AUG_NONE);
    if (pairs && strcmp(pairs, "halves") && strcmp(pairs, "views")) return fprintf(stderr, "scar ssl: --pairs is views or halves\n"), 2;
    engine_init(threads);
    o.progress = quiet ? 0 : -1;
    SslTrainResult res;
    if (ssl_train(&o, &res) != 0) return cli_report_error(cmd);
    char val[96];
    if (isnan(res.best_val_loss)) snprintf(val, sizeof val, "no validation loss (fewer than 2 validation records)");
    else snprintf(val, sizeof val, "best validation loss %.4f", res.best_val_loss);
    printf("scar ssl (%s%s): %lld steps, final loss %.4f, %s, %.1f records/s, %.0f s; model in %s/%s.safetensors\n",
           aug, o.halves ? ", halves" : "", (long long)res.steps_done, res.final_loss, val, res.records_per_s,
           res.seconds, o.out_dir, isnan(res.best_val_loss) ? "last" : "best");
    return 0;
}
