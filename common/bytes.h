/* Bounds-checked reads of untrusted bytes (after tcpdump's extract.h).
 * A cursor never reads past its end: every getter returns false when the
 * bytes are not there, and the cursor is then marked short. */
#ifndef PP_SNIFF_BYTES_H
#define PP_SNIFF_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len, off;
	bool short_; /* a read ran past the end: truncated */
};

static inline void cur_init(struct cur *c, const uint8_t *p, size_t len)
{
	c->p = p, c->len = len, c->off = 0, c->short_ = false;
}
static inline size_t cur_left(const struct cur *c) { return c->len - c->off; }
static inline bool cur_need(struct cur *c, size_t n)
{
	if (n > c->len - c->off) {
		c->short_ = true;
		return false;
	}
	return true;
}
static inline bool cur_u8(struct cur *c, uint8_t *v)
{
	if (!cur_need(c, 1)) return false;
	*v = c->p[c->off++];
	return true;
}
static inline bool cur_u16(struct cur *c, uint16_t *v)
{
	if (!cur_need(c, 2)) return false;
	*v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
	c->off += 2;
	return true;
}
static inline bool cur_u24(struct cur *c, uint32_t *v)
{
	if (!cur_need(c, 3)) return false;
	*v = (uint32_t)c->p[c->off] << 16 | (uint32_t)c->p[c->off + 1] << 8 | c->p[c->off + 2];
	c->off += 3;
	return true;
}
static inline bool cur_u32(struct cur *c, uint32_t *v)
{
	if (!cur_need(c, 4)) return false;
	*v = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
	     (uint32_t)c->p[c->off + 2] << 8 | c->p[c->off + 3];
	c->off += 4;
	return true;
}
static inline bool cur_skip(struct cur *c, size_t n)
{
	if (!cur_need(c, n)) return false;
	c->off += n;
	return true;
}
/* A pointer to n bytes at the cursor, advancing past them; NULL if short. */
static inline const uint8_t *cur_bytes(struct cur *c, size_t n)
{
	const uint8_t *p;
	if (!cur_need(c, n)) return NULL;
	p = c->p + c->off;
	c->off += n;
	return p;
}
/* A sub-cursor over the next n bytes (for length-prefixed structures). */
static inline bool cur_sub(struct cur *c, size_t n, struct cur *sub)
{
	const uint8_t *p = cur_bytes(c, n);
	if (!p) return false;
	cur_init(sub, p, n);
	return true;
}

#endif
