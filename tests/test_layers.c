/* The include graph of models/ (docs/architecture.md, "Layers and the
 * include graph"): workloads -> guest -> (locks, vcpu) -> host -> topology
 * -> sim, with no way back up and nothing of config/. Reads the sources
 * (VMSIM_SRC, default ".") and fails on an include a layer must not have. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/check_main.h"

/* Includes forbidden to the files whose path starts with `who`. */
static const struct {
    const char *who;
    const char *forbidden[8];
} rules[] = {
    {"models/", {"config/", "analysis/", "cli/"}},
    {"models/vcpu.", {"models/locks/", "models/guest.h", "models/workloads/"}},
    {"models/locks/", {"models/vcpu.h", "models/host/", "models/guest.h", "models/workloads/"}},
    {"models/host/", {"models/vcpu.h", "models/guest.h", "models/locks/", "models/workloads/"}},
    {"models/topo.", {"models/vcpu.h", "models/host/", "models/guest.h", "models/locks/", "models/workloads/"}},
    {"models/guest.", {"models/workloads/"}},
    {"models/world.h", {"models/vcpu.h", "models/host/", "models/guest.h", "models/locks/", "models/workloads/"}},
    {"models/variant.", {"models/vcpu.h", "models/host/", "models/guest.h", "models/locks/", "models/workloads/"}},
    {"models/workloads/", {"models/locks/", "models/vcpu.h", "models/host/"}},
};

static int checked;

static void check_file(const char *src, const char *rel)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    checked++;
    for (int ln = 1; fgets(line, sizeof line, f); ln++) {
        const char *p = strstr(line, "#include \"");
        if (p != line)
            continue;
        const char *inc = p + 10;
        for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
            if (strncmp(rel, rules[r].who, strlen(rules[r].who)) != 0)
                continue;
            for (int k = 0; k < 8 && rules[r].forbidden[k]; k++)
                ck_assert_msg(strncmp(inc, rules[r].forbidden[k], strlen(rules[r].forbidden[k])) != 0,
                              "%s:%d includes %.*s: %s may not include %s (docs/architecture.md)", rel, ln,
                              (int)strcspn(inc, "\""), inc, rules[r].who, rules[r].forbidden[k]);
        }
    }
    fclose(f);
}

static void check_dir(const char *src, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", src, rel);
    DIR *d = opendir(path);
    ck_assert_msg(d != NULL, "cannot list %s", path);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", rel, e->d_name);
        if (e->d_name[0] == '.')
            continue;
        if (l > 2 && (!strcmp(e->d_name + l - 2, ".c") || !strcmp(e->d_name + l - 2, ".h")))
            check_file(src, sub);
        else if (!strchr(e->d_name, '.'))
            check_dir(src, sub);
    }
    closedir(d);
}

START_TEST(test_model_layers)
{
    const char *src = getenv("VMSIM_SRC");
    if (!src || !*src)
        src = ".";
    checked = 0;
    check_dir(src, "models");
    ck_assert_msg(checked > 30, "only %d files under models/", checked);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("includes");
    tcase_add_test(tc, test_model_layers);
    suite_add_tcase(s, tc);
    return s;
}
