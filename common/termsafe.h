/* The one way text from records (wire data, process names, file names)
 * reaches a terminal: tables, the live view and every message that quotes
 * a value. Nothing it passes on can move the cursor, change colours, start
 * an escape sequence or reorder what follows:
 *   C0 controls and DEL      \n \t \r as such, others as \xHH
 *   C1 controls U+0080-U+009F (UTF-8 C2 80..C2 9F, e.g. U+009B, the
 *   8-bit CSI), bidi overrides/isolates, line/paragraph separators,
 *   and other code points the C.UTF-8 locale calls unprintable  \uXXXX
 *   bytes that are not UTF-8 (stray continuations, overlongs, surrogates,
 *   beyond U+10FFFF, cut sequences)   \xHH
 * Everything else (printable UTF-8) is kept. Display width is in terminal
 * columns: combining marks 0, East Asian wide characters 2. */
#ifndef PP_TERMSAFE_H
#define PP_TERMSAFE_H

#include <stdbool.h>
#include <stddef.h>

#include "sbuf.h"

/* Append the safe form of s (n bytes) to out. */
void ts_put(struct sbuf *out, const char *s, size_t n);
void ts_puts(struct sbuf *out, const char *s);

/* Columns that already-safe text (the output of ts_put) takes. */
size_t ts_width(const char *s, size_t n);

/* Append already-safe text cut to at most maxw columns; when it had to cut,
 * the last column is an ellipsis. Returns the columns written. */
size_t ts_put_cut(struct sbuf *out, const char *s, size_t n, size_t maxw);

/* The same with the middle cut out instead of the end: the last keep
 * columns (e.g. an endpoint's ":port") always stay. */
size_t ts_put_cut_mid(struct sbuf *out, const char *s, size_t n, size_t maxw, size_t keep);

/* Decode one UTF-8 sequence at s (n > 0 bytes available). Returns its
 * length and the code point in *cp, or 0 when the bytes are not valid
 * UTF-8 (the caller treats one byte as invalid). */
size_t ts_utf8(const unsigned char *s, size_t n, unsigned *cp);

#endif
