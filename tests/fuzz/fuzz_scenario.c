/* fuzz_scenario.c - libFuzzer harness for the scenario loader.
 *
 * Input: zero to four lines "--set PATH=VALUE\n" (applied with sc_apply_set,
 * as `vmsim run --set` does), then the scenario bytes, parsed with
 * json_loadb exactly as sc_read_json parses a file, then validated by
 * sc_load_doc. Presets are looked up as for a scenario in
 * scenarios/fuzz/, so `make fuzz` (run from the source tree) finds
 * scenarios/hosts/. A "sweep" section goes through sweep_parse, and the
 * first and last points through sweep_point_doc, _desc and _sets (not
 * sweep_check_points: a sweep may have 1e7 points). Everything is freed:
 * a leak is a finding too.
 *
 * Besides crashes, hangs and leaks, it aborts when an error breaks the
 * loader's contract (docs/cli.md): a failure must leave a non-empty,
 * one-line message without control characters and an exit code of 1 or 2.
 *
 * Build and run: `make fuzz` (docs/robustness.md). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/sweep.h"
#include "config/scenario.h"

#define FZ_MAX_SETS 4

/* Aborts when err is not a proper one-line message. `printable`: also
 * when it holds a control character (not asked of experiment/sweep_spec.c, whose
 * own messages still quote "set" keys raw: reported in docs/robustness.md). */
static void fz_check_err(const vs_err *err, const char *what, int printable)
{
    size_t n = strlen(err->msg);
    if (n == 0 || (err->code != VS_EXIT_INPUT && err->code != VS_EXIT_INTERNAL)) {
        fprintf(stderr, "fuzz_scenario: %s failed with code %d and message \"%s\"\n", what,
                err->code, err->msg);
        abort();
    }
    for (size_t i = 0; printable && i < n; i++) {
        unsigned char c = (unsigned char)err->msg[i];
        if (c < 0x20 || c == 0x7f) {
            fprintf(stderr, "fuzz_scenario: %s: control character 0x%02x in \"%s\"\n", what, c,
                    err->msg);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *sets[FZ_MAX_SETS];
    int nsets = 0;
    size_t off = 0;
    while (nsets < FZ_MAX_SETS && size - off > 6 && memcmp(data + off, "--set ", 6) == 0) {
        const uint8_t *nl = memchr(data + off, '\n', size - off);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (data + off)) - 6;
        sets[nsets] = malloc(len + 1);
        memcpy(sets[nsets], data + off + 6, len);
        sets[nsets][len] = 0;
        nsets++;
        off = (size_t)(nl - data) + 1;
    }
    json_error_t je;
    json_t *doc = json_loadb((const char *)data + off, size - off, JSON_REJECT_DUPLICATES, &je);
    vs_err err = {0};
    int bad = doc == NULL;
    for (int i = 0; !bad && i < nsets; i++) {
        memset(&err, 0, sizeof err);
        if (sc_apply_set(doc, sets[i], &err)) {
            fz_check_err(&err, "sc_apply_set", 1);
            bad = 1;
        }
    }
    if (!bad) {
        scenario sc;
        memset(&err, 0, sizeof err);
        if (sc_load_doc(doc, "scenarios/fuzz/input.json", &sc, &err) == 0) {
            if (sc.nvms < 1 || sc.duration < 1 || sc.warmup >= sc.duration) {
                fprintf(stderr, "fuzz_scenario: accepted an invalid scenario (%d VMs, duration "
                                "%lld, warm-up %lld)\n",
                        sc.nvms, (long long)sc.duration, (long long)sc.warmup);
                abort();
            }
            scenario_free(&sc);
        } else {
            fz_check_err(&err, "sc_load_doc", 1);
        }
    }
    if (!bad && json_object_get(doc, "sweep")) {
        sweep_spec sp;
        memset(&err, 0, sizeof err);
        if (sweep_parse(doc, "scenarios/fuzz/input.json", &sp, &err) == 0) {
            int64_t ends[2] = {0, sp.npoints - 1};
            for (int k = 0; k < 2; k++) {
                char buf[2048];
                vs_err e = {0};
                json_t *pd = sweep_point_doc(&sp, doc, "scenarios/fuzz/input.json", ends[k], &e);
                if (pd)
                    json_decref(pd);
                else
                    fz_check_err(&e, "sweep_point_doc", 0);
                sweep_point_desc(&sp, ends[k], buf, sizeof buf);
                sweep_point_sets(&sp, ends[k], buf, sizeof buf);
                json_decref(sweep_point_id(&sp, ends[k]));
            }
            sweep_free(&sp);
        } else {
            fz_check_err(&err, "sweep_parse", 0);
        }
    }
    json_decref(doc);
    for (int i = 0; i < nsets; i++)
        free(sets[i]);
    return 0;
}
