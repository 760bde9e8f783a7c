#include "sim/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsu_open(fsu_file *o, const char *path, vs_err *err)
{
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path)
        return err_input(err, "%s: path too long", path);
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return err_internal(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

int fsu_commit(fsu_file *o, vs_err *err)
{
    if (!o->f)
        return err_internal(err, "%s: not open", o->path);
    int bad = ferror(o->f) || fflush(o->f) != 0;
    int e = errno;
    if (!bad && fsync(fileno(o->f)) != 0 && errno != EINVAL) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->f = NULL;
    if (bad) {
        remove(o->tmp);
        return err_internal(err, "%s: write failed: %s", o->path, strerror(e ? e : EIO));
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        remove(o->tmp);
        return err_internal(err, "%s: cannot rename into place: %s", o->path, strerror(e));
    }
    return fsu_sync_dir(o->path, err);
}

int fsu_sync_dir(const char *path, vs_err *err)
{
    /* A written file's data is fsynced before its rename; the rename is an
     * update of the directory, durable only once the directory is. */
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) /* a write-only directory: nothing to sync it with */
        return 0;
    if (fd < 0)
        return err_internal(err, "%s: cannot open the directory to sync it: %s", dir,
                            strerror(errno));
    int bad = fsync(fd) != 0 && errno != EINVAL && errno != EROFS;
    int e = errno;
    close(fd);
    return bad ? err_internal(err, "%s: cannot sync the directory: %s", dir, strerror(e)) : 0;
}

void fsu_abort(fsu_file *o)
{
    if (o->f) {
        fclose(o->f);
        o->f = NULL;
        remove(o->tmp);
    }
}

int fsu_write_string(const char *path, const char *s, vs_err *err)
{
    fsu_file o;
    if (fsu_open(&o, path, err))
        return -1;
    fputs(s, o.f);
    return fsu_commit(&o, err);
}

int fsu_mkdirs(const char *path, vs_err *err)
{
    char buf[4096];
    if (strlen(path) >= sizeof buf)
        return err_input(err, "%s: path too long", path);
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return err_internal(err, "%s: cannot create directory: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return err_internal(err, "%s: cannot create directory: %s", buf, strerror(errno));
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_internal(err, "%s: not a directory", buf);
    return 0;
}
