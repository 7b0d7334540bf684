/* Terminal-safe text: see termsafe.h. Widths and printability come from
 * the C.UTF-8 locale's tables (glibc's, from Unicode data), looked up with
 * a private locale so the program's own locale is never changed. */
#include "termsafe.h"

#include <locale.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;
	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

/* Columns of printable code point cp (>= 0xa0), or -1 when unprintable. */
static int cp_width(unsigned cp)
{
	locale_t loc = utf8_locale(), old;
	int w;
	if (!loc)
		return 1; /* no tables: one column each, never an escape */
	old = uselocale(loc);
	w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w;
}

size_t ts_utf8(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0], v, min;
	size_t len;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 lead of an overlong, F5..FF */
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* Code points that reorder or break lines although the tables may call
 * them printable (zero width): "Trojan Source" bidi controls, U+2028/9. */
static bool cp_hostile(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c || cp == 0xfeff;
}

/* Bytes at the start of p[0..n) that are printable ASCII (0x20..0x7e), or
 * (any) any ASCII: eight at a time, as nearly all text is. A byte
 * b < 0x80 is >= 0x20 when b + 0x60 has its top bit and >= 0x7f when
 * b + 0x01 has it; neither sum carries into the next byte. */
static size_t ascii_run(const unsigned char *p, size_t n, bool any)
{
	const uint64_t ones = 0x0101010101010101ULL, tops = 0x8080808080808080ULL;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, p + i, 8);
		if (x & tops)
			break;
		if (!any && ((x + 0x60 * ones) & ~(x + ones) & tops) != tops)
			break;
	}
	while (i < n && p[i] < 0x80 && (any || (p[i] >= 0x20 && p[i] < 0x7f)))
		i++;
	return i;
}

/* \xHH, \uHHHH, \UHHHHHHHH: by hand, as a printf per escaped byte was most
 * of the cost of hostile text. */
static void put_escape(struct sbuf *out, char kind, unsigned v, int digits)
{
	static const char hex[] = "0123456789abcdef";
	char b[10];
	b[0] = '\\';
	b[1] = kind;
	for (int i = 0; i < digits; i++)
		b[2 + i] = hex[(v >> (4 * (digits - 1 - i))) & 0xf];
	sb_put(out, b, 2 + (size_t)digits);
}

void ts_put(struct sbuf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		unsigned cp;
		size_t len, j;
		if (c >= 0x20 && c < 0x7f) {
			/* Runs of printable ASCII in one copy: the common case. */
			j = i + ascii_run(p + i, n - i, false);
			sb_put(out, s + i, j - i);
			i = j;
			continue;
		}
		if (c < 0x80) {
			if (c == '\n')
				sb_puts(out, "\\n");
			else if (c == '\t')
				sb_puts(out, "\\t");
			else if (c == '\r')
				sb_puts(out, "\\r");
			else
				put_escape(out, 'x', c, 2);
			i++;
			continue;
		}
		len = ts_utf8(p + i, n - i, &cp);
		if (len == 0) {
			put_escape(out, 'x', c, 2);
			i++;
			continue;
		}
		if (cp_hostile(cp) || cp_width(cp) < 0)
			put_escape(out, cp > 0xffff ? 'U' : 'u', cp, cp > 0xffff ? 8 : 4);
		else
			sb_put(out, s + i, len);
		i += len;
	}
	if (!out->s)
		sb_puts(out, "");
}

void ts_puts(struct sbuf *out, const char *s)
{
	ts_put(out, s, strlen(s));
}

/* Length and columns of the character at s (safe text: valid UTF-8). */
static size_t next_char(const char *s, size_t n, int *w)
{
	unsigned cp;
	size_t len = ts_utf8((const unsigned char *)s, n, &cp);
	if (len == 0) {
		*w = 1; /* not safe text after all: one byte, one column */
		return 1;
	}
	if (cp < 0x80)
		*w = 1;
	else if ((*w = cp_width(cp)) < 0)
		*w = 1;
	return len;
}

size_t ts_width(const char *s, size_t n)
{
	size_t i = 0, w = 0;
	while (i < n) {
		int cw;
		if ((unsigned char)s[i] < 0x80) {
			size_t k = ascii_run((const unsigned char *)s + i, n - i, true);
			i += k, w += k;
			continue;
		}
		i += next_char(s + i, n - i, &cw);
		w += (size_t)cw;
	}
	return w;
}

/* Bytes of the longest prefix of s that fits in maxw columns; its columns
 * in *used. Zero-width characters after the last one that fits go with it. */
static size_t fit(const char *s, size_t n, size_t maxw, size_t *used)
{
	size_t i = 0, w = 0;
	while (i < n) {
		int cw;
		size_t len = next_char(s + i, n - i, &cw);
		if (w + (size_t)cw > maxw)
			break;
		w += (size_t)cw;
		i += len;
	}
	*used = w;
	return i;
}

size_t ts_put_cut(struct sbuf *out, const char *s, size_t n, size_t maxw)
{
	size_t w = ts_width(s, n), used, k;
	if (w <= maxw) {
		sb_put(out, s, n);
		return w;
	}
	if (maxw == 0)
		return 0;
	k = fit(s, n, maxw - 1, &used);
	sb_put(out, s, k);
	sb_puts(out, "\xe2\x80\xa6");
	return used + 1;
}

size_t ts_put_cut_mid(struct sbuf *out, const char *s, size_t n, size_t maxw, size_t keep)
{
	size_t w = ts_width(s, n), tail_at, tail_w, used, k;
	if (w <= maxw)
		return ts_put_cut(out, s, n, maxw);
	if (keep + 2 > maxw)
		return ts_put_cut(out, s, n, maxw);
	/* The tail: the last keep columns, found from the front. */
	tail_at = fit(s, n, w - keep, &tail_w);
	if (w - tail_w + 1 >= maxw)
		return ts_put_cut(out, s, n, maxw);
	k = fit(s, tail_at, maxw - 1 - (w - tail_w), &used);
	sb_put(out, s, k);
	sb_puts(out, "\xe2\x80\xa6");
	sb_put(out, s + tail_at, n - tail_at);
	return used + 1 + (w - tail_w);
}
