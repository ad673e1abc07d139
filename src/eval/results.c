#include "eval/results.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/version.h"

/* Result files are a few kilobytes per hundred classes; anything far larger is not one. */
#define RESULT_MAX_BYTES (64u << 20)
/* Integers a JSON number (a double) holds exactly. */
#define JSON_EXACT_INT_MAX 9007199254740992.0

static const char *const ACCURACY_KINDS[2] = {"mean_per_class", "top1"};

/* ---- writing ---- */

static cJSON *json_seed(uint64_t v) {
    if ((double)v <= JSON_EXACT_INT_MAX) return cJSON_CreateNumber((double)v);
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return cJSON_CreateString(buf);
}

/* The shortest of %.15g, %.16g, %.17g that reads back as the same double (cJSON's own printing
 * accepts a value within an epsilon, which loses the last bit); null for NaN and infinities. */
static cJSON *json_real(double v) {
    if (!isfinite(v)) return cJSON_CreateNull();
    char buf[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) break;
    }
    return cJSON_CreateRaw(buf);
}

static cJSON *json_estimate(const Estimate *e) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "value", json_real(e->value));
    cJSON_AddItemToObject(o, "lo", json_real(e->lo));
    cJSON_AddItemToObject(o, "hi", json_real(e->hi));
    cJSON_AddNumberToObject(o, "n_resamples", e->n_resamples);
    return o;
}

static void now_utc(char *buf, size_t n) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *or_empty(const char *s) { return s ? s : ""; }

static cJSON *result_to_json(const EvalResult *r) {
    const EvalMetrics *m = &r->metrics;
    char stamp[32];
    now_utc(stamp, sizeof stamp);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "format", RESULT_FORMAT);
    cJSON_AddNumberToObject(root, "format_version", RESULT_FORMAT_VERSION);
    cJSON_AddStringToObject(root, "scar_version", r->scar_version ? r->scar_version : SCAR_VERSION);
    cJSON_AddStringToObject(root, "timestamp", r->timestamp ? r->timestamp : stamp);
    cJSON_AddStringToObject(root, "task", or_empty(r->task));
    cJSON_AddStringToObject(root, "model", or_empty(r->model));
    cJSON_AddStringToObject(root, "data", or_empty(r->data));
    cJSON_AddStringToObject(root, "protocol", or_empty(r->protocol));
    cJSON_AddStringToObject(root, "label_set", or_empty(r->label_set));
    cJSON_AddItemToObject(root, "seed", json_seed(r->seed));
    cJSON *classes = cJSON_AddArrayToObject(root, "classes");
    for (int c = 0; c < m->n_classes; c++)
        cJSON_AddItemToArray(classes, cJSON_CreateString(r->class_names ? or_empty(r->class_names[c]) : ""));
    cJSON_AddNumberToObject(root, "n_test", m->n_samples);
    cJSON_AddBoolToObject(root, "single_label", m->single_label != 0);
    cJSON_AddStringToObject(root, "accuracy", ACCURACY_KINDS[m->single_label != 0]);
    cJSON *boot = cJSON_AddObjectToObject(root, "bootstrap");
    cJSON_AddNumberToObject(boot, "resamples", m->n_boot);
    cJSON_AddItemToObject(boot, "seed", json_seed(m->seed));
    cJSON_AddItemToObject(boot, "level", json_real(m->level));
    if (m->thresholds) {
        cJSON *t = cJSON_AddArrayToObject(root, "thresholds");
        for (int c = 0; c < m->n_classes; c++) cJSON_AddItemToArray(t, json_real(m->thresholds[c]));
    } else {
        cJSON_AddNullToObject(root, "thresholds");
    }
    cJSON *metrics = cJSON_AddObjectToObject(root, "metrics");
    for (int k = 0; k < N_METRICS; k++) {
        const MetricSummary *s = &m->metric[k];
        cJSON *o = cJSON_AddObjectToObject(metrics, METRIC_NAMES[k]);
        cJSON_AddItemToObject(o, "macro", json_estimate(&s->macro));
        cJSON_AddNumberToObject(o, "n_undefined", s->n_undefined);
        cJSON *per = cJSON_AddArrayToObject(o, "per_class");
        for (int c = 0; c < m->n_classes; c++) cJSON_AddItemToArray(per, json_estimate(&s->per_class[c]));
    }
    cJSON_AddItemToObject(root, "extra", r->extra ? cJSON_Duplicate(r->extra, 1) : cJSON_CreateObject());
    return root;
}

static int write_json(cJSON *root, const char *path) {
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return scar_fail("%s: out of memory formatting the result", path);
    AtomicFile f;
    int rc = atomic_file_begin(&f, path);
    if (rc == 0) rc = atomic_file_write(&f, text, strlen(text));
    if (rc == 0) rc = atomic_file_write(&f, "\n", 1);
    if (rc == 0) rc = atomic_file_commit(&f);
    cJSON_free(text);
    return rc;
}

int result_write(const EvalResult *r, const char *path) {
    if (r->extra && !cJSON_IsObject(r->extra)) return scar_fail("%s: \"extra\" must be a JSON object", path);
    return write_json(result_to_json(r), path);
}

int results_write_array(const EvalResult *rs, int n, const char *path) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        if (rs[i].extra && !cJSON_IsObject(rs[i].extra)) {
            cJSON_Delete(arr);
            return scar_fail("%s: result %d: \"extra\" must be a JSON object", path, i);
        }
        cJSON_AddItemToArray(arr, result_to_json(&rs[i]));
    }
    return write_json(arr, path);
}

/* ---- reading ---- */

typedef struct {
    const char *path;
} Reader;

static const cJSON *field(const Reader *rd, const cJSON *obj, const char *where, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) scar_fail("%s: missing \"%s%s%s\"", rd->path, where, *where ? "." : "", key);
    return v;
}

static int read_string(const Reader *rd, const cJSON *obj, const char *key, char **out) {
    const cJSON *v = field(rd, obj, "", key);
    if (!v) return -1;
    if (!cJSON_IsString(v)) return scar_fail("%s: \"%s\" must be a string", rd->path, key);
    *out = xstrdup(v->valuestring);
    return 0;
}

/* A number, or null for NaN; `name` says where it is in the error message. */
static int read_real(const Reader *rd, const cJSON *v, const char *name, double if_null, double *out) {
    if (cJSON_IsNull(v)) *out = if_null;
    else if (cJSON_IsNumber(v)) *out = v->valuedouble;
    else return scar_fail("%s: %s must be a number or null", rd->path, name);
    return 0;
}

static int read_count(const Reader *rd, const cJSON *v, const char *name, int *out) {
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 2147483647.0 ||
        v->valuedouble != floor(v->valuedouble))
        return scar_fail("%s: %s must be a non-negative integer", rd->path, name);
    *out = (int)v->valuedouble;
    return 0;
}

static int read_seed(const Reader *rd, const cJSON *v, const char *name, uint64_t *out) {
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= JSON_EXACT_INT_MAX &&
        v->valuedouble == floor(v->valuedouble)) {
        *out = (uint64_t)v->valuedouble;
        return 0;
    }
    if (cJSON_IsString(v) && v->valuestring[0] >= '0' && v->valuestring[0] <= '9') {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(v->valuestring, &end, 10);
        if (errno == 0 && *end == 0) {
            *out = s;
            return 0;
        }
    }
    return scar_fail("%s: %s must be a non-negative integer (or one in a decimal string)", rd->path, name);
}

static int read_estimate(const Reader *rd, const cJSON *o, const char *name, Estimate *e) {
    if (!cJSON_IsObject(o)) return scar_fail("%s: %s must be an object", rd->path, name);
    static const char *const keys[3] = {"value", "lo", "hi"};
    double *dst[3] = {&e->value, &e->lo, &e->hi};
    char where[128];
    const cJSON *v;
    for (int i = 0; i < 3; i++) {
        snprintf(where, sizeof where, "%s.%s", name, keys[i]);
        if (!(v = field(rd, o, name, keys[i])) || read_real(rd, v, where, NAN, dst[i]) != 0) return -1;
    }
    snprintf(where, sizeof where, "%s.n_resamples", name);
    if (!(v = field(rd, o, name, "n_resamples"))) return -1;
    return read_count(rd, v, where, &e->n_resamples);
}

static int read_metrics(const Reader *rd, const cJSON *root, EvalMetrics *m) {
    const cJSON *metrics = field(rd, root, "", "metrics");
    if (!metrics) return -1;
    if (!cJSON_IsObject(metrics)) return scar_fail("%s: \"metrics\" must be an object", rd->path);
    char where[64], name[96];
    for (int k = 0; k < N_METRICS; k++) {
        MetricSummary *s = &m->metric[k];
        const cJSON *o = field(rd, metrics, "metrics", METRIC_NAMES[k]), *v;
        if (!o) return -1;
        snprintf(where, sizeof where, "metrics.%s", METRIC_NAMES[k]);
        if (!cJSON_IsObject(o)) return scar_fail("%s: %s must be an object", rd->path, where);
        snprintf(name, sizeof name, "%s.macro", where);
        if (!(v = field(rd, o, where, "macro")) || read_estimate(rd, v, name, &s->macro) != 0) return -1;
        snprintf(name, sizeof name, "%s.n_undefined", where);
        if (!(v = field(rd, o, where, "n_undefined")) || read_count(rd, v, name, &s->n_undefined) != 0) return -1;
        if (!(v = field(rd, o, where, "per_class"))) return -1;
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != m->n_classes)
            return scar_fail("%s: %s.per_class must be an array of %d entries (one per class), not %d", rd->path,
                             where, m->n_classes, cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0);
        int c = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            snprintf(name, sizeof name, "%s.per_class[%d]", where, c);
            if (read_estimate(rd, e, name, &s->per_class[c]) != 0) return -1;
            c++;
        }
    }
    return 0;
}

/* Line of the byte at `at` in text, for parse errors. */
static int line_of(const char *text, const char *at) {
    int line = 1;
    for (const char *p = text; p < at && *p; p++) line += *p == '\n';
    return line;
}

static char *read_text(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        scar_fail("%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 14, n = 0;
    char *buf = xmalloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n > RESULT_MAX_BYTES) {
            fclose(f);
            free(buf);
            scar_fail("%s: larger than %u MiB, not a result file", path, RESULT_MAX_BYTES >> 20);
            return NULL;
        }
        if (n == cap) buf = xrealloc(buf, (cap *= 2) + 1);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        scar_fail("%s: read error", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int result_from_json(const Reader *rd, const cJSON *root, EvalResult *out) {
    const char *path = rd->path;
    if (!cJSON_IsObject(root)) return scar_fail("%s: not a scar evaluation result (not a JSON object)", path);
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, RESULT_FORMAT) != 0)
        return scar_fail("%s: not a scar evaluation result (\"format\" is not \"%s\")", path, RESULT_FORMAT);
    int version = 0;
    const cJSON *v = field(rd, root, "", "format_version");
    if (!v || read_count(rd, v, "\"format_version\"", &version) != 0) return -1;
    if (version != RESULT_FORMAT_VERSION)
        return scar_fail("%s: format_version %d, this scar (%s) reads version %d", path, version, SCAR_VERSION,
                         RESULT_FORMAT_VERSION);

    if (read_string(rd, root, "scar_version", &out->scar_version) || read_string(rd, root, "timestamp", &out->timestamp) ||
        read_string(rd, root, "task", &out->task) || read_string(rd, root, "model", &out->model) ||
        read_string(rd, root, "data", &out->data) || read_string(rd, root, "protocol", &out->protocol) ||
        read_string(rd, root, "label_set", &out->label_set))
        return -1;
    if (!(v = field(rd, root, "", "seed")) || read_seed(rd, v, "\"seed\"", &out->seed) != 0) return -1;

    const cJSON *classes = field(rd, root, "", "classes");
    if (!classes) return -1;
    if (!cJSON_IsArray(classes) || cJSON_GetArraySize(classes) == 0)
        return scar_fail("%s: \"classes\" must be a non-empty array of names", path);
    int C = cJSON_GetArraySize(classes);
    eval_metrics_alloc(&out->metrics, C);
    EvalMetrics *m = &out->metrics;
    out->class_names = xcalloc((size_t)C, sizeof *out->class_names);
    int c = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, classes) {
        if (!cJSON_IsString(e)) return scar_fail("%s: classes[%d] must be a string", path, c);
        out->class_names[c++] = xstrdup(e->valuestring);
    }

    if (!(v = field(rd, root, "", "n_test")) || read_count(rd, v, "\"n_test\"", &m->n_samples) != 0) return -1;
    if (!(v = field(rd, root, "", "single_label"))) return -1;
    if (!cJSON_IsBool(v)) return scar_fail("%s: \"single_label\" must be true or false", path);
    m->single_label = cJSON_IsTrue(v);

    const cJSON *boot = field(rd, root, "", "bootstrap");
    if (!boot) return -1;
    if (!cJSON_IsObject(boot)) return scar_fail("%s: \"bootstrap\" must be an object", path);
    if (!(v = field(rd, boot, "bootstrap", "resamples")) || read_count(rd, v, "bootstrap.resamples", &m->n_boot))
        return -1;
    if (!(v = field(rd, boot, "bootstrap", "seed")) || read_seed(rd, v, "bootstrap.seed", &m->seed)) return -1;
    if (!(v = field(rd, boot, "bootstrap", "level")) || read_real(rd, v, "bootstrap.level", NAN, &m->level))
        return -1;

    const cJSON *thr = field(rd, root, "", "thresholds");
    if (!thr) return -1;
    if (!cJSON_IsNull(thr)) {
        if (!cJSON_IsArray(thr) || cJSON_GetArraySize(thr) != C)
            return scar_fail("%s: \"thresholds\" must be null or an array of %d numbers (one per class)", path, C);
        m->thresholds = xmalloc(sizeof *m->thresholds * (size_t)C);
        c = 0;
        cJSON_ArrayForEach(e, thr) {
            char name[48];
            snprintf(name, sizeof name, "thresholds[%d]", c);
            if (read_real(rd, e, name, INFINITY, &m->thresholds[c]) != 0) return -1;
            c++;
        }
    }
    if (read_metrics(rd, root, m) != 0) return -1;

    const cJSON *extra = cJSON_GetObjectItemCaseSensitive(root, "extra");
    if (extra && !cJSON_IsObject(extra)) return scar_fail("%s: \"extra\" must be an object", path);
    out->extra = extra ? cJSON_Duplicate(extra, 1) : cJSON_CreateObject();
    return 0;
}

int result_read(const char *path, EvalResult *out) {
    memset(out, 0, sizeof *out);
    size_t len;
    char *text = read_text(path, &len);
    if (!text) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        scar_fail("%s: not valid JSON (line %d)", path, line_of(text, end ? end : text + len));
        free(text);
        return -1;
    }
    Reader rd = {path};
    int rc = result_from_json(&rd, root, out);
    cJSON_Delete(root);
    free(text);
    if (rc != 0) result_free(out);
    return rc;
}

int results_read_all(const char *path, EvalResult **out, int *n) {
    *out = NULL;
    *n = 0;
    size_t len;
    char *text = read_text(path, &len);
    if (!text) return -1;
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        scar_fail("%s: not valid JSON (line %d)", path, line_of(text, end ? end : text + len));
        free(text);
        return -1;
    }
    Reader rd = {path};
    int rc = 0;
    if (cJSON_IsArray(root)) {
        const int count = cJSON_GetArraySize(root);
        *out = xcalloc((size_t)(count ? count : 1), sizeof **out);
        const cJSON *e;
        cJSON_ArrayForEach(e, root) {
            if ((rc = result_from_json(&rd, e, &(*out)[*n])) != 0) {
                scar_fail_context("result %d of ", *n);
                result_free(&(*out)[*n]);
                break;
            }
            (*n)++;
        }
    } else {
        *out = xcalloc(1, sizeof **out);
        if ((rc = result_from_json(&rd, root, *out)) == 0) *n = 1;
        else result_free(*out);
    }
    cJSON_Delete(root);
    free(text);
    if (rc != 0) {
        for (int i = 0; i < *n; i++) result_free(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void result_free(EvalResult *r) {
    free(r->task);
    free(r->model);
    free(r->data);
    free(r->protocol);
    free(r->label_set);
    if (r->class_names)
        for (int c = 0; c < r->metrics.n_classes; c++) free(r->class_names[c]);
    free(r->class_names);
    free(r->scar_version);
    free(r->timestamp);
    eval_metrics_free(&r->metrics);
    cJSON_Delete(r->extra);
    memset(r, 0, sizeof *r);
}
