/* scar report --examples with self-supervised checkpoints, as a user runs it: scar synth -> scar ssl
 * (--aug adv for a few steps of a tiny encoder, per-lead and shared masks; --aug 3kg) -> scar
 * report. The page's mask panels are checked against the masks computed here, independently,
 * through the library: which records, how many panels, every shading run (row, level, count) and
 * each caption's removed/kept fractions. A checkpoint without a masker must fail cleanly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "data/pack.h"
#include "model/ssl_model.h"
#include "testutil.h"

static char *g_dir;
static char g_pack[4096];

/* out is passed by address: the order in which a call's arguments are evaluated is unspecified,
 * so its value is read here, after the command has run. */
static int run_ok(const char *what, int rc, char **out) {
    if (rc != 0) fprintf(stderr, "%s failed (%d): %s\n", what, rc, *out);
    free(*out);
    *out = NULL;
    return rc;
}

static int setup(void **state) {
    (void)state;
    g_dir = tmpdir_make();
    engine_init(1); /* the same thread count as the report below: the same bits */
    char *out = NULL, cfg[4096];
    snprintf(g_pack, sizeof g_pack, "%s/x.pack", g_dir);
    snprintf(cfg, sizeof cfg, "%s/shared.json", g_dir);
    const char *shared = "{\"resnet\": {\"base_width\": 8}, \"masker\": {\"masks\": 3, \"shared\": 1, \"channels\": 8, \"depth\": 2}}";
    if (write_file_all(cfg, shared, strlen(shared)) != 0) return -1;
    const char *common = "--encoder resnet --steps 3 --batch 8 --eval-every 3 --threads 1 -q";
    int rc = run_ok("synth", run_scar(&out, "synth -n 60 -q -o %s", g_pack), &out);
    if (!rc) rc = run_ok("ssl adv", run_scar(&out, "ssl --aug adv --width 8 %s --data %s --out %s/adv", common, g_pack, g_dir), &out);
    if (!rc) rc = run_ok("ssl adv shared", run_scar(&out, "ssl --aug adv --config %s %s --data %s --out %s/shared", cfg, common, g_pack, g_dir), &out);
    if (!rc) rc = run_ok("ssl 3kg", run_scar(&out, "ssl --aug 3kg --width 8 %s --data %s --out %s/k3", common, g_pack, g_dir), &out);
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    tmpdir_remove(g_dir);
    return 0;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* The masks of record i as the report must compute them: evaluation mode, batch of one, the first
 * `samples` samples. Returns [N][C][L] (malloc'd). */
static float *masks_of(const SslModel *m, const Pack *p, int i) {
    const int S = pack_samples(p), L = m->cfg.samples, N = m->cfg.masker.n_masks, C = ssl_masker_mask_leads(&m->cfg.masker);
    float *raw = malloc((size_t)12 * S * sizeof(float)), *x = malloc((size_t)12 * L * sizeof(float));
    assert_int_equal(pack_batch(p, &i, 1, raw, NULL, NULL), 0);
    for (int l = 0; l < 12; l++) memcpy(x + (size_t)l * L, raw + (size_t)l * S, (size_t)L * sizeof(float));
    Graph *g = graph_new(16 << 20);
    g->training = 0;
    g->grad_enabled = 0;
    Tensor *mk = ssl_masker_forward(g, &m->masker, tensor_copy_of(g, x, SHAPE(1, 12, L)));
    assert_int_equal(mk->numel, (int64_t)N * C * L);
    float *out = malloc((size_t)mk->numel * sizeof(float));
    memcpy(out, mk->data, (size_t)mk->numel * sizeof(float));
    graph_free(g);
    free(raw), free(x);
    return out;
}

static int level_of(float v) { /* tenths, as the page documents */
    const double q = floor((double)v * 10 + 0.5);
    return q < 0 ? 0 : q > 10 ? 10 : (int)q;
}

/* One shading path: its row (from its first rectangle's top), level (from its opacity) and runs. */
typedef struct {
    int row, level, runs, height;
} Shade;

/* Expected paths of one mask [C][L]: row by row, by rising level, with the runs at that level. */
static int expected_shades(const float *mask, int C, int L, Shade *out) {
    int n = 0;
    for (int r = 0; r < C; r++)
        for (int q = 1; q <= 10; q++) {
            int runs = 0;
            for (int i = 0; i < L; i++)
                if (level_of(mask[r * L + i]) == q && (i == 0 || level_of(mask[r * L + i - 1]) != q)) runs++;
            if (runs) out[n++] = (Shade){r, q, runs, 0};
        }
    return n;
}

/* The shading paths in svg[0..end). */
static int parsed_shades(const char *svg, const char *end, Shade *out, int cap) {
    int n = 0;
    for (const char *s = strstr(svg, "<path class=\"shade\""); s && s < end && n < cap; s = strstr(s + 1, "<path class=\"shade\"")) {
        double op, x, y, w;
        int h;
        const char *o = strstr(s, "fill-opacity=\""), *d = strstr(s, " d=\"");
        assert_non_null(o);
        assert_non_null(d);
        assert_int_equal(sscanf(o, "fill-opacity=\"%lf\"", &op), 1);
        assert_int_equal(sscanf(d, " d=\"M%lf %lfh%lfv%d", &x, &y, &w, &h), 4);
        const char *close = strchr(d + 4, '"');
        int runs = 0;
        for (const char *c = d + 4; c < close; c++) runs += *c == 'M';
        out[n++] = (Shade){(int)lrint((y - 32) / 46), (int)lrint(op / 0.06), runs, h};
    }
    return n;
}

/* Every panel of the page against the masks of its record; returns the total runs drawn. */
static int check_page(const char *page, const char *model_path, int want_examples, int want_masks, int want_rows) {
    SslModel m;
    if (ssl_model_load(model_path, &m, NULL) != 0) fail_msg("%s", scar_last_error());
    Pack *p = pack_open(g_pack);
    assert_non_null(p);
    const int N = m.cfg.masker.n_masks, C = ssl_masker_mask_leads(&m.cfg.masker), L = m.cfg.samples;
    assert_int_equal(N, want_masks);
    assert_int_equal(C, want_rows);
    int examples = 0, total_runs = 0, seen[64];
    Shade *want = malloc(sizeof(Shade) * 12 * 10), *got = malloc(sizeof(Shade) * 12 * 10 + sizeof(Shade));
    for (const char *h = strstr(page, "<h3>record "); h; h = strstr(h + 1, "<h3>record ")) {
        char id[64];
        assert_int_equal(sscanf(h, "<h3>record %63[^:]:", id), 1);
        int rec = -1;
        for (int i = 0; i < pack_count(p) && rec < 0; i++)
            if (!strcmp(pack_id(p, i), id)) rec = i;
        assert_true(rec >= 0);
        assert_int_equal(pack_split(p, rec), SPLIT_TEST);
        for (int e = 0; e < examples; e++) assert_int_not_equal(seen[e], rec);
        seen[examples++] = rec;
        float *masks = masks_of(&m, p, rec);
        const char *panel = h;
        for (int k = 0; k < N; k++) {
            char title[128];
            snprintf(title, sizeof title, ">record %s: mask %d of %d</text>", id, k + 1, N);
            panel = strstr(panel, title);
            if (!panel) fail_msg("no panel for mask %d of record %s", k + 1, id);
            const char *end = strstr(panel, "</svg>");
            assert_non_null(end);
            /* shading: the same (row, level, runs), in the same order, as the masks imply */
            const float *mk = masks + (size_t)k * C * L;
            const int nw = expected_shades(mk, C, L, want), ng = parsed_shades(panel, end, got, 12 * 10 + 1);
            assert_int_equal(ng, nw);
            for (int i = 0; i < nw; i++) {
                assert_int_equal(got[i].row, want[i].row);
                assert_int_equal(got[i].level, want[i].level);
                assert_int_equal(got[i].runs, want[i].runs);
                assert_int_equal(got[i].height, C == 12 ? 42 : 12 * 46 - 4); /* a lane, or all of them */
                total_runs += got[i].runs;
            }
            /* the caption: the mask's mean as the fraction removed, the rest kept */
            double mean = 0, removed, kept;
            for (int i = 0; i < C * L; i++) mean += mk[i];
            mean /= (double)C * L;
            char cap[64];
            snprintf(cap, sizeof cap, "mask %d of %d: removes ", k + 1, N);
            const char *c = strstr(panel, cap);
            assert_true(c && c < end);
            assert_int_equal(sscanf(c + strlen(cap), "%lf%% of the signal on average, keeps %lf%%", &removed, &kept), 2);
            assert_true(fabs(removed - 100 * mean) <= 0.05 + 1e-9);
            assert_true(fabs(kept - 100 * (1 - mean)) <= 0.05 + 1e-9);
            /* how hard the mask is: shares of values below 0.1, between, and at 0.9 or above */
            int low = 0, high = 0;
            for (int i = 0; i < C * L; i++) low += mk[i] < 0.1f, high += mk[i] >= 0.9f;
            double p_low, p_soft, p_high;
            const char *hv = strstr(c, "values: ");
            assert_true(hv && hv < end);
            assert_int_equal(sscanf(hv, "values: %lf%% below 0.1, %lf%% soft (0.1 to 0.9: they scale the signal rather than "
                                        "remove it), %lf%% at 0.9 or above", &p_low, &p_soft, &p_high), 3);
            assert_true(fabs(p_low - 100.0 * low / (C * L)) <= 0.05 + 1e-9);
            assert_true(fabs(p_high - 100.0 * high / (C * L)) <= 0.05 + 1e-9);
            assert_true(fabs(p_soft - 100.0 * (C * L - low - high) / (C * L)) <= 0.05 + 1e-9);
            /* per-lead masks: each lead's mean at its right */
            if (C == 12) {
                int pct = 0;
                for (const char *t = strstr(panel, "%</text>"); t && t < end; t = strstr(t + 1, "%</text>")) pct++;
                assert_int_equal(pct, 12);
            }
            panel = end;
        }
        free(masks);
    }
    assert_int_equal(examples, want_examples);
    /* one panel per mask per example, nothing else drawn */
    int svgs = 0;
    for (const char *s = strstr(page, "<svg"); s; s = strstr(s + 1, "<svg")) svgs++;
    assert_int_equal(svgs, want_examples * want_masks);
    free(want), free(got);
    pack_close(p);
    ssl_model_free(&m);
    return total_runs;
}

static void adversarial_masks_are_drawn_per_lead(void **state) {
    (void)state;
    char *out, page[4096], model[4096];
    snprintf(page, sizeof page, "%s/adv.html", g_dir);
    snprintf(model, sizeof model, "%s/adv/last.safetensors", g_dir);
    const int rc = run_scar(&out, "report --examples 2 --model %s --data %s -o %s --threads 1", model, g_pack, page);
    if (rc != 0) fail_msg("report failed (%d): %s", rc, out);
    free(out);
    char *html = read_file_all(page, NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "what the adversarial masks remove"));
    assert_non_null(strstr(html, "2 masks per lead"));
    assert_true(check_page(html, model, 2, 2, 12) > 0);
    free(html);
}

static void shared_masks_shade_every_lead_at_once(void **state) {
    (void)state;
    char *out, page[4096], model[4096];
    snprintf(page, sizeof page, "%s/shared.html", g_dir);
    snprintf(model, sizeof model, "%s/shared/last.safetensors", g_dir);
    const int rc = run_scar(&out, "report --examples 2 --model %s --data %s -o %s --threads 1", model, g_pack, page);
    if (rc != 0) fail_msg("report failed (%d): %s", rc, out);
    free(out);
    char *html = read_file_all(page, NULL);
    assert_non_null(html);
    assert_non_null(strstr(html, "3 masks shared by the leads"));
    assert_true(check_page(html, model, 2, 3, 1) > 0);
    free(html);
}

static void a_checkpoint_without_masker_is_refused(void **state) {
    (void)state;
    char *out, page[4096], kept[4096], model[4096];
    snprintf(page, sizeof page, "%s/k3.html", g_dir);
    snprintf(kept, sizeof kept, "%s/old.html", g_dir);
    snprintf(model, sizeof model, "%s/k3/last.safetensors", g_dir);
    int rc = run_scar(&out, "report --examples 2 --model %s --data %s -o %s --threads 1", model, g_pack, page);
    if (rc != 1 || !strstr(out, model) || !strstr(out, "without an adversarial masker"))
        fail_msg("status %d, output:\n%s", rc, out);
    free(out);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", page);
    assert_false(file_exists(page));
    assert_false(file_exists(tmp));
    assert_false(file_exists(path_join(g_dir, "k3.md")));
    /* an earlier page at the same path stays as it was */
    assert_int_equal(write_file_all(kept, "old page", 8), 0);
    rc = run_scar(&out, "report --examples 1 --model %s --data %s -o %s --threads 1", model, g_pack, kept);
    assert_int_equal(rc, 1);
    free(out);
    char *html = read_file_all(kept, NULL);
    assert_string_equal(html, "old page");
    free(html);
}

static void help_says_what_ssl_checkpoints_draw(void **state) {
    (void)state;
    char *out;
    assert_int_equal(run_scar(&out, "report --help"), 0);
    assert_non_null(strstr(out, "scar ssl --aug adv checkpoint"));
    assert_non_null(strstr(out, "has no masks: an error"));
    free(out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(adversarial_masks_are_drawn_per_lead),
        cmocka_unit_test(shared_masks_shade_every_lead_at_once),
        cmocka_unit_test(a_checkpoint_without_masker_is_refused),
        cmocka_unit_test(help_says_what_ssl_checkpoints_draw),
    };
    return cmocka_run_group_tests_name("report of ssl masks", tests, setup, teardown);
}
