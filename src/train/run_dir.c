#include "train/run_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/error.h"

int run_dir_create(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return scar_fail("%s: path too long", dir);
    for (char *p = path + 1;; p++) {
        const int end = *p == 0;
        if (*p == '/' || end) {
            *p = 0;
            struct stat st;
            if (mkdir(path, 0777) != 0 && errno != EEXIST) return scar_fail("%s: cannot create: %s", path, strerror(errno));
            if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return scar_fail("%s: exists and is not a folder", path);
            if (end) break;
            *p = '/';
        }
    }
    return 0;
}

int run_dir_write_text(const char *dir, const char *name, char *text, int take_ownership) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    AtomicFile f;
    int rc = atomic_file_begin(&f, path);
    if (!rc) rc = atomic_file_write(&f, text, strlen(text));
    if (!rc) rc = atomic_file_write(&f, "\n", 1);
    if (!rc) rc = atomic_file_commit(&f);
    if (take_ownership) free(text);
    return rc;
}
