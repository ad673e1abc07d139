#include "eval/report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/version.h"
#include "data/missing.h"
#include "eval/report_examples.h"
#include "eval/results.h"
#include "eval/svg.h"

#define MAX_ITEMS 256

typedef struct {
    EvalResult *r;
    int n, cap;
    char *models[MAX_ITEMS];      /* distinct model paths, in order of appearance */
    char *names[MAX_ITEMS];       /* their short names */
    int n_models;
    char *protocols[MAX_ITEMS];   /* distinct protocols, in order of appearance */
    int n_protocols;
} Collection;

/* "runs/scar/best.safetensors" -> "scar"; "model.safetensors" -> "model". */
static char *short_name(const char *path) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash && (!strcmp(base, "best.safetensors") || !strcmp(base, "last.safetensors"))) {
        const char *p = slash;
        while (p > path && p[-1] != '/') p--;
        char *s = xmalloc((size_t)(slash - p) + 1);
        memcpy(s, p, (size_t)(slash - p));
        s[slash - p] = 0;
        return s;
    }
    char *s = xstrdup(base);
    char *dot = strstr(s, ".safetensors");
    if (dot) *dot = 0;
    return s;
}

static int index_of(char **list, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], s)) return i;
    return -1;
}

static int collect(Collection *c, const ReportOptions *o) {
    for (int f = 0; f < o->n_results; f++) {
        EvalResult *rs;
        int n;
        if (results_read_all(o->result_files[f], &rs, &n) != 0) return -1;
        for (int i = 0; i < n; i++) {
            if (c->n == c->cap) c->r = xrealloc(c->r, (size_t)(c->cap = c->cap ? 2 * c->cap : 64) * sizeof *c->r);
            c->r[c->n++] = rs[i];
            if (index_of(c->models, c->n_models, rs[i].model) < 0 && c->n_models < MAX_ITEMS) {
                c->models[c->n_models] = xstrdup(rs[i].model);
                c->names[c->n_models++] = short_name(rs[i].model);
            }
            if (index_of(c->protocols, c->n_protocols, rs[i].protocol) < 0 && c->n_protocols < MAX_ITEMS)
                c->protocols[c->n_protocols++] = xstrdup(rs[i].protocol);
        }
        free(rs);
    }
    /* two models with the same short name (two runs called "best"): use the full paths */
    for (int i = 0; i < c->n_models; i++)
        for (int j = i + 1; j < c->n_models; j++)
            if (!strcmp(c->names[i], c->names[j])) {
                free(c->names[i]), free(c->names[j]);
                c->names[i] = xstrdup(c->models[i]);
                c->names[j] = xstrdup(c->models[j]);
            }
    return 0;
}

static void collection_free(Collection *c) {
    for (int i = 0; i < c->n; i++) result_free(&c->r[i]);
    free(c->r);
    for (int i = 0; i < c->n_models; i++) free(c->models[i]), free(c->names[i]);
    for (int i = 0; i < c->n_protocols; i++) free(c->protocols[i]);
}

static const EvalResult *find(const Collection *c, const char *task, int model, const char *protocol) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->r[i].task, task) && !strcmp(c->r[i].model, c->models[model]) && !strcmp(c->r[i].protocol, protocol))
            return &c->r[i];
    return NULL;
}

static int has_task(const Collection *c, const char *task) {
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->r[i].task, task)) return 1;
    return 0;
}

static Estimate cmrs_of(const EvalResult *r, int cls) {
    Estimate e = {NAN, NAN, NAN, 0};
    const cJSON *cm = r && r->extra ? cJSON_GetObjectItemCaseSensitive(r->extra, "cmrs") : NULL;
    if (!cm) return e;
    const cJSON *o = cls < 0 ? cJSON_GetObjectItemCaseSensitive(cm, "overall")
                             : cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cm, "per_class"), cls);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value"), *lo = cJSON_GetObjectItemCaseSensitive(o, "lo"),
                *hi = cJSON_GetObjectItemCaseSensitive(o, "hi");
    e.value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    e.lo = cJSON_IsNumber(lo) ? lo->valuedouble : NAN;
    e.hi = cJSON_IsNumber(hi) ? hi->valuedouble : NAN;
    return e;
}

static void format_estimate(char *buf, size_t n, Estimate e) {
    if (isnan(e.value)) snprintf(buf, n, "-");
    else if (isnan(e.lo)) snprintf(buf, n, "%.3f", e.value);
    else snprintf(buf, n, "%.3f [%.3f, %.3f]", e.value, e.lo, e.hi);
}

/* One table per task: protocols down, AUROC and CMRS of each model across; Markdown and HTML. */
static void tables(FILE *md, FILE *html, const Collection *c, const char *task) {
    int any = 0;
    for (int i = 0; i < c->n && !any; i++) any = !strcmp(c->r[i].task, task);
    if (!any) return;
    fprintf(md, "\n## %s: macro AUROC and CMRS (95%% bootstrap intervals)\n\n| protocol |", task);
    fprintf(html, "<h2>%s: macro AUROC and CMRS</h2>\n<table><tr><th>protocol</th>", task);
    for (int m = 0; m < c->n_models; m++) {
        fprintf(md, " %s AUROC | %s CMRS |", c->names[m], c->names[m]);
        fprintf(html, "<th>");
        svg_escape(html, c->names[m]);
        fprintf(html, " AUROC</th><th>");
        svg_escape(html, c->names[m]);
        fprintf(html, " CMRS</th>");
    }
    fprintf(md, "\n|---|");
    for (int m = 0; m < c->n_models; m++) fprintf(md, "---|---|");
    fprintf(md, "\n");
    fprintf(html, "</tr>\n");
    for (int p = 0; p < c->n_protocols; p++) {
        int row = 0;
        for (int m = 0; m < c->n_models; m++) row |= find(c, task, m, c->protocols[p]) != NULL;
        if (!row) continue;
        fprintf(md, "| `%s` |", c->protocols[p]);
        fprintf(html, "<tr><td><code>");
        svg_escape(html, c->protocols[p]);
        fprintf(html, "</code></td>");
        for (int m = 0; m < c->n_models; m++) {
            const EvalResult *r = find(c, task, m, c->protocols[p]);
            char a[64] = "-", b[64] = "-";
            if (r) format_estimate(a, sizeof a, r->metrics.metric[METRIC_AUROC].macro);
            if (r) format_estimate(b, sizeof b, cmrs_of(r, -1));
            fprintf(md, " %s | %s |", a, b);
            fprintf(html, "<td>%s</td><td>%s</td>", a, b);
        }
        fprintf(md, "\n");
        fprintf(html, "</tr>\n");
    }
    fprintf(html, "</table>\n");
}

/* AUROC (or CMRS) against the lead-drop ratio (time intact) or the time-drop ratio (leads intact). */
static void missing_curves(FILE *html, const Collection *c, const char *task, int cmrs, int by_time) {
    SvgSeries s[16];
    double x[16][16], y[16][16], lo[16][16], hi[16][16];
    int n_series = 0;
    for (int m = 0; m < c->n_models && n_series < 16; m++) {
        int k = 0;
        for (int p = 0; p < c->n_protocols && k < 16; p++) {
            const EvalResult *r = find(c, task, m, c->protocols[p]);
            if (!r) continue;
            double ratio = -1;
            if (!strcmp(c->protocols[p], "clean")) ratio = 0;
            else {
                MissingProtocol mp;
                if (missing_parse(c->protocols[p], &mp) != 0) continue;
                const unsigned want = by_time ? MISSING_DROP_TIME : MISSING_DROP_LEADS;
                if (mp.parts == want) ratio = by_time ? mp.drop_time : mp.drop_leads;
            }
            if (ratio < 0) continue;
            const Estimate e = cmrs ? (ratio == 0 ? (Estimate){1, NAN, NAN, 0} : cmrs_of(r, -1))
                                    : r->metrics.metric[METRIC_AUROC].macro;
            x[n_series][k] = ratio, y[n_series][k] = e.value, lo[n_series][k] = e.lo, hi[n_series][k] = e.hi;
            k++;
        }
        if (k < 2) continue;
        for (int i = 1; i < k; i++) /* sort by ratio */
            for (int j = i; j > 0 && x[n_series][j] < x[n_series][j - 1]; j--) {
                double *arr[4] = {x[n_series], y[n_series], lo[n_series], hi[n_series]};
                for (int a = 0; a < 4; a++) {
                    double t = arr[a][j];
                    arr[a][j] = arr[a][j - 1];
                    arr[a][j - 1] = t;
                }
            }
        s[n_series] = (SvgSeries){c->names[m], k, x[n_series], y[n_series], lo[n_series], hi[n_series]};
        n_series++;
    }
    if (!n_series) return;
    char title[128];
    snprintf(title, sizeof title, "%s %s vs %s removed", task, cmrs ? "CMRS" : "macro AUROC", by_time ? "time (blocks)" : "leads");
    svg_line_chart(html, title, by_time ? "fraction of time removed" : "fraction of leads removed",
                   cmrs ? "CMRS" : "macro AUROC", s, n_series, 0, 0);
}

/* Bars of AUROC (or CMRS) over the reduced lead sets, evidence and adversarial removal. */
static void protocol_bars(FILE *html, const Collection *c, const char *task, int cmrs) {
    const char *groups[MAX_ITEMS];
    int n_groups = 0;
    for (int p = 0; p < c->n_protocols && n_groups < 32; p++) {
        const char *t = c->protocols[p];
        if ((!strcmp(t, "clean") && !cmrs) || !strncmp(t, "leadset=", 8) || !strncmp(t, "leads=", 6) ||
            !strncmp(t, "evidence=", 9) || !strncmp(t, "adversarial=", 12))
            groups[n_groups++] = t;
    }
    if (!n_groups) return;
    double *v = xmalloc(sizeof(double) * (size_t)c->n_models * n_groups), *lo = xmalloc(sizeof(double) * (size_t)c->n_models * n_groups),
           *hi = xmalloc(sizeof(double) * (size_t)c->n_models * n_groups);
    const char *labels[32];
    for (int g = 0; g < n_groups; g++)
        labels[g] = !strncmp(groups[g], "adversarial=", 12) ? "adversarial"
                  : !strncmp(groups[g], "evidence=primary+", 17) ? "evidence (all)"
                  : !strncmp(groups[g], "evidence=", 9) ? "evidence" : groups[g];
    for (int m = 0; m < c->n_models; m++)
        for (int g = 0; g < n_groups; g++) {
            const EvalResult *r = find(c, task, m, groups[g]);
            const Estimate e = !r ? (Estimate){NAN, NAN, NAN, 0} : cmrs ? cmrs_of(r, -1) : r->metrics.metric[METRIC_AUROC].macro;
            v[m * n_groups + g] = e.value, lo[m * n_groups + g] = e.lo, hi[m * n_groups + g] = e.hi;
        }
    char title[128];
    snprintf(title, sizeof title, "%s %s: reduced lead sets, evidence and adversarial removal", task, cmrs ? "CMRS" : "macro AUROC");
    svg_bar_chart(html, title, cmrs ? "CMRS" : "macro AUROC", labels, n_groups, (const char *const *)c->names,
                  c->n_models, v, lo, hi, 0, 1);
    free(v), free(lo), free(hi);
}

/* Per-class AUROC bars under one protocol. */
static void class_bars(FILE *html, const Collection *c, const char *task, const char *protocol) {
    const EvalResult *first = NULL;
    for (int m = 0; m < c->n_models && !first; m++) first = find(c, task, m, protocol);
    if (!first) return;
    const int C = first->metrics.n_classes;
    double *v = xmalloc(sizeof(double) * (size_t)c->n_models * C), *lo = xmalloc(sizeof(double) * (size_t)c->n_models * C),
           *hi = xmalloc(sizeof(double) * (size_t)c->n_models * C);
    for (int m = 0; m < c->n_models; m++) {
        const EvalResult *r = find(c, task, m, protocol);
        for (int k = 0; k < C; k++) {
            const Estimate e = r && r->metrics.n_classes == C ? r->metrics.metric[METRIC_AUROC].per_class[k] : (Estimate){NAN, NAN, NAN, 0};
            v[m * C + k] = e.value, lo[m * C + k] = e.lo, hi[m * C + k] = e.hi;
        }
    }
    char title[600];
    snprintf(title, sizeof title, "%s AUROC per class, %s", task, protocol);
    svg_bar_chart(html, title, "AUROC", (const char *const *)first->class_names, C, (const char *const *)c->names,
                  c->n_models, v, lo, hi, 0, 1);
    free(v), free(lo), free(hi);
}

/* Loss and validation curves from each run folder's log.jsonl. */
static void training_curves(FILE *html, const ReportOptions *o) {
    if (!o->n_runs) return;
    enum { MAXP = 4096 };
    SvgSeries loss[16], val[16];
    double *xs[16], *ys[16], *xv[16], *yv[16];
    char *names[16];
    int n = 0;
    for (int i = 0; i < o->n_runs && n < 16; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/log.jsonl", o->run_dirs[i]);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        xs[n] = xmalloc(MAXP * sizeof(double)), ys[n] = xmalloc(MAXP * sizeof(double));
        xv[n] = xmalloc(MAXP * sizeof(double)), yv[n] = xmalloc(MAXP * sizeof(double));
        int nl = 0, nv = 0;
        char line[4096];
        while (fgets(line, sizeof line, f)) {
            cJSON *j = cJSON_Parse(line);
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "step"), *lo = cJSON_GetObjectItemCaseSensitive(j, "loss"),
                        *va = cJSON_GetObjectItemCaseSensitive(j, "validation");
            if (cJSON_IsNumber(st) && cJSON_IsNumber(lo) && nl < MAXP) xs[n][nl] = st->valuedouble, ys[n][nl++] = lo->valuedouble;
            if (cJSON_IsNumber(st) && cJSON_IsNumber(va) && nv < MAXP) xv[n][nv] = st->valuedouble, yv[n][nv++] = va->valuedouble;
            cJSON_Delete(j);
        }
        fclose(f);
        const char *slash = strrchr(o->run_dirs[i], '/');
        names[n] = xstrdup(slash && slash[1] ? slash + 1 : o->run_dirs[i]);
        loss[n] = (SvgSeries){names[n], nl, xs[n], ys[n], NULL, NULL};
        val[n] = (SvgSeries){names[n], nv, xv[n], yv[n], NULL, NULL};
        n++;
    }
    if (n) {
        fprintf(html, "<h2>Training</h2>\n");
        svg_line_chart(html, "training loss", "step", "loss", loss, n, 0, 0);
        svg_line_chart(html, "validation (zero-shot macro AUROC)", "step", "AUROC", val, n, 0, 0);
    }
    for (int i = 0; i < n; i++) free(xs[i]), free(ys[i]), free(xv[i]), free(yv[i]), free(names[i]);
}

int report_write(const ReportOptions *o, const char *html_path) {
    Collection c;
    memset(&c, 0, sizeof c);
    if (collect(&c, o) != 0) {
        collection_free(&c);
        return -1;
    }
    char md_path[4200];
    snprintf(md_path, sizeof md_path, "%s", html_path);
    char *dot = strrchr(md_path, '.');
    if (dot && strchr(dot, '/') == NULL) strcpy(dot, ".md");
    else strcat(md_path, ".md");
    char tmp_html[4300], tmp_md[4300];
    snprintf(tmp_html, sizeof tmp_html, "%s.tmp", html_path);
    snprintf(tmp_md, sizeof tmp_md, "%s.tmp", md_path);
    FILE *html = fopen(tmp_html, "w"), *md = fopen(tmp_md, "w");
    if (!html || !md) {
        if (html) fclose(html), remove(tmp_html);
        if (md) fclose(md), remove(tmp_md);
        collection_free(&c);
        return scar_fail("%s: cannot write the report: %s", html ? md_path : html_path, strerror(errno));
    }
    const char *title = o->title ? o->title : "scar report";
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    fprintf(md, "# %s\n\nscar %s, %s.", title, SCAR_VERSION, when);
    fprintf(html, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    svg_escape(html, title);
    fprintf(html, "</title>\n<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                  "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px}"
                  "th{background:#f4f4f4}svg{margin:8px 0;display:block}code{font-size:12px}</style></head><body>\n<h1>");
    svg_escape(html, title);
    fprintf(html, "</h1>\n<p>scar %s, %s.", SCAR_VERSION, when);
    /* a page of example ECGs alone has no evaluated models and no CMRS to explain */
    if (c.n_models) fprintf(md, " Models:"), fprintf(html, " Models:");
    for (int m = 0; m < c.n_models; m++) {
        fprintf(md, " %s%s (`%s`)", m ? "," : "", c.names[m], c.models[m]);
        fprintf(html, "%s <b>", m ? "," : "");
        svg_escape(html, c.names[m]);
        fprintf(html, "</b> (<code>");
        svg_escape(html, c.models[m]);
        fprintf(html, "</code>)");
    }
    if (c.n_models) {
        fprintf(md, ".\nCMRS: the fraction of the diagnostic decisions (positive class ranked above negative class) right on "
                    "the clean ECG that stay right under the protocol.\n");
        fprintf(html, ".</p><p>CMRS: the fraction of the diagnostic decisions (positive class ranked above negative class) "
                      "right on the clean ECG that stay right under the protocol.</p>\n");
    } else {
        fprintf(md, "\n");
        fprintf(html, "</p>\n");
    }
    const char *tasks[2] = {"zeroshot", "probe"};
    for (int t = 0; t < 2; t++) {
        if (!has_task(&c, tasks[t])) continue;
        tables(md, html, &c, tasks[t]);
        missing_curves(html, &c, tasks[t], 0, 0);
        missing_curves(html, &c, tasks[t], 1, 0);
        missing_curves(html, &c, tasks[t], 0, 1);
        missing_curves(html, &c, tasks[t], 1, 1);
        protocol_bars(html, &c, tasks[t], 0);
        protocol_bars(html, &c, tasks[t], 1);
        class_bars(html, &c, tasks[t], "clean");
        for (int p = 0; p < c.n_protocols; p++)
            if (!strncmp(c.protocols[p], "evidence=", 9)) class_bars(html, &c, tasks[t], c.protocols[p]);
    }
    training_curves(html, o);
    int rc = 0;
    if (o->example_model && o->n_examples > 0)
        rc = report_examples(html, o->example_model, o->example_data, o->n_examples);
    fprintf(html, "</body></html>\n");
    const int bad = ferror(html) || ferror(md);
    fclose(html);
    fclose(md);
    if (!rc && bad) rc = scar_fail("%s: writing the report failed", html_path);
    if (!rc && (rename(tmp_html, html_path) != 0 || rename(tmp_md, md_path) != 0))
        rc = scar_fail("%s: cannot move the report into place", html_path);
    if (rc) remove(tmp_html), remove(tmp_md);
    collection_free(&c);
    return rc;
}
