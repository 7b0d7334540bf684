/* Growable byte buffer for building text (table cells, CSV fields, nft). */
#ifndef PP_SBUF_H
#define PP_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *s; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void sb_init(struct sbuf *b);
void sb_free(struct sbuf *b);
void sb_reset(struct sbuf *b);
void sb_put(struct sbuf *b, const void *p, size_t n);
void sb_puts(struct sbuf *b, const char *s);
void sb_putc(struct sbuf *b, char c);
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string; the buffer is empty afterwards. Never NULL. */
char *sb_steal(struct sbuf *b);

#endif
