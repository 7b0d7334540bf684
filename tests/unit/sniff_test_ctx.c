/* The core's record.c for unit tests and fuzz targets of pp-sniff's
 * dissectors: a record begins with the common fields of every sniffed
 * record and ends as one line on c->out. Kept small and separate so that
 * the dissector tests link without the capture code. Weak: every test links
 * this file, and where the core's record.c comes in too (a target that runs
 * the whole engine, whose flows these two need), the core's win. */
#include "../../cmd/pp-sniff/dissect.h"

#include <netinet/in.h>

__attribute__((weak)) void sniff_rec_begin(struct sniff_ctx *c, const char *type)
{
	char a[PP_ADDRSTRLEN], pb[16];
	jw_rec_begin(c->w, type, c->ts_us);
	if (!c->tuple)
		return;
	jw_str(c->w, "proto", pp_proto_name(c->tuple->proto, pb, sizeof(pb)));
	jw_str(c->w, "src", pp_addr_fmt(&c->tuple->src, a));
	jw_uint(c->w, "sport", c->tuple->sport);
	jw_str(c->w, "dst", pp_addr_fmt(&c->tuple->dst, a));
	jw_uint(c->w, "dport", c->tuple->dport);
	if (c->community_id)
		jw_str(c->w, "community_id", c->community_id);
}

__attribute__((weak)) void sniff_rec_end(struct sniff_ctx *c)
{
	jw_rec_end(c->w, c->out);
}

/* ---- the test context (sniff_test_ctx.h) ---- */
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "sniff_test_ctx.h"

void tctx_init(struct tctx *t, int proto, int sport, int dport)
{
	static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
	memset(t, 0, sizeof(*t));
	jw_init(&t->w);
	pp_addr_from4(&t->t.src, a1);
	pp_addr_from4(&t->t.dst, a2);
	t->t.sport = (uint16_t)sport;
	t->t.dport = (uint16_t)dport;
	t->t.proto = (uint8_t)proto;
	t->c.ts_us = 1700000000123456ULL;
	t->c.tuple = &t->t;
	t->c.community_id = "1:test";
	t->c.from_orig = true;
	t->c.vlan = -1;
	t->c.app = &t->app;
	t->c.w = &t->w;
	t->c.out = open_memstream(&t->buf, &t->len);
}

void tctx_free(struct tctx *t)
{
	fclose(t->c.out);
	free(t->buf);
	jw_free(&t->w);
}

void tctx_clear(struct tctx *t)
{
	fclose(t->c.out);
	free(t->buf);
	t->buf = NULL, t->len = 0;
	t->c.out = open_memstream(&t->buf, &t->len);
}

const char *tctx_out(struct tctx *t)
{
	fflush(t->c.out);
	return t->buf ? t->buf : "";
}

int tctx_lines(struct tctx *t)
{
	const char *s = tctx_out(t);
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

const char *tctx_line(struct tctx *t, int i)
{
	static char *line;
	const char *s = tctx_out(t), *e;
	for (; i > 0 && s; i--) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	if (!s || !*s || !(e = strchr(s, '\n')))
		return NULL;
	free(line);
	line = strndup(s, (size_t)(e - s));
	return line;
}

int tctx_all_valid(struct tctx *t)
{
	struct rec r;
	const char *s = tctx_out(t), *e, *err;
	int ok = 1;
	rec_init(&r);
	for (; *s; s = e + 1) {
		e = strchr(s, '\n');
		if (!e || rec_parse(&r, s, (size_t)(e - s), &err) < 0) {
			ok = 0;
			break;
		}
	}
	rec_free(&r);
	return ok;
}

bool tctx_line_parses(struct tctx *t, struct rec *r, int i)
{
	const char *l = tctx_line(t, i), *err;
	return l && rec_parse(r, l, strlen(l), &err) == 0;
}

bool tctx_has(struct tctx *t, const char *s)
{
	return strstr(tctx_out(t), s) != NULL;
}

int tctx_feed(struct tctx *t, tctx_stream_fn fn, void (*free_fn)(void *), const void *s, size_t n,
              bool orig, bool bytewise, bool capped)
{
	void *st = NULL;
	int r = DIS_MORE;
	t->c.from_orig = orig;
	t->app = NULL;
	if (bytewise) {
		for (size_t k = 1; k <= n && r == DIS_MORE; k++)
			r = fn(&t->c, &st, (const uint8_t *)s, k, capped && k == n);
	} else {
		r = fn(&t->c, &st, (const uint8_t *)s, n, capped);
	}
	free_fn(st);
	return r;
}
