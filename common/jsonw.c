/* JSON record writer. See jsonw.h for the string treatment. */
#include "jsonw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"
#include "tuple.h"
#include "xalloc.h"

void jw_init(struct jw *w)
{
	memset(w, 0, sizeof(*w));
	w->first[0] = true;
}

void jw_free(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

void jw_reset(struct jw *w)
{
	w->len = 0;
	w->depth = 0;
	w->first[0] = true;
}

void jw_grow_(struct jw *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 256;
	while (cap < w->len + need)
		cap *= 2;
	w->buf = xrealloc(w->buf, cap);
	w->cap = cap;
}

/* Room for need more bytes. Inline: called for every member. */
static inline void grow(struct jw *w, size_t need)
{
	if (w->len + need > w->cap)
		jw_grow_(w, need);
}

static inline void putc1(struct jw *w, char c)
{
	grow(w, 1);
	w->buf[w->len++] = c;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629 table), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned char lo = 0x80, hi = 0xbf;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		if (c == 0xed)
			hi = 0x9f; /* surrogates */
		return (n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned char lo = 0x80, hi = 0xbf;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
		return (n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		        (s[3] & 0xc0) == 0x80) ? 4 : 0;
	}
	return 0;
}

size_t jw_utf8_len(const void *s, size_t n)
{
	return n ? utf8_len(s, n) : 0;
}

/* Bytes that go out as they are: printable ASCII but '"' and '\\'. */
static const uint8_t plain[256] = {
	['\x20' ... '\x21'] = 1, ['\x23' ... '\x5b'] = 1, ['\x5d' ... '\x7e'] = 1, /* not 0x22 '"', 0x5c '\\' */
};

void jw_escape(struct jw *w, const void *sv, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = sv;
	size_t i = 0;

	/* Worst case: 6 bytes out per byte in (\u00XX), so that the loop
	 * below writes without checking for room. */
	grow(w, 6 * n + 2);
	char *o = w->buf + w->len;
	while (i < n) {
		unsigned char c = s[i];
		/* Fast path: a run of plain printable ASCII. */
		if (plain[c]) {
			size_t j = i + 1;
			while (j < n && plain[s[j]])
				j++;
			memcpy(o, s + i, j - i);
			o += j - i;
			i = j;
			continue;
		}
		if (c < 0x80) {
			*o++ = '\\';
			switch (c) {
			case '"': *o++ = '"'; break;
			case '\\': *o++ = '\\'; break;
			case '\n': *o++ = 'n'; break;
			case '\t': *o++ = 't'; break;
			case '\r': *o++ = 'r'; break;
			case '\b': *o++ = 'b'; break;
			case '\f': *o++ = 'f'; break;
			default:
				memcpy(o, "u00", 3);
				o[3] = hex[c >> 4];
				o[4] = hex[c & 15];
				o += 5;
			}
			i++;
			continue;
		}
		size_t l = utf8_len(s + i, n - i);
		if (l == 0) {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD for each bad byte */
			o += 3;
			i++;
		} else if (l == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 control U+0080..U+009F: escape, terminals act on them. */
			memcpy(o, "\\u00", 4);
			o[4] = hex[s[i + 1] >> 4];
			o[5] = hex[s[i + 1] & 15];
			o += 6;
			i += 2;
		} else {
			memcpy(o, s + i, l);
			o += l;
			i += l;
		}
	}
	w->len = (size_t)(o - w->buf);
}

/* Does a key need escaping? Keys are almost always constant identifiers. */
static bool plain_key(const char *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!plain[(unsigned char)k[i]])
			return false;
	return true;
}

/* Comma and key before a member. */
static void member(struct jw *w, const char *key)
{
	size_t n = key ? strlen(key) : 0;
	grow(w, n + 4);
	if (w->depth > 0) {
		if (!w->first[w->depth])
			w->buf[w->len++] = ',';
		w->first[w->depth] = false;
	}
	if (!key)
		return;
	w->buf[w->len++] = '"';
	if (plain_key(key, n)) {
		memcpy(w->buf + w->len, key, n);
		w->len += n;
	} else {
		jw_escape(w, key, n);
		grow(w, 2);
	}
	w->buf[w->len++] = '"';
	w->buf[w->len++] = ':';
}

static void open_(struct jw *w, const char *key, char c)
{
	member(w, key);
	putc1(w, c);
	if (w->depth + 1 >= JW_MAX_DEPTH)
		pp_die(PP_EXIT_RUNTIME, "internal error: JSON nesting too deep");
	w->depth++;
	w->first[w->depth] = true;
	w->closer[w->depth] = c == '{' ? '}' : ']';
}

void jw_obj_open(struct jw *w, const char *key) { open_(w, key, '{'); }
void jw_arr_open(struct jw *w, const char *key) { open_(w, key, '['); }

void jw_obj_close(struct jw *w)
{
	putc1(w, '}');
	if (w->depth > 0)
		w->depth--;
}

void jw_arr_close(struct jw *w)
{
	putc1(w, ']');
	if (w->depth > 0)
		w->depth--;
}

void jw_strn(struct jw *w, const char *key, const void *s, size_t n)
{
	member(w, key);
	grow(w, 6 * n + 2); /* jw_escape's worst case and both quotes */
	w->buf[w->len++] = '"';
	jw_escape(w, s, n);
	w->buf[w->len++] = '"';
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s, strlen(s));
}

/* Numbers, timestamps and bytes without printf: records are written at
 * packet rate, and printf's format parsing and locale lookups cost more than
 * the digits. */
static const char digits2[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *jw_fmt_u64(char *p, uint64_t v)
{
	char tmp[20];
	int n = 20;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100) * 2;
		v /= 100;
		tmp[--n] = digits2[d + 1];
		tmp[--n] = digits2[d];
	}
	if (v >= 10) {
		tmp[--n] = digits2[v * 2 + 1];
		tmp[--n] = digits2[v * 2];
	} else {
		tmp[--n] = (char)('0' + v);
	}
	memcpy(p, tmp + n, (size_t)(20 - n));
	return p + (20 - n);
}

char *jw_fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return jw_fmt_u64(p, 0 - (uint64_t)v); /* INT64_MIN too */
	}
	return jw_fmt_u64(p, (uint64_t)v);
}

char *jw_fmt_ts(char *p, uint64_t usec)
{
	unsigned f = (unsigned)(usec % 1000000u);
	p = jw_fmt_u64(p, usec / 1000000u);
	*p++ = '.';
	p[0] = digits2[f / 10000 * 2], p[1] = digits2[f / 10000 * 2 + 1];
	p[2] = digits2[f / 100 % 100 * 2], p[3] = digits2[f / 100 % 100 * 2 + 1];
	p[4] = digits2[f % 100 * 2], p[5] = digits2[f % 100 * 2 + 1];
	return p + 6;
}

char *jw_fmt_micros(char *p, uint64_t us)
{
	unsigned f = (unsigned)(us % 1000000u);
	p = jw_fmt_u64(p, us / 1000000u);
	if (f) {
		char d[6];
		int n = 6;
		for (int i = 5; i >= 0; i--, f /= 10)
			d[i] = (char)('0' + f % 10);
		while (d[n - 1] == '0')
			n--;
		*p++ = '.';
		memcpy(p, d, (size_t)n);
		p += n;
	}
	return p;
}

char *jw_fmt_hex(char *p, const void *sv, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	const unsigned char *s = sv;
	for (size_t i = 0; i < n; i++) {
		*p++ = hx[s[i] >> 4];
		*p++ = hx[s[i] & 15];
	}
	return p;
}

char *jw_fmt_b64(char *p, const void *sv, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = sv;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*p++ = b64[v >> 18], *p++ = b64[v >> 12 & 63], *p++ = b64[v >> 6 & 63], *p++ = b64[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		*p++ = b64[v >> 18], *p++ = b64[v >> 12 & 63], *p++ = '=', *p++ = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		*p++ = b64[v >> 18], *p++ = b64[v >> 12 & 63], *p++ = b64[v >> 6 & 63], *p++ = '=';
	}
	return p;
}

void jw_int(struct jw *w, const char *key, long long v)
{
	member(w, key);
	grow(w, 21);
	w->len = (size_t)(jw_fmt_i64(w->buf + w->len, v) - w->buf);
}

void jw_uint(struct jw *w, const char *key, unsigned long long v)
{
	member(w, key);
	grow(w, 20);
	w->len = (size_t)(jw_fmt_u64(w->buf + w->len, v) - w->buf);
}

/* v in [1e-4, 1e9) that is the double nearest to k / 10^6 for an integer k
 * (microsecond durations, fractions of seconds): "%.15g" of it is k / 10^6
 * in fixed notation without trailing zeros, and that reads back as v, so
 * this writes what the printf path below would. 0 if v is not such. */
static size_t fmt_micro(char *b, double v)
{
	double a = fabs(v);
	if (!(a >= 1e-4 && a < 1e9))
		return 0;
	long long k = llround(a * 1e6);
	if ((double)k / 1e6 != a)
		return 0;
	char *p = b;
	if (v < 0)
		*p++ = '-';
	p = jw_fmt_micros(p, (uint64_t)k);
	return (size_t)(p - b);
}

void jw_num(struct jw *w, const char *key, double v)
{
	char b[40];
	size_t n;
	if (!isfinite(v))
		return; /* JSON has no NaN/inf: omit, as for a missing value */
	if (fabs(v) < 1e15 && v == (double)(long long)v) {
		n = (size_t)(jw_fmt_i64(b, (long long)v) - b);
	} else if (!(n = fmt_micro(b, v))) {
		/* Shortest of %.15g/%.17g that reads back exactly. */
		n = (size_t)snprintf(b, sizeof(b), "%.15g", v);
		if (strtod(b, NULL) != v)
			n = (size_t)snprintf(b, sizeof(b), "%.17g", v);
	}
	member(w, key);
	jw_put(w, b, n);
}

void jw_micros(struct jw *w, const char *key, long long us)
{
	unsigned long long a = us < 0 ? 0 - (unsigned long long)us : (unsigned long long)us;
	char b[16], *p = b;

	/* From 100 us to 10^9 s jw_num writes an integer or fmt_micro's
	 * fixed point: no printf (us / 1e6 is the double nearest to it, so
	 * fmt_micro's check holds). Below 100 us it would printf "%.15g",
	 * whose text is a's digits in e-notation: 5e-06, 3.4e-05, 1e-05. */
	if (a == 0 || a >= 100) {
		jw_num(w, key, (double)us / 1e6);
		return;
	}
	if (us < 0)
		*p++ = '-';
	if (a < 10) {
		*p++ = (char)('0' + a);
	} else {
		*p++ = (char)('0' + a / 10);
		if (a % 10) {
			*p++ = '.';
			*p++ = (char)('0' + a % 10);
		}
	}
	memcpy(p, a < 10 ? "e-06" : "e-05", 4);
	p += 4;
	member(w, key);
	jw_put(w, b, (size_t)(p - b));
}

void jw_ts(struct jw *w, const char *key, uint64_t usec)
{
	member(w, key);
	grow(w, 27);
	w->len = (size_t)(jw_fmt_ts(w->buf + w->len, usec) - w->buf);
}

void jw_addr(struct jw *w, const char *key, const struct pp_addr *a)
{
	member(w, key);
	grow(w, PP_ADDRSTRLEN + 2);
	w->buf[w->len++] = '"';
	w->len = (size_t)(pp_addr_put(a, w->buf + w->len) - w->buf);
	w->buf[w->len++] = '"';
}

void jw_hex(struct jw *w, const char *key, const void *p, size_t n)
{
	member(w, key);
	grow(w, 2 * n + 2);
	w->buf[w->len++] = '"';
	w->len = (size_t)(jw_fmt_hex(w->buf + w->len, p, n) - w->buf);
	w->buf[w->len++] = '"';
}

void jw_b64(struct jw *w, const char *key, const void *p, size_t n)
{
	member(w, key);
	grow(w, 4 * ((n + 2) / 3) + 2);
	w->buf[w->len++] = '"';
	w->len = (size_t)(jw_fmt_b64(w->buf + w->len, p, n) - w->buf);
	w->buf[w->len++] = '"';
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	member(w, key);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

void jw_raw(struct jw *w, const char *key, const char *json, size_t n)
{
	member(w, key);
	jw_put(w, json, n);
}

void jw_rec_begin(struct jw *w, const char *type, uint64_t ts_usec)
{
	jw_reset(w);
	jw_obj_open(w, NULL);
	jw_str(w, "type", type);
	jw_ts(w, "ts", ts_usec);
}

int jw_rec_end(struct jw *w, FILE *f)
{
	while (w->depth > 0) /* close what the caller left open */
		putc1(w, w->closer[w->depth--]);
	putc1(w, '\n');
	if (fwrite(w->buf, 1, w->len, f) != w->len) {
		jw_reset(w);
		return -1;
	}
	jw_reset(w);
	return 0;
}
