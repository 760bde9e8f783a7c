/* harness.c - helpers the Check suites share (see harness.h). */
#include "tests/harness.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *th_src_dir(void)
{
    const char *s = getenv("VMSIM_SRC");
    return s && *s ? s : ".";
}

const char *th_src_path(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", th_src_dir(), rel);
    return buf;
}

/* $var, else SRC/rel, in buf. */
static const char *th_bin(const char *var, const char *rel, char *buf, size_t n)
{
    const char *s = getenv(var);
    if (s && *s)
        return s;
    snprintf(buf, n, "%s/%s", th_src_dir(), rel);
    return buf;
}

const char *th_vmsim_bin(void)
{
    static char buf[4096];
    return th_bin("VMSIM", "bin/vmsim", buf, sizeof buf);
}

const char *th_hooks_bin(void)
{
    static char buf[4096];
    return th_bin("VMSIM_HOOKS", "build/tests/vmsim-hooks", buf, sizeof buf);
}

char *th_make_tmpdir(const char *tag)
{
    char *t = malloc(strlen(tag) + 32);
    ck_assert_ptr_nonnull(t);
    sprintf(t, "/tmp/vmsim-test-%s-XXXXXX", tag);
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

char *th_make_fast_tmpdir(const char *tag)
{
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char *t = malloc(strlen(base) + strlen(tag) + 32);
    ck_assert_ptr_nonnull(t);
    sprintf(t, "%s/vmsim-test-%s-XXXXXX", base, tag);
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

void th_rm_flat(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[8192];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
                unlink(p);
            }
        closedir(d);
    }
    rmdir(dir);
}

void th_rm_rf(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
}

char *th_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
    size_t r = s && n > 0 ? fread(s, 1, (size_t)n, f) : 0;
    if (s)
        s[r] = 0;
    fclose(f);
    return s;
}

char *th_slurp_in(const char *dir, const char *name)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *s = th_slurp(p);
    ck_assert_msg(s != NULL, "%s missing", p);
    return s;
}

void th_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

void th_expect_file_contains(const char *path, const char *frag)
{
    char *s = th_slurp(path);
    ck_assert_msg(s != NULL, "%s missing", path);
    ck_assert_msg(strstr(s, frag), "%s: \"%s\" lacks \"%s\"", path, s, frag);
    free(s);
}

char *th_results_sans_wall(const char *dir)
{
    char *s = th_slurp_in(dir, "results.csv");
    char *out = malloc(strlen(s) + 1), *o = out;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        char *c1 = strrchr(line, ',');
        ck_assert_ptr_nonnull(c1);
        *c1 = 0;
        char *c2 = strrchr(line, ',');
        ck_assert_ptr_nonnull(c2);
        *c2 = 0;
        o += sprintf(o, "%s\n", line);
    }
    *o = 0;
    free(s);
    return out;
}

pid_t th_spawn(const char *bin, const char *const *args, const char *errfile, const char *env)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        int nul = open("/dev/null", O_WRONLY);
        if (nul >= 0)
            dup2(nul, 1);
        if (env)
            putenv((char *)env);
        const char *argv[64];
        int n = 0;
        argv[n++] = bin ? bin : th_vmsim_bin();
        for (int i = 0; args[i] && n < 63; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

int th_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int th_run(const char *bin, const char *const *args, const char *errfile, const char *env)
{
    return th_wait(th_spawn(bin, args, errfile, env));
}

void th_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
