/* Pre-tokenisation: normalised text (text_normalize.h) is cut into pieces, and BPE merges never
 * cross a piece boundary, so a learned token never spans two words. A piece is an optional single
 * leading space followed by a maximal run of one class of characters:
 *
 *   letters  Unicode L* and M* (combining marks stay with their letter)
 *   digits   Unicode N*
 *   other    everything else (punctuation, symbols), e.g. "(" or "-" or "..."
 *
 * "sinusrhythmus, qrs(t) 120ms" -> "sinusrhythmus" "," " qrs" "(" "t" ")" " 120" "ms".
 * A space not followed by anything (never the case in normalised text) is a piece of its own.
 * Pieces tile the text exactly, so concatenating them gives it back. */
#ifndef SCAR_DATA_PRETOKENIZE_H
#define SCAR_DATA_PRETOKENIZE_H

#include <stddef.h>

/* End (exclusive) of the piece that starts at s[pos], pos < len; s is valid UTF-8. */
size_t pretokenize_next(const char *s, size_t len, size_t pos);

#endif
