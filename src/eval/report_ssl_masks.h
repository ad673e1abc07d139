/* Example ECGs for a self-supervised checkpoint trained with adversarial masks (scar ssl --aug
 * adv): its mask generator, in evaluation mode (batch norm on running statistics), reads each
 * chosen test record -- the first `samples` samples the model was built for, missing samples as
 * zeros, no augmentation -- and each of its N soft masks is drawn as one panel: the 12-lead trace
 * with every sample shaded by its mask value (svg_ecg_shaded: 1 = removed from the view, 0 =
 * kept), captioned with the mask's mean over its leads and samples as the fraction removed, and
 * one minus that as the fraction kept. */
#ifndef SCAR_EVAL_REPORT_SSL_MASKS_H
#define SCAR_EVAL_REPORT_SSL_MASKS_H

#include <stdio.h>

/* Append the section to html. -1 with scar_fail() naming the file when the checkpoint has no
 * mask generator (any --aug but adv), or the pack's rate or length does not fit the model. */
int report_ssl_masks(FILE *html, const char *model_path, const char *pack_path, int n_examples);

#endif
