/* scar bench engine: one full training step (forward, backward, AdamW) of the reference encoder —
 * batch 32, 120 tokens, 4 layers, width 128, 4 heads, MLP 512 — in scar and, in the same run, the
 * identical model and step in PyTorch (tools/bench_engine_torch.py, Debian's python3-torch, the
 * best of its thread settings and of two PyTorch implementations). Prints ms/step, the ratio,
 * effective GFLOP/s, that rate against this machine's measured GEMM rate, and peak memory. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/commands.h"
#include "core/error.h"
#include "core/gemm.h"
#include "core/ops.h"
#include "core/optim.h"
#include "core/parallel.h"
#include "model/transformer.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    int batch, tokens, layers, width, heads, mlp, classes, steps, warmup, threads, torch;
} BenchArgs;

/* The rate of the engine's own threaded GEMM on a large square product: the ceiling to compare with. */
static double measure_gemm_gflops(void) {
    const int n = 1536;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) a[i] = (float)((i * 7) % 13) / 13.f, b[i] = (float)((i * 5) % 11) / 11.f;
    gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
    double best = 1e30;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
        double dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    free(a), free(b), free(c);
    return 2.0 * n * n * (double)n / best / 1e9;
}

/* One training step of the encoder + mean pooling + linear head + cross-entropy. */
static float train_step(Graph *g, const Transformer *tf, Tensor *head, ParamStore *ps, AdamW *opt,
                        const float *x_data, const int32_t *labels, const BenchArgs *a) {
    graph_reset(g);
    params_zero_grad(ps);
    Tensor *x = tensor_copy_of(g, x_data, SHAPE(a->batch, a->tokens, a->width));
    Tensor *h = transformer_forward(g, tf, x, NULL);
    Tensor *w = tensor_new(g, SHAPE(a->batch, a->tokens));
    for (int64_t i = 0; i < w->numel; i++) w->data[i] = 1.0f / (float)a->tokens;
    Tensor *loss = op_cross_entropy(g, op_linear(g, op_pool_weighted(g, h, w), head, NULL), labels);
    graph_backward(g, loss);
    adamw_step(opt, ps, 1e-4);
    return loss->data[0];
}

/* Run the PyTorch side; returns the best median ms over its settings (or -1 if unavailable). */
static double run_torch(const BenchArgs *a, char *best_desc, size_t desc_len, double *torch_rss) {
    const char *variants[] = {"manual", "nn"};
    double best = -1;
    for (int v = 0; v < 2; v++)
        for (int t = 1; t <= a->threads; t++) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd,
                     "cd tools && /usr/bin/python3 bench_engine_torch.py --variant %s --threads %d --steps %d "
                     "--warmup %d --batch %d --tokens %d --layers %d --width %d --heads %d --mlp %d --classes %d 2>&1",
                     variants[v], t, a->steps, a->warmup, a->batch, a->tokens, a->layers, a->width, a->heads, a->mlp, a->classes);
            FILE *p = popen(cmd, "r");
            if (!p) return -1;
            char line[1024], last[1024] = "";
            while (fgets(line, sizeof line, p)) snprintf(last, sizeof last, "%s", line);
            int st = pclose(p);
            const char *m = strstr(last, "\"median_ms\": ");
            const char *r = strstr(last, "\"max_rss_mb\": ");
            if (st != 0 || !m) {
                fprintf(stderr, "  pytorch (%s, %d threads) did not run: %s", variants[v], t, last);
                continue;
            }
            double ms = atof(m + 13);
            printf("  pytorch %-6s %d thread%s  %8.1f ms/step\n", variants[v], t, t > 1 ? "s" : " ", ms);
            if (best < 0 || ms < best) {
                best = ms;
                snprintf(best_desc, desc_len, "%s, %d thread%s", variants[v], t, t > 1 ? "s" : "");
                if (r) *torch_rss = atof(r + 14);
            }
        }
    return best;
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar bench engine [options]\n\n"
            "Times one training step (forward, backward, AdamW) of a pre-norm transformer encoder in\n"
            "scar and the same step in PyTorch (Debian's python3-torch) in the same run.\n\n"
            "  --batch N      samples per step (32)         --tokens N   tokens per sample (120)\n"
            "  --layers N     transformer blocks (4)        --width N    model width (128)\n"
            "  --heads N      attention heads (4)           --mlp N      MLP hidden width (512)\n"
            "  --steps N      timed steps (20)              --warmup N   untimed steps first (3)\n"
            "  --threads N    engine threads (all cores)    --no-torch   skip the PyTorch side\n");
}

int bench_engine(int argc, char **argv) {
    BenchArgs a = {32, 120, 4, 128, 4, 512, 10, 20, 3, 0, 1};
    static const struct option opts[] = {
        {"batch", 1, 0, 'b'}, {"tokens", 1, 0, 't'}, {"layers", 1, 0, 'l'}, {"width", 1, 0, 'w'},
        {"heads", 1, 0, 'H'}, {"mlp", 1, 0, 'm'}, {"steps", 1, 0, 's'}, {"warmup", 1, 0, 'W'},
        {"threads", 1, 0, 'j'}, {"no-torch", 0, 0, 'n'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int *dst = NULL;
        switch (c) {
        case 'b': dst = &a.batch; break;
        case 't': dst = &a.tokens; break;
        case 'l': dst = &a.layers; break;
        case 'w': dst = &a.width; break;
        case 'H': dst = &a.heads; break;
        case 'm': dst = &a.mlp; break;
        case 's': dst = &a.steps; break;
        case 'W': dst = &a.warmup; break;
        case 'j': dst = &a.threads; break;
        case 'n': a.torch = 0; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
        if (dst) {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || v < (dst == &a.warmup ? 0 : 1) || v > 1000000) {
                fprintf(stderr, "scar bench engine: --%s wants a positive integer, got '%s'\n", opts[0].name, optarg);
                return 2;
            }
            *dst = (int)v;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "scar bench engine: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    if (a.width % a.heads) {
        fprintf(stderr, "scar bench engine: width %d is not divisible by %d heads\n", a.width, a.heads);
        return 2;
    }
    engine_init(a.threads);
    a.threads = engine_threads();

    TransformerConfig cfg = {a.width, a.heads, a.layers, a.mlp, 0.0, 1e-5};
    ParamStore ps;
    params_init(&ps);
    Transformer tf;
    transformer_declare(&tf, &ps, &cfg, "enc");
    Tensor *head = params_add(&ps, "head_w", SHAPE(a.classes, a.width), 1);
    params_finalize(&ps);
    Rng rng;
    rng_seed(&rng, 0, 0);
    transformer_init(&tf, &rng);
    init_normal(head, &rng, 0.02);
    AdamW opt;
    adamw_init(&opt, &ps, 0.9, 0.999, 1e-8, 0.01);

    float *x = malloc(sizeof(float) * (size_t)a.batch * a.tokens * a.width);
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)a.batch);
    for (long i = 0; i < (long)a.batch * a.tokens * a.width; i++) x[i] = (float)rng_normal(&rng);
    for (int i = 0; i < a.batch; i++) labels[i] = (int32_t)rng_below(&rng, (uint32_t)a.classes);

    printf("engine benchmark: batch %d, %d tokens, %d layers, width %d, %d heads, MLP %d; %d threads\n",
           a.batch, a.tokens, a.layers, a.width, a.heads, a.mlp, a.threads);
    Graph *g = graph_new(64 << 20);
    for (int i = 0; i < a.warmup; i++) train_step(g, &tf, head, &ps, &opt, x, labels, &a);
    double *times = malloc(sizeof(double) * (size_t)a.steps);
    float loss = 0;
    for (int i = 0; i < a.steps; i++) {
        double t0 = now_s();
        loss = train_step(g, &tf, head, &ps, &opt, x, labels, &a);
        times[i] = now_s() - t0;
    }
    qsort(times, (size_t)a.steps, sizeof(double), cmp_double);
    const double med = times[a.steps / 2], best = times[0];
    const double flops = 3 * transformer_forward_flops(&cfg, a.batch, a.tokens); /* forward + 2x backward */
    const double gemm_rate = measure_gemm_gflops();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double scar_ms = 1e3 * med, eff = flops / med / 1e9;
    printf("  scar                     %8.1f ms/step (best %.1f; loss %.4f)\n", scar_ms, 1e3 * best, loss);

    double torch_ms = -1, torch_rss = 0;
    char desc[64] = "";
    if (a.torch) torch_ms = run_torch(&a, desc, sizeof desc, &torch_rss);

    printf("\n| measure | value |\n|---|---|\n");
    printf("| scar ms/step (median of %d) | %.1f |\n", a.steps, scar_ms);
    if (torch_ms > 0) {
        printf("| PyTorch ms/step (best setting: %s) | %.1f |\n", desc, torch_ms);
        printf("| speed-up over PyTorch | %.2fx (target >= 1.5x) |\n", torch_ms / scar_ms);
    } else if (a.torch) {
        printf("| PyTorch | not run (install python3-torch: scripts/deps.sh torch) |\n");
    }
    printf("| model FLOPs per step | %.2f GFLOP |\n", flops / 1e9);
    printf("| effective rate | %.1f GFLOP/s (target >= 120) |\n", eff);
    printf("| engine GEMM rate (1536^3) | %.1f GFLOP/s |\n", gemm_rate);
    printf("| effective / GEMM rate | %.0f%% |\n", 100 * eff / gemm_rate);
    printf("| activation arena peak | %.1f MiB |\n", (double)arena_peak(g->arena) / (1 << 20));
    printf("| parameters + grads + AdamW moments | %.1f MiB (%lld parameters) |\n",
           4.0 * (double)ps.total * sizeof(real) / (1 << 20), (long long)params_count(&ps));
    printf("| process peak RSS | %.1f MiB |\n", (double)ru.ru_maxrss / 1024);
    if (torch_rss > 0) printf("| PyTorch process peak RSS | %.1f MiB |\n", torch_rss);

    free(times), free(x), free(labels);
    graph_free(g);
    adamw_free(&opt);
    transformer_free(&tf);
    params_free(&ps);
    return 0;
}
