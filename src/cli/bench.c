/* scar bench <what>: benchmarks that print figures and ratios against a reference run in the same
 * process or the same invocation. One function per benchmark, each in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} Bench;

/* One line per benchmark. */
static const Bench BENCHES[] = {
    {"engine", "one transformer training step against the same step in PyTorch", bench_engine},
    {"data", "records/s packing 500 Hz WFDB to 100 Hz; ms per shuffled batch of 256", bench_data},
    {"synth", "records/s generating the synthetic corpus (10 s, 100 Hz, 12 leads)", bench_synth},
    {"ssl", "one SimCLR step of the 1-D ResNet-18 against the same step in PyTorch", bench_ssl},
    {NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fprintf(f, "usage: scar bench <what> [options]     scar bench <what> --help\n\nbenchmarks:\n");
    for (int i = 0; BENCHES[i].name; i++) fprintf(f, "  %-10s %s\n", BENCHES[i].name, BENCHES[i].summary);
}

int cmd_bench(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return 0;
    }
    for (int i = 0; BENCHES[i].name; i++)
        if (!strcmp(argv[1], BENCHES[i].name)) return BENCHES[i].run(argc - 1, argv + 1);
    fprintf(stderr, "scar bench: unknown benchmark '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
