/* Atomic file replacement: everything is written to "<path>.tmp.<pid>", flushed with fsync and
 * renamed over <path>, so a reader (or a resumed run) sees either the old file or the whole new
 * one, never a torn one, even if the process dies half-way. Checkpoints rely on this.
 *
 *   AtomicFile f;
 *   if (atomic_file_begin(&f, path) != 0) return -1;
 *   if (atomic_file_write(&f, buf, n) != 0) return -1;   // already cleaned up
 *   return atomic_file_commit(&f);                      // cleans up on failure too
 *
 * Every failure records a message naming <path> and removes the temporary file. */
#ifndef SCAR_CORE_ATOMIC_FILE_H
#define SCAR_CORE_ATOMIC_FILE_H

#include <stddef.h>

typedef struct {
    int fd;
    char *path;
    char *tmp;
} AtomicFile;

int atomic_file_begin(AtomicFile *f, const char *path);
int atomic_file_write(AtomicFile *f, const void *buf, size_t n);
int atomic_file_commit(AtomicFile *f);
/* Give up: close and remove the temporary file. Safe to call again. */
void atomic_file_abort(AtomicFile *f);

#endif
