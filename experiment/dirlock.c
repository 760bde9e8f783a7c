/* dirlock.c - sweep directory locks (see dirlock.h). */
#include "experiment/dirlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "experiment/store.h"

#define DLOCK_PATH_MAX 4300

/* Takes lock `how` (LOCK_EX or LOCK_SH) on path, creating it. A lock held
 * by someone else is an error whose message says `busy`; a filesystem
 * without locks (ENOLCK, ENOSYS, EOPNOTSUPP: e.g. Lustre mounted without
 * -o flock) only a warning. *fd is the descriptor, or -1. */
static int dlock_file(const char *path, int how, const char *busy, int *fd, vs_err *err)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return err_internal(err, "%s: cannot create: %s", path, strerror(errno));
    if (flock(*fd, how | LOCK_NB) == 0)
        return 0;
    int e = errno;
    if (e == EWOULDBLOCK || e == EAGAIN || e == EINTR) {
        close(*fd);
        *fd = -1;
        return err_input(err, "%s", busy);
    }
    store_warn("%s: cannot lock it (%s); make sure no other vmsim sweep uses the directory at the "
               "same time",
               path, strerror(e));
    return 0;
}

int dlock_take(const char *dir, int shard_i, int shard_n, int fds[2], vs_err *err)
{
    char lp[DLOCK_PATH_MAX], busy[DLOCK_PATH_MAX + 100];
    fds[0] = fds[1] = -1;
    snprintf(lp, sizeof lp, "%s/.lock", dir);
    snprintf(busy, sizeof busy, "%s: another vmsim sweep is running in this directory", dir);
    if (dlock_file(lp, shard_n > 0 ? LOCK_SH : LOCK_EX, busy, &fds[0], err))
        return -1;
    if (shard_n == 0)
        return 0;
    snprintf(lp, sizeof lp, "%s/.lock.shard-%d-of-%d", dir, shard_i, shard_n);
    snprintf(busy, sizeof busy, "%s: shard %d/%d is already running in this directory", dir,
             shard_i, shard_n);
    if (dlock_file(lp, LOCK_EX, busy, &fds[1], err)) {
        if (fds[0] >= 0)
            close(fds[0]);
        fds[0] = -1;
        return -1;
    }
    return 0;
}

void dlock_release(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

