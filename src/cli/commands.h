/* The scar subcommands. Each lives in its own file (cli/<name>.c), parses its own options, prints
 * its own --help, and returns the process exit status (0 only on success). */
#ifndef SCAR_CLI_COMMANDS_H
#define SCAR_CLI_COMMANDS_H

typedef struct {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
} Command;

int cmd_bench(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_pretrain(int argc, char **argv);
int cmd_zeroshot(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_embed(int argc, char **argv);
int cmd_robustness(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ssl(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int bench_engine(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_info(int argc, char **argv);
int bench_data(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_synth_compare(int argc, char **argv);
int bench_synth(int argc, char **argv);
int bench_ssl(int argc, char **argv);


/* Print "scar <cmd>: <message>" for the last recorded error and return the failure status. */
int cli_report_error(const char *cmd);

#endif
