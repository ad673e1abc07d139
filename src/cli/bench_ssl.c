/* scar bench ssl: one SimCLR training step of the 1-D ResNet-18 — two views of a batch of 64
 * 12-lead ECGs of 1000 samples (10 s at 100 Hz) through the encoder as one batch, the projection
 * head, NT-Xent, backward, AdamW — in scar and, in the same run, the identical model and step in
 * PyTorch (tools/bench_ssl_torch.py, Debian's python3-torch with nn.Conv1d / nn.BatchNorm1d, the
 * best of 1 and 2 threads). Prints ms/step, the ratio against the target, effective GFLOP/s and
 * peak memory. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/commands.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "model/ntxent.h"
#include "model/resnet1d.h"

#define TARGET_SPEEDUP 1.5

typedef struct {
    int batch, leads, length, width, proj, steps, warmup, threads, torch, head_bn;
    double temperature;
} SslBenchArgs;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One SimCLR step: views [B, leads, L] each -> encoder (both as one batch) -> head -> NT-Xent. */
static float ssl_step(Graph *g, const ResNet1d *enc, const ProjectionHead *head, ParamStore *ps, AdamW *opt,
                      const float *v1, const float *v2, const SslBenchArgs *a) {
    graph_reset(g);
    params_zero_grad(ps);
    const int B = a->batch;
    Tensor *x = tensor_new(g, SHAPE(2 * B, a->leads, a->length));          /* [2B, leads, L] */
    const size_t half = (size_t)B * a->leads * a->length;
    memcpy(x->data, v1, half * sizeof(float));
    memcpy(x->data + half, v2, half * sizeof(float));
    Tensor *z = projection_head_forward(g, head, resnet1d_forward(g, enc, x)); /* [2B, P] */
    Tensor *loss = ntxent_loss(g, op_slice(g, z, 0, 0, B), op_slice(g, z, 0, B, B), a->temperature, NULL);
    graph_backward(g, loss);
    adamw_step(opt, ps, 1e-4);
    return loss->data[0];
}

/* The PyTorch side at 1 and 2 threads; returns the best median ms (or -1 if it did not run). */
static double run_torch(const SslBenchArgs *a, int *best_threads, double *torch_rss) {
    double best = -1;
    for (int t = 1; t <= 2; t++) {
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "cd tools && /usr/bin/python3 bench_ssl_torch.py --threads %d --steps %d --warmup %d --batch %d "
                 "--leads %d --length %d --width %d --proj %d --temperature %g%s 2>&1",
                 t, a->steps, a->warmup, a->batch, a->leads, a->length, a->width, a->proj, a->temperature,
                 a->head_bn ? "" : " --no-head-bn");
        FILE *p = popen(cmd, "r");
        if (!p) return -1;
        char line[1024], last[1024] = "";
        while (fgets(line, sizeof line, p)) snprintf(last, sizeof last, "%s", line);
        int st = pclose(p);
        const char *m = strstr(last, "\"median_ms\": ");
        const char *r = strstr(last, "\"max_rss_mb\": ");
        if (st != 0 || !m) {
            fprintf(stderr, "  pytorch (%d threads) did not run: %s", t, last);
            continue;
        }
        double ms = atof(m + 13);
        printf("  pytorch  %d thread%s  %8.1f ms/step\n", t, t > 1 ? "s" : " ", ms);
        if (best < 0 || ms < best) {
            best = ms;
            *best_threads = t;
            if (r) *torch_rss = atof(r + 14);
        }
    }
    return best;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar bench ssl [options]\n\n"
            "Times one SimCLR training step of the 1-D ResNet-18 (two views through the encoder as one\n"
            "batch, projection head, NT-Xent, backward, AdamW) in scar and the same step in PyTorch\n"
            "(Debian's python3-torch, best of 1 and 2 threads) in the same run.\n\n"
            "  --batch N        samples per view (64)      --length N   samples per lead (1000)\n"
            "  --leads N        input channels (12)        --width N    ResNet base width (64)\n"
            "  --proj N         projection size (128)      --temperature T  NT-Xent temperature (0.1)\n"
            "  --no-head-bn     linear-ReLU-linear head (default linear-BN-ReLU-linear)\n"
            "  --steps N        timed steps (5)            --warmup N   untimed steps first (1)\n"
            "  --threads N      engine threads (all cores) --no-torch   skip the PyTorch side\n");
}

int bench_ssl(int argc, char **argv) {
    SslBenchArgs a = {64, 12, 1000, 64, 128, 5, 1, 0, 1, 1, 0.1};
    static const struct option opts[] = {
        {"batch", 1, 0, 'b'}, {"leads", 1, 0, 'c'}, {"length", 1, 0, 'L'}, {"width", 1, 0, 'w'},
        {"proj", 1, 0, 'p'}, {"temperature", 1, 0, 'T'}, {"no-head-bn", 0, 0, 'B'}, {"steps", 1, 0, 's'},
        {"warmup", 1, 0, 'W'}, {"threads", 1, 0, 'j'}, {"no-torch", 0, 0, 'n'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, idx = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        int *dst = NULL;
        switch (c) {
        case 'b': dst = &a.batch; break;
        case 'c': dst = &a.leads; break;
        case 'L': dst = &a.length; break;
        case 'w': dst = &a.width; break;
        case 'p': dst = &a.proj; break;
        case 's': dst = &a.steps; break;
        case 'W': dst = &a.warmup; break;
        case 'j': dst = &a.threads; break;
        case 'B': a.head_bn = 0; break;
        case 'n': a.torch = 0; break;
        case 'T': {
            char *end;
            a.temperature = strtod(optarg, &end);
            if (*end || !(a.temperature > 0)) {
                fprintf(stderr, "scar bench ssl: --temperature wants a positive number, got '%s'\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (dst) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < (dst == &a.warmup ? 0 : 1) || v > 100000) {
                fprintf(stderr, "scar bench ssl: --%s wants a positive integer, got '%s'\n", opts[idx].name, optarg);
                return 2;
            }
            *dst = (int)v;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scar bench ssl: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (a.batch < 2) {
        fprintf(stderr, "scar bench ssl: --batch must be at least 2 (batch norm needs several samples)\n");
        return 2;
    }
    engine_init(a.threads);
    a.threads = engine_threads();

    ResNet1dConfig cfg = resnet1d_config_default();
    cfg.in_channels = a.leads;
    cfg.base_width = a.width;
    ProjectionHeadConfig hc = projection_head_config_default(resnet1d_out_features(&cfg));
    hc.out = a.proj;
    hc.bn = a.head_bn;
    if (resnet1d_config_validate(&cfg, "scar bench ssl") || projection_head_config_validate(&hc, "scar bench ssl"))
        return cli_report_error("bench ssl");
    ParamStore ps;
    params_init(&ps);
    ResNet1d enc;
    ProjectionHead head;
    resnet1d_declare(&enc, &ps, &cfg, "enc");
    projection_head_declare(&head, &ps, &hc, "proj");
    params_finalize(&ps);
    Rng rng;
    rng_seed(&rng, 0, 0);
    resnet1d_init(&enc, &rng);
    projection_head_init(&head, &rng);
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.999, 1e-8, 0.01);

    const size_t n = (size_t)a.batch * a.leads * a.length;
    float *v1 = malloc(n * sizeof(float)), *v2 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) v1[i] = (float)rng_normal(&rng), v2[i] = (float)rng_normal(&rng);

    printf("SSL step benchmark: ResNet-18 (1-D, width %d), batch %d x 2 views, %d leads x %d samples, "
           "projection %d%s; %d threads\n",
           a.width, a.batch, a.leads, a.length, a.proj, a.head_bn ? " (BN head)" : "", a.threads);
    Graph *g = graph_new(256 << 20);
    for (int i = 0; i < a.warmup; i++) ssl_step(g, &enc, &head, &ps, &opt, v1, v2, &a);
    double *times = malloc(sizeof(double) * (size_t)a.steps);
    float loss = 0;
    for (int i = 0; i < a.steps; i++) {
        double t0 = now_s();
        loss = ssl_step(g, &enc, &head, &ps, &opt, v1, v2, &a);
        times[i] = now_s() - t0;
    }
    qsort(times, (size_t)a.steps, sizeof(double), cmp_double);
    const double med = times[a.steps / 2], best = times[0];
    const double flops = 3 * resnet1d_forward_flops(&cfg, 2 * a.batch, a.length); /* forward + 2x backward */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double scar_ms = 1e3 * med;
    printf("  scar     %d thread%s  %8.1f ms/step (best %.1f; loss %.4f)\n", a.threads, a.threads > 1 ? "s" : " ",
           scar_ms, 1e3 * best, loss);

    double torch_ms = -1, torch_rss = 0;
    int torch_threads = 0;
    if (a.torch) torch_ms = run_torch(&a, &torch_threads, &torch_rss);

    printf("\n| measure | value |\n|---|---|\n");
    printf("| scar ms/step (median of %d, %d threads) | %.1f |\n", a.steps, a.threads, scar_ms);
    if (torch_ms > 0) {
        printf("| PyTorch ms/step (median, best of 1 and 2 threads: %d) | %.1f |\n", torch_threads, torch_ms);
        printf("| speed-up over PyTorch | %.2fx (target >= %.1fx: %s) |\n", torch_ms / scar_ms, TARGET_SPEEDUP,
               torch_ms / scar_ms >= TARGET_SPEEDUP ? "met" : "not met");
    } else if (a.torch) {
        printf("| PyTorch | not run (install python3-torch: scripts/deps.sh torch) |\n");
    }
    printf("| convolution FLOPs per step | %.1f GFLOP |\n", flops / 1e9);
    printf("| effective rate | %.1f GFLOP/s |\n", flops / med / 1e9);
    printf("| activation arena peak | %.1f MiB |\n", (double)arena_peak(g->arena) / (1 << 20));
    printf("| parameters + grads + AdamW moments | %.1f MiB (%lld parameters) |\n",
           4.0 * (double)ps.total * sizeof(real) / (1 << 20), (long long)params_count(&ps));
    printf("| process peak RSS | %.1f MiB |\n", (double)ru.ru_maxrss / 1024);
    if (torch_rss > 0) printf("| PyTorch process peak RSS | %.1f MiB |\n", torch_rss);

    free(times), free(v1), free(v2);
    graph_free(g);
    adamw_free(&opt);
    params_free(&ps);
    return 0;
}
