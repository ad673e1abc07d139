#include "core/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

static void release(AtomicFile *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    free(f->tmp);
    f->tmp = NULL;
    free(f->path);
    f->path = NULL;
}

int atomic_file_begin(AtomicFile *f, const char *path) {
    f->fd = -1;
    f->path = xstrdup(path);
    size_t n = strlen(path) + 32;
    f->tmp = xmalloc(n);
    snprintf(f->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    /* O_TRUNC rather than O_EXCL: a leftover from a crashed process with the same pid is stale. */
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f->fd < 0) {
        scar_fail("%s: cannot create %s: %s", path, f->tmp, strerror(errno));
        free(f->tmp);
        f->tmp = NULL;
        atomic_file_abort(f);
        return -1;
    }
    return 0;
}

int atomic_file_write(AtomicFile *f, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            scar_fail("%s: write failed: %s", f->path, w < 0 ? strerror(errno) : "no progress");
            atomic_file_abort(f);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Make the rename itself durable. Best effort: the new file is already in place, and some file
 * systems refuse fsync on a directory, so a failure here is not reported as a failed write. */
static void sync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int atomic_file_commit(AtomicFile *f) {
    if (fsync(f->fd) != 0) {
        scar_fail("%s: fsync failed: %s", f->path, strerror(errno));
        atomic_file_abort(f);
        return -1;
    }
    int rc = close(f->fd);
    f->fd = -1;
    if (rc != 0) {
        scar_fail("%s: close failed: %s", f->path, strerror(errno));
        atomic_file_abort(f);
        return -1;
    }
    if (rename(f->tmp, f->path) != 0) {
        scar_fail("%s: cannot rename %s over it: %s", f->path, f->tmp, strerror(errno));
        atomic_file_abort(f);
        return -1;
    }
    sync_parent_dir(f->path);
    release(f);
    return 0;
}

void atomic_file_abort(AtomicFile *f) {
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    if (f->tmp) unlink(f->tmp);
    release(f);
}
