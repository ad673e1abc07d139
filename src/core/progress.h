/* Progress display for long work: a single line on stderr redrawn in place, with a bar, the count,
 * the rate, the time left and a caller's status text ("loss 0.412"). Silent when stderr is not a
 * terminal (logs and CI stay clean) unless forced; redrawn at most ~10 times a second. */
#ifndef SCAR_CORE_PROGRESS_H
#define SCAR_CORE_PROGRESS_H

#include <stdint.h>

typedef struct {
    const char *label;   /* "packing", "pretraining" */
    const char *unit;    /* "records", "pairs" */
    int64_t total;       /* 0 when unknown */
    int64_t done;
    double start, last_draw;
    int enabled;
    int drawn;           /* a line is on screen and needs a newline at the end */
} Progress;

/* enabled: 1 on, 0 off, -1 automatic (on when stderr is a terminal and SCAR_QUIET is unset). */
void progress_begin(Progress *p, const char *label, const char *unit, int64_t total, int enabled);
/* Set the count and redraw if due; status may be NULL. */
void progress_update(Progress *p, int64_t done, const char *status);
/* Erase the line (before printing a warning); the next update redraws it. */
void progress_clear(Progress *p);
/* Draw the final state and end the line. */
void progress_end(Progress *p, const char *status);
/* Seconds since progress_begin. */
double progress_elapsed(const Progress *p);
/* Wall-clock seconds (monotonic). */
double now_seconds(void);

#endif
