/* datadir.c - run-time location of the bundled data (datadir.h). */
#include "config/datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int dd_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Appends the canonical form of p to dirs when it is a directory not yet
 * listed. */
static void dd_add(char dirs[DD_MAX][DD_PATH], int *n, const char *p)
{
    char real[PATH_MAX];
    if (*n >= DD_MAX || !dd_is_dir(p) || !realpath(p, real) || strlen(real) >= DD_PATH)
        return;
    for (int i = 0; i < *n; i++)
        if (strcmp(dirs[i], real) == 0)
            return;
    snprintf(dirs[(*n)++], DD_PATH, "%s", real);
}

int dd_dirs(char dirs[DD_MAX][DD_PATH])
{
    int n = 0;
    const char *env = getenv("VMSIM_DATADIR");
    if (env && *env)
        dd_add(dirs, &n, env);
    char exe[PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0)
        return n;
    exe[l] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return n;
    *slash = 0; /* exe is now the executable's directory */
    static const char *const rel[] = {"/../share/vmsim", "/../scenarios", "/../../scenarios"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof p, "%s%s", exe, rel[i]);
        /* a data directory has host presets; an unrelated "scenarios"
         * folder two levels up is not one */
        char hosts[PATH_MAX + 40];
        snprintf(hosts, sizeof hosts, "%s/hosts", p);
        if (dd_is_dir(hosts))
            dd_add(dirs, &n, p);
    }
    return n;
}

int dd_find(const char *rel, char *buf, size_t n)
{
    char dirs[DD_MAX][DD_PATH];
    int nd = dd_dirs(dirs);
    for (int i = 0; i < nd; i++) {
        struct stat st;
        if ((size_t)snprintf(buf, n, "%s/%s", dirs[i], rel) >= n)
            continue;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode))
            return 0;
    }
    return -1;
}

void dd_describe(char *buf, size_t n)
{
    char dirs[DD_MAX][DD_PATH];
    int nd = dd_dirs(dirs);
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < nd && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", dirs[i]);
    if (!nd)
        snprintf(buf, n, "(none found)");
}
