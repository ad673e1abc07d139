/* Parsing option values for the subcommands: numbers must be numbers, in range, and whole. */
#ifndef SCAR_CLI_OPTIONS_H
#define SCAR_CLI_OPTIONS_H

/* 0 and *out set when s is a finite number in [lo, hi]; else -1 with a message on stderr naming
 * the command and the option. */
int opt_double(const char *cmd, const char *opt, const char *s, double lo, double hi, double *out);
int opt_int(const char *cmd, const char *opt, const char *s, long lo, long hi, int *out);

#endif
