/* Reports (DESIGN §7): results of several models side by side, as a Markdown file of tables and an
 * HTML page with SVG plots -- AUROC and CMRS against the fraction missing, the reduced lead sets,
 * per-class bars, training curves from run folders, and 12-lead example ECGs with the tokens a
 * SCAR masker removes and the selector's pooling weights drawn over them, or, for a
 * self-supervised checkpoint, the soft masks of its adversarial mask generator. */
#ifndef SCAR_EVAL_REPORT_H
#define SCAR_EVAL_REPORT_H

typedef struct {
    const char *const *result_files;  /* [n_results] files from zeroshot, probe or robustness --json */
    int n_results;
    const char *const *run_dirs;      /* [n_runs] scar pretrain --out folders (log.jsonl) */
    int n_runs;
    const char *example_model;        /* draw examples with this checkpoint, pretrain or ssl (NULL: none) */
    const char *example_data;         /* from the test split of this pack */
    int n_examples;
    const char *title;
} ReportOptions;

/* Write html_path and, beside it, the same tables as Markdown (html_path with .md). */
int report_write(const ReportOptions *o, const char *html_path);

#endif
