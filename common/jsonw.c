/* JSON record writer. See jsonw.h for the string treatment. */
#include "jsonw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"

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

static void grow(struct jw *w, size_t need)
{
	size_t cap;
	if (w->len + need <= w->cap)
		return;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + need)
		cap *= 2;
	w->buf = realloc(w->buf, cap);
	if (!w->buf)
		pp_die(PP_EXIT_RUNTIME, "out of memory");
	w->cap = cap;
}

void jw_put(struct jw *w, const void *s, size_t n)
{
	grow(w, n);
	memcpy(w->buf + w->len, s, n);
	w->len += n;
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

void jw_escape(struct jw *w, const void *sv, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = sv;
	size_t i = 0;

	grow(w, n + 2);
	while (i < n) {
		unsigned char c = s[i];
		/* Fast path: a run of plain printable ASCII. */
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			size_t j = i + 1;
			while (j < n && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' && s[j] != '\\')
				j++;
			jw_put(w, s + i, j - i);
			i = j;
			continue;
		}
		if (c < 0x80) {
			char e[7] = "\\u00";
			switch (c) {
			case '"': jw_put(w, "\\\"", 2); break;
			case '\\': jw_put(w, "\\\\", 2); break;
			case '\n': jw_put(w, "\\n", 2); break;
			case '\t': jw_put(w, "\\t", 2); break;
			case '\r': jw_put(w, "\\r", 2); break;
			case '\b': jw_put(w, "\\b", 2); break;
			case '\f': jw_put(w, "\\f", 2); break;
			default:
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				jw_put(w, e, 6);
			}
			i++;
			continue;
		}
		size_t l = utf8_len(s + i, n - i);
		if (l == 0) {
			jw_put(w, "\xef\xbf\xbd", 3); /* U+FFFD for each bad byte */
			i++;
		} else if (l == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
			/* C1 control U+0080..U+009F: escape, terminals act on them. */
			char e[7] = "\\u00";
			e[4] = hex[s[i + 1] >> 4];
			e[5] = hex[s[i + 1] & 15];
			jw_put(w, e, 6);
			i += 2;
		} else {
			jw_put(w, s + i, l);
			i += l;
		}
	}
}

/* Comma and key before a member. */
static void member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (!w->first[w->depth])
			putc1(w, ',');
		w->first[w->depth] = false;
	}
	if (key) {
		putc1(w, '"');
		jw_escape(w, key, strlen(key));
		jw_put(w, "\":", 2);
	}
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
	putc1(w, '"');
	jw_escape(w, s, n);
	putc1(w, '"');
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_strn(w, key, s, strlen(s));
}

void jw_int(struct jw *w, const char *key, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%lld", v);
	member(w, key);
	jw_put(w, b, (size_t)n);
}

void jw_uint(struct jw *w, const char *key, unsigned long long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%llu", v);
	member(w, key);
	jw_put(w, b, (size_t)n);
}

void jw_num(struct jw *w, const char *key, double v)
{
	char b[40];
	int n;
	if (!isfinite(v))
		return; /* JSON has no NaN/inf: omit, as for a missing value */
	if (v == (double)(long long)v && fabs(v) < 1e15) {
		n = snprintf(b, sizeof(b), "%lld", (long long)v);
	} else {
		/* Shortest of %.15g/%.17g that reads back exactly. */
		n = snprintf(b, sizeof(b), "%.15g", v);
		if (strtod(b, NULL) != v)
			n = snprintf(b, sizeof(b), "%.17g", v);
	}
	member(w, key);
	jw_put(w, b, (size_t)n);
}

void jw_ts(struct jw *w, const char *key, uint64_t usec)
{
	char b[40];
	int n = snprintf(b, sizeof(b), "%llu.%06llu", (unsigned long long)(usec / 1000000u),
	                 (unsigned long long)(usec % 1000000u));
	member(w, key);
	jw_put(w, b, (size_t)n);
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
