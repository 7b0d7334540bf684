/* Growable byte buffer for building text (table cells, CSV fields, nft). */
#ifndef PP_SBUF_H
#define PP_SBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct sbuf {
	char *s; /* always NUL-terminated once anything was added */
	size_t len, cap;
};

void sb_init(struct sbuf *b);
void sb_free(struct sbuf *b);
void sb_reset(struct sbuf *b);
/* Room for n more bytes and the NUL (inline: called per member). */
void sb_grow(struct sbuf *b, size_t n);
static inline void sb_put(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap)
		sb_grow(b, n);
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}
void sb_puts(struct sbuf *b, const char *s);
static inline void sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}
void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Take the string; the buffer is empty afterwards. Never NULL. */
char *sb_steal(struct sbuf *b);

#endif
