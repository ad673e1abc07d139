/* scar: the command line. Dispatches to one subcommand per file. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/error.h"
#include "core/version.h"

/* One line per subcommand, in the order `scar --help` lists them. */
static const Command COMMANDS[] = {
    {"demo", "the main job: corpus, baseline and SCAR pretraining, robustness grid, report", cmd_demo},
    {"bench", "benchmarks: figures and ratios against a reference in the same run", cmd_bench},
    {"pack", "read a dataset (PTB-XL, CinC, LUDB, MIMIC-IV-ECG, WFDB) into one pack file", cmd_pack},
    {"info", "describe a pack, or a WFDB record with its checksums verified", cmd_info},
    {"synth", "generate the synthetic ECG-report corpus (a pack or a PTB-XL-shaped folder)", cmd_synth},
    {"pretrain", "pretrain an ECG-language model on a pack (contrastive baseline or SCAR)", cmd_pretrain},
    {"embed", "write ECG embeddings of a pack to .npy", cmd_embed},
    {"zeroshot", "zero-shot classification with class prompts, under a missingness protocol", cmd_zeroshot},
    {"probe", "linear probe on frozen embeddings at label fractions, under a missingness protocol", cmd_probe},
    {"robustness", "AUROC, CMRS and embedding drift under many missingness protocols", cmd_robustness},
    {"report", "render results of several models as Markdown tables and an HTML page of plots", cmd_report},
    {"ssl", "self-supervised ECG pretraining (augmentations, 3KG or adversarial masks)", cmd_ssl},
    {"finetune", "downstream tasks at label fractions: fine-tuning or a probe on frozen features", cmd_finetune},
    {"synth-compare", "measure synthetic normals against the real normal ECGs of the fixtures", cmd_synth_compare},
    {NULL, NULL, NULL},
};

static void usage(FILE *f) {
    fprintf(f,
            "scar %s — robust ECG-language pretraining under missing leads and segments\n\n"
            "usage: scar <command> [options]      scar <command> --help for its options\n\n"
            "commands:\n",
            SCAR_VERSION);
    for (int i = 0; COMMANDS[i].name; i++) fprintf(f, "  %-12s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
}

int cli_report_error(const char *cmd) {
    fprintf(stderr, "scar %s: %s\n", cmd, scar_last_error());
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("scar %s\n", SCAR_VERSION);
        return 0;
    }
    for (int i = 0; COMMANDS[i].name; i++)
        if (!strcmp(argv[1], COMMANDS[i].name)) return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "scar: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
