/* A run's output folder: created with its parents, and small text files written atomically. */
#ifndef SCAR_TRAIN_RUN_DIR_H
#define SCAR_TRAIN_RUN_DIR_H

/* mkdir -p; an existing folder is fine, a file in the way is an error. */
int run_dir_create(const char *dir);
/* Write dir/name atomically; frees `text` when take_ownership. */
int run_dir_write_text(const char *dir, const char *name, char *text, int take_ownership);

#endif
