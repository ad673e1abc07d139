#include "core/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void progress_begin(Progress *p, const char *label, const char *unit, int64_t total, int enabled) {
    memset(p, 0, sizeof *p);
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->start = now_seconds();
    if (enabled < 0) enabled = isatty(STDERR_FILENO) && !getenv("SCAR_QUIET");
    p->enabled = enabled;
}

double progress_elapsed(const Progress *p) { return now_seconds() - p->start; }

static void format_time(double s, char *buf, size_t n) {
    if (!(s >= 0) || s > 359999) {
        snprintf(buf, n, "--:--");
        return;
    }
    int t = (int)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%d:%02d", t / 60, t % 60);
}

static void draw(Progress *p, const char *status) {
    const double el = progress_elapsed(p), rate = el > 0 ? (double)p->done / el : 0;
    char elapsed[16], left[16], bar[32];
    format_time(el, elapsed, sizeof elapsed);
    if (p->total > 0) {
        const double f = p->done >= p->total ? 1 : (double)p->done / (double)p->total;
        const int width = 24, fill = (int)(f * width);
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        format_time(rate > 0 ? (double)(p->total - p->done) / rate : -1, left, sizeof left);
        fprintf(stderr, "\r%s [%s] %3d%% %lld/%lld %s, %.1f/s, %s elapsed, %s left%s%s\033[K", p->label, bar,
                (int)(100 * f), (long long)p->done, (long long)p->total, p->unit, rate, elapsed, left,
                status ? "  " : "", status ? status : "");
    } else {
        fprintf(stderr, "\r%s %lld %s, %.1f/s, %s elapsed%s%s\033[K", p->label, (long long)p->done, p->unit, rate,
                elapsed, status ? "  " : "", status ? status : "");
    }
    fflush(stderr);
    p->drawn = 1;
    p->last_draw = now_seconds();
}

void progress_update(Progress *p, int64_t done, const char *status) {
    p->done = done;
    if (!p->enabled) return;
    if (now_seconds() - p->last_draw < 0.1 && done < p->total) return;
    draw(p, status);
}

void progress_clear(Progress *p) {
    if (!p->enabled || !p->drawn) return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    p->drawn = 0;
}

void progress_end(Progress *p, const char *status) {
    if (!p->enabled) return;
    draw(p, status);
    fputc('\n', stderr);
    p->drawn = 0;
}
