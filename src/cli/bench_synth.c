/* scar bench synth: how fast the synthetic corpus generates records (10 s, 100 Hz, 12 leads: the
 * corpus's default record), in memory and written into a pack as `scar synth` does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli/commands.h"
#include "cli/options.h"
#include "core/progress.h"
#include "core/error.h"
#include "data/synth/corpus.h"
#include "data/synth/synth.h"

#define TARGET_RECORDS_PER_S 500.0

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar bench synth [--records N] [--threads N]\n"
            "\n"
            "Generates N synthetic records (10 s, 100 Hz, 12 leads, default noise, report, labels and\n"
            "evidence map) and reports records per second, first in memory, then written into a pack in a\n"
            "temporary folder as `scar synth -n N -o FILE` does. Target: at least %.0f records per second\n"
            "on 2 cores.\n"
            "\n"
            "  --records N   records to generate (default 4000)\n"
            "  --threads N   threads (default 2, the target's core count)\n",
            TARGET_RECORDS_PER_S);
}

int bench_synth(int argc, char **argv) {
    int n = 4000, threads = 2;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--records")) {
            if (opt_int("bench synth", argv[i], v, 10, 10000000, &n)) return 2;
            i++;
        } else if (!strcmp(argv[i], "--threads")) {
            if (opt_int("bench synth", argv[i], v, 1, 1024, &threads)) return 2;
            i++;
        } else {
            fprintf(stderr, "scar bench synth: unknown option '%s'\n(scar bench synth --help for the options)\n",
                    argv[i]);
            return 2;
        }
    }
#ifdef _OPENMP
    omp_set_num_threads(threads);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
#else
    threads = 1;
    long cores = 1;
#endif
    SynthConfig c;
    synth_config_default(&c);
    printf("scar bench synth: %d records of %g s at %g Hz, 12 leads, on %d thread%s (%ld cores here)\n", n,
           (double)c.duration_s, (double)c.rate_hz, threads, threads == 1 ? "" : "s", cores);

    double t0 = now_seconds();
    long checksum = 0;
#pragma omp parallel for schedule(dynamic, 8) reduction(+ : checksum)
    for (int i = 0; i < n; i++) {
        EcgRecord r;
        synth_generate(&c, (uint64_t)i, &r);
        checksum += r.n_evidence; /* keeps the work observable */
        record_free(&r);
    }
    double in_memory = n / (now_seconds() - t0);

    const char *base = getenv("TMPDIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/scar-bench-synth-%ld.pack", base && *base ? base : "/tmp", (long)getpid());
    t0 = now_seconds();
    if (synth_write_pack(&c, n, path, threads, NULL, NULL) != 0) {
        fprintf(stderr, "scar bench synth: %s\n", scar_last_error());
        return 1;
    }
    double packed = n / (now_seconds() - t0);
    remove(path);

    printf("  generated in memory     %8.0f records/s   (%ld evidence spans)\n", in_memory, checksum);
    printf("  generated into a pack   %8.0f records/s\n", packed);
    printf("  target                  %8.0f records/s on 2 cores: %s\n", TARGET_RECORDS_PER_S,
           packed >= TARGET_RECORDS_PER_S ? "met" : "NOT met");
    return 0;
}
