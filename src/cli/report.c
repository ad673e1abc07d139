/* scar report: results of several models side by side, as report.html (SVG plots) and report.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "core/parallel.h"
#include "eval/report.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: scar report [RESULT.json...] [--run DIR...] [--examples N --model M --data PACK] -o report.html\n\n"
            "Render evaluation results (scar zeroshot/probe/robustness --json) of one or more models side\n"
            "by side: Markdown tables (report.md, next to the page) and an HTML page with SVG plots --\n"
            "AUROC and CMRS against the fraction of leads or time removed, reduced lead sets, evidence and\n"
            "adversarial removal, per-class bars, training curves and example ECGs. Give results, runs,\n"
            "examples or any mix of them.\n\n"
            "  -o, --output FILE    the HTML page (required); the Markdown goes to FILE with .md\n"
            "  --run DIR            a scar pretrain folder: its training curves (repeatable)\n"
            "  --examples N         draw N test ECGs of --data (1..64) with --model M:\n"
            "                         scar pretrain checkpoint: the tokens its masker removes (a SCAR\n"
            "                         model) and its selector's weights;\n"
            "                         scar ssl --aug adv checkpoint: each of its adversarial masks, one\n"
            "                         panel per mask, samples shaded by the mask value (darker = removed\n"
            "                         more) and captioned with the mean fraction removed and kept;\n"
            "                         a scar ssl checkpoint of any other --aug has no masks: an error\n"
            "  --model M, --data PACK   for --examples\n"
            "  --title TEXT         the page's title\n"
            "  --threads N          threads for --examples (default: OMP_NUM_THREADS or all cores)\n\n"
            "The page and the .md appear only when complete: on any error neither is written.\n");
}

int cmd_report(int argc, char **argv) {
    const char *out = NULL, *model = NULL, *data = NULL, *title = NULL;
    const char **runs = xmalloc((size_t)argc * sizeof *runs);
    int n_runs = 0, n_examples = 0, threads = 0, rc = 0;
    enum { O_RUN = 256, O_EXAMPLES, O_MODEL, O_DATA, O_TITLE, O_THREADS };
    static const struct option opts[] = {{"output", 1, 0, 'o'}, {"run", 1, 0, O_RUN}, {"examples", 1, 0, O_EXAMPLES},
                                         {"model", 1, 0, O_MODEL}, {"data", 1, 0, O_DATA}, {"title", 1, 0, O_TITLE},
                                         {"threads", 1, 0, O_THREADS}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1 && !rc) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_RUN: runs[n_runs++] = optarg; break;
        case O_EXAMPLES: if (opt_int("report", "--examples", optarg, 0, 64, &n_examples)) rc = 2; break;
        case O_MODEL: model = optarg; break;
        case O_DATA: data = optarg; break;
        case O_TITLE: title = optarg; break;
        case O_THREADS: if (opt_int("report", "--threads", optarg, 1, 1024, &threads)) rc = 2; break;
        case 'h': usage(stdout); free(runs); return 0;
        default:
            fprintf(stderr, "scar report: %s '%s'\n\n", optopt ? "option needs a value:" : "unknown option", argv[optind - 1]);
            usage(stderr);
            rc = 2;
        }
    }
    if (!rc && !out) fprintf(stderr, "scar report: -o report.html is required\n"), rc = 2;
    if (!rc && optind >= argc && !n_runs && !n_examples)
        fprintf(stderr, "scar report: give at least one result file, --run or --examples\n"), rc = 2;
    if (!rc && n_examples && (!model || !data)) fprintf(stderr, "scar report: --examples needs --model and --data\n"), rc = 2;
    if (!rc) {
        engine_init(threads);
        const ReportOptions o = {(const char *const *)argv + optind, argc - optind, runs, n_runs, model, data, n_examples, title};
        if (report_write(&o, out) != 0) rc = cli_report_error("report");
        else printf("scar report: %s and its .md written\n", out);
    }
    free(runs);
    return rc;
}
