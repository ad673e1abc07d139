/* scar bench ssl: one SimCLR training step of the 1-D ResNet-18 — two views of a batch of 64
 * 12-lead ECGs of 1000 samples (10 s at 100 Hz) through the encoder as one batch, the projection
 * head, NT-Xent, backward, AdamW — in scar and, in the same run, the identical model and step in
 * PyTorch (tools/bench_ssl_torch.py, Debian's python3-torch with nn.Conv1d / nn.BatchNorm1d).
 * Both sides run at 1 and at 2 threads (on a machine shared with other work, 2 threads can lose to
 * 1 on either side); the verdict compares the best of each. Prints ms/step, the ratios against
 * the target, effective GFLOP/s and peak memory. */
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

static double clock_s(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
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

/* The PyTorch side at `threads`: median ms/step (and CPU ms/step in *cpu_ms), or -1 if it did not run. */
static double run_torch(const SslBenchArgs *a, int threads, double *cpu_ms, double *torch_rss) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd tools && /usr/bin/python3 bench_ssl_torch.py --threads %d --steps %d --warmup %d --batch %d "
             "--leads %d --length %d --width %d --proj %d --temperature %g%s 2>&1",
             threads, a->steps, a->warmup, a->batch, a->leads, a->length, a->width, a->proj, a->temperature,
             a->head_bn ? "" : " --no-head-bn");
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char line[1024], last[1024] = "";
    while (fgets(line, sizeof line, p)) snprintf(last, sizeof last, "%s", line);
    int st = pclose(p);
    const char *m = strstr(last, "\"median_ms\": ");
    const char *r = strstr(last, "\"max_rss_mb\": ");
    if (st != 0 || !m) {
        fprintf(stderr, "  pytorch (%d threads) did not run: %s", threads, last);
        return -1;
    }
    if (r && atof(r + 14) > *torch_rss) *torch_rss = atof(r + 14);
    const char *c = strstr(last, "\"median_cpu_ms\": ");
    *cpu_ms = c ? atof(c + 17) : -1;
    return atof(m + 13);
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar bench ssl [options]\n\n"
            "Times one SimCLR training step of the 1-D ResNet-18 (two views through the encoder as one\n"
            "batch, projection head, NT-Xent, backward, AdamW) in scar and the same step in PyTorch\n"
            "(Debian's python3-torch) in the same run, both at 1 and at 2 threads.\n\n"
            "  --batch N        samples per view (64)      --length N   samples per lead (1000)\n"
            "  --leads N        input channels (12)        --width N    ResNet base width (64)\n"
            "  --proj N         projection size (128)      --temperature T  NT-Xent temperature (0.1)\n"
            "  --no-head-bn     linear-ReLU-linear head (default linear-BN-ReLU-linear)\n"
            "  --steps N        timed steps (5)            --warmup N   untimed steps first (1)\n"
            "  --threads N      only this thread count (both sides; default 1 and 2)\n"
            "  --rounds N       repeat the measurements, keep each setting's best (1)\n"
            "  --no-torch       skip the PyTorch side\n\n"
            "OMP_WAIT_POLICY (unset, active, passive) applies to both sides; on a machine busy with other\n"
            "work, passive keeps idle threads from spinning against the busy ones.\n");
}

typedef struct {
    ParamStore ps;
    ResNet1d enc;
    ProjectionHead head;
    AdamW opt;
    Graph *g;
    float *v1, *v2;
} SslBench;

/* Median ms/step of scar at `threads` (after the warm-up steps), its median CPU ms/step in
 * *cpu_ms; *loss gets the last loss. */
static double time_scar(SslBench *b, const SslBenchArgs *a, int threads, double *cpu_ms, float *loss) {
    engine_init(threads);
    for (int i = 0; i < a->warmup; i++) ssl_step(b->g, &b->enc, &b->head, &b->ps, &b->opt, b->v1, b->v2, a);
    double *times = malloc(sizeof(double) * 2 * (size_t)a->steps), *cpu = times + a->steps;
    for (int i = 0; i < a->steps; i++) {
        const double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        *loss = ssl_step(b->g, &b->enc, &b->head, &b->ps, &b->opt, b->v1, b->v2, a);
        times[i] = clock_s(CLOCK_MONOTONIC) - t0;
        cpu[i] = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    qsort(times, (size_t)a->steps, sizeof(double), cmp_double);
    qsort(cpu, (size_t)a->steps, sizeof(double), cmp_double);
    const double med = 1e3 * times[a->steps / 2];
    *cpu_ms = 1e3 * cpu[a->steps / 2];
    free(times);
    return med;
}

static int parse_args(int argc, char **argv, SslBenchArgs *a, int *rounds) {
    static const struct option opts[] = {
        {"batch", 1, 0, 'b'}, {"leads", 1, 0, 'c'}, {"length", 1, 0, 'L'}, {"width", 1, 0, 'w'},
        {"proj", 1, 0, 'p'}, {"temperature", 1, 0, 'T'}, {"no-head-bn", 0, 0, 'B'}, {"steps", 1, 0, 's'},
        {"warmup", 1, 0, 'W'}, {"threads", 1, 0, 'j'}, {"rounds", 1, 0, 'r'}, {"no-torch", 0, 0, 'n'},
        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c, idx = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        int *dst = NULL;
        switch (c) {
        case 'b': dst = &a->batch; break;
        case 'c': dst = &a->leads; break;
        case 'L': dst = &a->length; break;
        case 'w': dst = &a->width; break;
        case 'p': dst = &a->proj; break;
        case 's': dst = &a->steps; break;
        case 'W': dst = &a->warmup; break;
        case 'j': dst = &a->threads; break;
        case 'r': dst = rounds; break;
        case 'B': a->head_bn = 0; break;
        case 'n': a->torch = 0; break;
        case 'T': {
            char *end;
            a->temperature = strtod(optarg, &end);
            if (*end || !(a->temperature > 0)) {
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
            if (*end || v < (dst == &a->warmup ? 0 : 1) || v > 100000) {
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
    if (a->batch < 2) {
        fprintf(stderr, "scar bench ssl: --batch must be at least 2 (batch norm needs several samples)\n");
        return 2;
    }
    return -1;
}

static void print_ratio(const char *what, double torch_ms, double scar_ms) {
    if (torch_ms > 0 && scar_ms > 0) printf("| speed-up over PyTorch, %s | %.2fx |\n", what, torch_ms / scar_ms);
}

int bench_ssl(int argc, char **argv) {
    SslBenchArgs a = {64, 12, 1000, 64, 128, 5, 1, 0, 1, 1, 0.1};
    int rounds = 1;
    const int st = parse_args(argc, argv, &a, &rounds);
    if (st >= 0) return st;

    ResNet1dConfig cfg = resnet1d_config_default();
    cfg.in_channels = a.leads;
    cfg.base_width = a.width;
    ProjectionHeadConfig hc = projection_head_config_default(resnet1d_out_features(&cfg));
    hc.out = a.proj;
    hc.bn = a.head_bn;
    if (resnet1d_config_validate(&cfg, "scar bench ssl") || projection_head_config_validate(&hc, "scar bench ssl"))
        return cli_report_error("bench ssl");
    SslBench b;
    params_init(&b.ps);
    resnet1d_declare(&b.enc, &b.ps, &cfg, "enc");
    projection_head_declare(&b.head, &b.ps, &hc, "proj");
    params_finalize(&b.ps);
    Rng rng;
    rng_seed(&rng, 0, 0);
    resnet1d_init(&b.enc, &rng);
    projection_head_init(&b.head, &rng);
    adamw_init(&b.opt, &b.ps, 0.9, 0.999, 1e-8, 0.01);
    const size_t n = (size_t)a.batch * a.leads * a.length;
    b.v1 = malloc(n * sizeof(float));
    b.v2 = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) b.v1[i] = (float)rng_normal(&rng), b.v2[i] = (float)rng_normal(&rng);
    b.g = graph_new(256 << 20);

    /* The thread counts measured on both sides: 1 and 2, or the one asked for. */
    const int counts[2] = {a.threads ? a.threads : 1, 2}, n_counts = a.threads ? 1 : 2;
    printf("SSL step benchmark: ResNet-18 (1-D, width %d), batch %d x 2 views, %d leads x %d samples, "
           "projection %d%s; %d timed steps after %d\n",
           a.width, a.batch, a.leads, a.length, a.proj, a.head_bn ? " (BN head)" : "", a.steps, a.warmup);
    /* Both sides use libgomp, whose idle threads spin before they sleep: on a machine busy with
     * other work that costs a scheduler slice per parallel region. The setting goes to both. */
    const char *wait = getenv("OMP_WAIT_POLICY");
    printf("OMP_WAIT_POLICY=%s (both sides)%s\n", wait ? wait : "unset", wait ? "" : "; on a shared machine, passive helps 2 threads");
    printf("scar's loss: one model keeps training on one batch through every setting, so it falls from line to line\n");
    double scar_ms[2] = {-1, -1}, torch_ms[2] = {-1, -1}, torch_rss = 0;
    double scar_cpu[2] = {-1, -1}, torch_cpu[2] = {-1, -1}; /* CPU ms/step of the best runs */
    float loss = 0;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < n_counts; k++) {
            const int t = counts[k];
            double cpu;
            double ms = time_scar(&b, &a, t, &cpu, &loss);
            printf("  scar     %d thread%s  %8.1f ms/step, CPU %8.1f ms/step (loss %.4f)\n", t, t > 1 ? "s" : " ", ms, cpu, loss);
            if (scar_ms[k] < 0 || ms < scar_ms[k]) scar_ms[k] = ms, scar_cpu[k] = cpu;
            if (!a.torch) continue;
            ms = run_torch(&a, t, &cpu, &torch_rss);
            if (ms < 0) continue;
            printf("  pytorch  %d thread%s  %8.1f ms/step, CPU %8.1f ms/step\n", t, t > 1 ? "s" : " ", ms, cpu);
            if (torch_ms[k] < 0 || ms < torch_ms[k]) torch_ms[k] = ms, torch_cpu[k] = cpu;
        }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    int best_s = 0, best_t = -1;
    for (int k = 0; k < n_counts; k++) {
        if (scar_ms[k] < scar_ms[best_s]) best_s = k;
        if (torch_ms[k] > 0 && (best_t < 0 || torch_ms[k] < torch_ms[best_t])) best_t = k;
    }
    const double flops = 3 * resnet1d_forward_flops(&cfg, 2 * a.batch, a.length); /* forward + 2x backward */
    printf("\n| measure | value |\n|---|---|\n");
    for (int k = 0; k < n_counts; k++) {
        const int t = counts[k];
        printf("| scar ms/step, %d thread%s (median of %d) | %.1f |\n", t, t > 1 ? "s" : "", a.steps, scar_ms[k]);
        if (torch_ms[k] > 0) printf("| PyTorch ms/step, %d thread%s (median of %d) | %.1f |\n", t, t > 1 ? "s" : "", a.steps, torch_ms[k]);
    }
    if (best_t >= 0) {
        char what[64];
        for (int k = 0; k < n_counts; k++) {
            snprintf(what, sizeof what, "both at %d thread%s", counts[k], counts[k] > 1 ? "s" : "");
            print_ratio(what, torch_ms[k], scar_ms[k]);
        }
        if (counts[0] == 1 && scar_cpu[0] > 0 && torch_cpu[0] > 0) /* the work itself, whatever else runs */
            printf("| CPU ms/step at 1 thread: scar %.1f, PyTorch %.1f | %.2fx |\n", scar_cpu[0], torch_cpu[0], torch_cpu[0] / scar_cpu[0]);
        const double ratio = torch_ms[best_t] / scar_ms[best_s];
        printf("| speed-up, best against best (scar %d, PyTorch %d thread%s) | %.2fx (target >= %.1fx: %s) |\n",
               counts[best_s], counts[best_t], counts[best_t] > 1 ? "s" : "", ratio, TARGET_SPEEDUP,
               ratio >= TARGET_SPEEDUP ? "met" : "not met");
    } else if (a.torch) {
        printf("| PyTorch | not run (install python3-torch: scripts/deps.sh torch) |\n");
    }
    printf("| convolution FLOPs per step (direct) | %.1f GFLOP |\n", flops / 1e9);
    printf("| effective rate (best scar setting) | %.1f GFLOP/s |\n", flops / scar_ms[best_s] / 1e6);
    printf("| activation arena peak | %.1f MiB |\n", (double)arena_peak(b.g->arena) / (1 << 20));
    printf("| parameters + grads + AdamW moments | %.1f MiB (%lld parameters) |\n",
           4.0 * (double)b.ps.total * sizeof(real) / (1 << 20), (long long)params_count(&b.ps));
    printf("| process peak RSS | %.1f MiB |\n", (double)ru.ru_maxrss / 1024);
    if (torch_rss > 0) printf("| PyTorch process peak RSS | %.1f MiB |\n", torch_rss);

    free(b.v1), free(b.v2);
    graph_free(b.g);
    adamw_free(&b.opt);
    params_free(&b.ps);
    return 0;
}
