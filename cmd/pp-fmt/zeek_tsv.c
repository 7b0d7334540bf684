/* Zeek's ASCII log format (the default "TSV with a header" of its
 * LogAscii writer): #separator, #set_separator, #empty_field,
 * #unset_field, #path, #open, #fields, #types, rows, #close. Values are
 * escaped as Zeek does without UTF-8 pass-through: every byte that is not
 * printable ASCII (tabs, newlines, bytes >= 0x80), the backslash and, in
 * sets and vectors, the comma become \xHH; a string that reads like the
 * unset or empty marker has its first byte escaped. So a row is always one
 * line of exactly n fields, whatever the bytes, and safe on a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "outfile.h"
#include "pp.h"
#include "xalloc.h"
#include "zeek.h"

static const char *const type_name[] = {
	[ZT_TIME] = "time", [ZT_STRING] = "string", [ZT_ADDR] = "addr", [ZT_PORT] = "port",
	[ZT_ENUM] = "enum", [ZT_INTERVAL] = "interval", [ZT_COUNT] = "count", [ZT_BOOL] = "bool",
	[ZT_INT] = "int", [ZT_SET_STRING] = "set[string]", [ZT_SET_ENUM] = "set[enum]", [ZT_VEC_STRING] = "vector[string]",
	[ZT_VEC_INTERVAL] = "vector[interval]",
};

static const char *zdir;
static bool zutc;
static double zend;

void ztsv_set_utc(bool utc) { zutc = utc; }
void ztsv_set_end(double ts) { if (ts > zend) zend = ts; }
double ztsv_end(void) { return zend; }

int ztsv_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
		pp_warn_errno("%s", dir);
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		pp_warn("%s: not a directory", dir);
		return -1;
	}
	zdir = dir;
	return 0;
}

void ztsv_init(struct zlog *l, const char *path, const struct zfield *f, int n)
{
	l->path = path, l->f = f, l->n = n, l->fd = -1, l->failed = false;
	sb_init(&l->out);
}

static void put_stamp(struct sbuf *b, double ts)
{
	struct tm tm;
	char s[32];
	time_t t = isfinite(ts) && ts > 0 && ts < 253402300799.0 ? (time_t)ts : 0;
	if (zutc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d-%H-%M-%S", &tm);
	sb_puts(b, s);
}

static void drain(struct zlog *l)
{
	size_t off = 0;
	while (!l->failed && off < l->out.len) {
		ssize_t w = write(l->fd, l->out.s + off, l->out.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pp_warn_errno("%s/%s.log: write error", zdir, l->path);
			l->failed = true;
			break;
		}
		off += (size_t)w;
	}
	sb_reset(&l->out);
}

/* The file is created at its first row: #open says when that row was. */
static bool open_log(struct zlog *l, double ts)
{
	struct sbuf name;
	if (l->fd >= 0)
		return true;
	if (l->failed)
		return false;
	sb_init(&name);
	sb_printf(&name, "%s/%s.log", zdir, l->path);
	l->fd = pp_outfile_open(name.s);
	sb_free(&name);
	if (l->fd < 0) {
		l->failed = true;
		return false;
	}
	sb_printf(&l->out, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
	                   "#unset_field\t-\n#path\t%s\n#open\t", l->path);
	put_stamp(&l->out, ts);
	sb_puts(&l->out, "\n#fields");
	for (int i = 0; i < l->n; i++) {
		sb_putc(&l->out, '\t');
		sb_puts(&l->out, l->f[i].name);
	}
	sb_puts(&l->out, "\n#types");
	for (int i = 0; i < l->n; i++) {
		sb_putc(&l->out, '\t');
		sb_puts(&l->out, type_name[l->f[i].type]);
	}
	sb_putc(&l->out, '\n');
	return true;
}

void ztsv_row(struct zlog *l, const struct zrow *row, double ts)
{
	if (!open_log(l, ts))
		return;
	for (int i = 0; i < l->n; i++) {
		if (i)
			sb_putc(&l->out, '\t');
		sb_puts(&l->out, i < row->n && row->v[i] ? row->v[i] : "-");
	}
	sb_putc(&l->out, '\n');
	if (l->out.len >= 64 * 1024)
		drain(l);
}

int ztsv_close(struct zlog *l, double ts)
{
	int rc = l->failed ? -1 : 0;
	if (l->fd >= 0) {
		sb_puts(&l->out, "#close\t");
		put_stamp(&l->out, ts);
		sb_putc(&l->out, '\n');
		drain(l);
		if (close(l->fd) < 0 && !l->failed) {
			pp_warn_errno("%s/%s.log", zdir, l->path);
			l->failed = true;
		}
		rc = l->failed ? -1 : 0;
	}
	l->fd = -1;
	sb_free(&l->out);
	return rc;
}

/* --- rows ---------------------------------------------------------------- */

struct zrow *zrow_new(int n)
{
	struct zrow *r = xcalloc(1, sizeof(*r));
	r->v = xcalloc((size_t)n, sizeof(char *));
	r->n = n;
	return r;
}

void zrow_free(struct zrow *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	free(r);
}

static void set(struct zrow *r, int i, struct sbuf *b)
{
	free(r->v[i]);
	r->v[i] = sb_steal(b);
}

static void esc(struct sbuf *b, const char *s, size_t n, bool in_list)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];
		bool marker = k == 0 && ((n == 1 && c == '-') || (n == 7 && !memcmp(s, "(empty)", 7)));
		if (c < 0x20 || c >= 0x7f || c == '\\' || (in_list && c == ',') || marker) {
			char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			sb_put(b, e, 4);
		} else {
			sb_putc(b, (char)c);
		}
	}
}

void zrow_str(struct zrow *r, int i, const char *s, size_t n)
{
	struct sbuf b;
	sb_init(&b);
	if (n == 0)
		sb_puts(&b, "(empty)");
	else
		esc(&b, s, n, false);
	set(r, i, &b);
}

void zrow_lit(struct zrow *r, int i, const char *s)
{
	struct sbuf b;
	sb_init(&b);
	sb_puts(&b, s);
	set(r, i, &b);
}

void zrow_time(struct zrow *r, int i, long long us)
{
	struct sbuf b;
	sb_init(&b);
	sb_printf(&b, "%s%lld.%06lld", us < 0 ? "-" : "", llabs(us) / 1000000, llabs(us) % 1000000);
	set(r, i, &b);
}

void zrow_count(struct zrow *r, int i, unsigned long long v)
{
	struct sbuf b;
	sb_init(&b);
	sb_printf(&b, "%llu", v);
	set(r, i, &b);
}

void zrow_bool(struct zrow *r, int i, bool v)
{
	zrow_lit(r, i, v ? "T" : "F");
}

bool zrow_list(struct zrow *r, int i, struct rec *rec, int t, bool seconds)
{
	struct sbuf b;
	int end, k, nel = 0;

	if (t < 0 || rec->tok[t].type != JSMN_ARRAY)
		return false;
	sb_init(&b);
	end = rec_skip(rec, t);
	for (k = t + 1; k < end; k = rec_skip(rec, k)) {
		size_t n;
		double x;
		if (nel++)
			sb_putc(&b, ',');
		if (seconds && rec_tok_num(rec, k, &x) && isfinite(x) && x >= 0 && x < 1e12) {
			long long us = llround(x * 1e6);
			sb_printf(&b, "%lld.%06lld", us / 1000000, us % 1000000);
		} else if (!seconds && rec_tok_is_str(rec, k)) {
			const char *s = rec_tok_str(rec, k, &n);
			esc(&b, s, n, true);
		} else {
			sb_free(&b);
			return false; /* an element of another kind: no answer */
		}
	}
	if (nel == 0)
		sb_puts(&b, "(empty)");
	set(r, i, &b);
	return true;
}

void zrow_copy(struct zrow *dst, int i, const struct zrow *src, int j)
{
	free(dst->v[i]);
	dst->v[i] = src->v[j] ? xstrdup(src->v[j]) : NULL;
}
