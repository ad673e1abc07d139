#include "cli/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double progress_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void progress_start(Progress *p, const char *label, int enabled) {
    memset(p, 0, sizeof *p);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->t0 = progress_now();
    p->active = enabled && isatty(STDERR_FILENO);
}

void progress_update(Progress *p, long done, long total) {
    if (!p->active) return;
    double now = progress_now();
    if (done < total && now - p->last_draw < 0.1) return;
    p->last_draw = now;
    double el = now - p->t0, rate = el > 0 ? (double)done / el : 0;
    long left = rate > 0 ? (long)((double)(total - done) / rate + 0.5) : 0;
    fprintf(stderr, "\r%-10s %ld/%ld  %5.1f%%  %.0f/s  %02ld:%02ld left\033[K", p->label, done, total,
            total ? 100.0 * (double)done / (double)total : 100.0, rate, left / 60, left % 60);
    fflush(stderr);
    p->drawn = 1;
}

void progress_clear(Progress *p) {
    if (!p->drawn) return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    p->drawn = 0;
}
