/* The model configuration: defaults are valid, JSON round trips, partial overlays keep defaults,
 * and every kind of bad configuration is refused with a message naming the key. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/clip_model.h"
#include "testutil.h"

static void defaults_round_trip(void **state) {
    (void)state;
    ClipConfig c = clip_config_default();
    assert_int_equal(clip_config_validate(&c, "defaults"), 0);
    char *json = clip_config_to_json(&c);
    ClipConfig d = clip_config_default();
    d.ecg.tf.width = 7; /* overwritten by the JSON */
    assert_int_equal(clip_config_from_json(&d, json, "round trip"), 0);
    assert_int_equal(d.ecg.tf.width, c.ecg.tf.width);
    assert_int_equal(d.text.vocab, c.text.vocab);
    assert_true(d.ecg.tf.dropout == c.ecg.tf.dropout);
    free(json);
}

static void partial_overlay(void **state) {
    (void)state;
    ClipConfig c = clip_config_default();
    assert_int_equal(clip_config_from_json(&c, "{\"ecg\": {\"patch_len\": 50, \"n_patches\": 20}, \"embed_dim\": 64}", "cfg.json"), 0);
    assert_int_equal(c.ecg.patch_len, 50);
    assert_int_equal(c.ecg.n_patches, 20);
    assert_int_equal(c.embed_dim, 64);
    assert_int_equal(c.ecg.embed_dim, 64);
    assert_int_equal(c.text.embed_dim, 64);
    assert_int_equal(c.ecg.tf.width, 128); /* untouched default */
}

static void refusals(void **state) {
    (void)state;
    struct {
        const char *json, *needle;
    } bad[] = {
        {"{\"ecg\": {\"widht\": 64}}", "widht"},
        {"{\"colour\": 1}", "colour"},
        {"{\"ecg\": {\"width\": \"wide\"}}", "ecg.width must be a number"},
        {"{\"ecg\": {\"width\": 100, \"heads\": 3}}", "heads 3 must divide width 100"},
        {"{\"text\": {\"dropout\": 1.5}}", "text.dropout"},
        {"{\"ecg\": {\"layers\": 2.5}}", "whole number"},
        {"{\"ecg\": [1, 2]}", "'ecg' must be an object"},
        {"[1, 2]", "must be a JSON object"},
        {"{\"rate_hz\": 100", "not valid JSON"},
        {"{\"rate_hz\": -5}", "rate_hz"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ClipConfig c = clip_config_default();
        assert_int_equal(clip_config_from_json(&c, bad[i].json, "cfg.json"), -1);
        if (!strstr(scar_last_error(), bad[i].needle) || !strstr(scar_last_error(), "cfg.json"))
            fail_msg("for %s: message '%s' lacks '%s'", bad[i].json, scar_last_error(), bad[i].needle);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(defaults_round_trip), cmocka_unit_test(partial_overlay),
                                       cmocka_unit_test(refusals)};
    return cmocka_run_group_tests_name("clip config", tests, NULL, NULL);
}
