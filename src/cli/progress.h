/* A one-line progress display on stderr ("packing  1234/21799   5.7%   812/s   00:25 left"),
 * redrawn at most ten times a second, and silent when stderr is not a terminal (logs, CI). */
#ifndef SCAR_CLI_PROGRESS_H
#define SCAR_CLI_PROGRESS_H

typedef struct {
    char label[32];
    double t0, last_draw;
    int active;  /* stderr is a terminal and the display is wanted */
    int drawn;   /* a line is on screen */
} Progress;

void progress_start(Progress *p, const char *label, int enabled);
void progress_update(Progress *p, long done, long total);
/* Erase the line (before printing a warning, and at the end). */
void progress_clear(Progress *p);
double progress_now(void); /* seconds, monotonic */

#endif
