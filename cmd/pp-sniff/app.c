/* Application protocols: the dissectors of the table (dissect.h) probe a
 * direction's first bytes in table order (QUIC, without a probe, is tried
 * on every other UDP flow); then the dissector in charge is fed each
 * direction's in-order bytes until it is done. A dissector that turns out
 * wrong before it recognised anything (no f->app yet) is replaced by the
 * next candidate. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include "dissect.h"
#include "flow.h"
#include "pp.h"

/* Bytes a direction may show without matching any protocol before we stop
 * looking at it. The longest prefix the looks_like checks need is "SSH-"
 * or an HTTP method ("OPTIONS "). */
#define DETECT_BYTES 16
/* A text protocol (SMTP, IMAP, POP3, FTP, XMPP, ...) may turn into TLS
 * after an upgrade command: its first bytes are looked through this far. */
#define STARTTLS_SCAN 8192
/* Bytes past a hole in a TCP direction after which the hole counts as
 * lost (a capture that missed a segment), not as reordering. */
#define GAP_GIVEUP (16u * 1024)
/* UDP datagrams QUIC may decline before a flow is given up on. */
#define QUIC_TRIES 8

static int call_stream(int app, struct sniff_ctx *c, void **st, const uint8_t *b, size_t n, bool capped)
{
	const struct dissector *d = dissector_of(app);
	return d && d->stream ? d->stream(c, st, b, n, capped) : DIS_NOTMINE;
}

static void free_app(int app, void *state)
{
	const struct dissector *d = dissector_of(app);
	if (state && d)
		d->free(state);
}

static void free_state(struct flow *f)
{
	free_app(f->app_id, f->dstate);
	f->dstate = NULL;
	for (int d = 0; d < 2; d++) {
		free_app(f->alt_app[d], f->alt_state[d]);
		f->alt_state[d] = NULL;
	}
}

/* The flow's dissector writes what is pending, then its state goes. */
static void end_state(struct sniff *s, struct flow *f, uint64_t ts)
{
	const struct dissector *d = dissector_of(f->app_id);
	if (d && d->end && f->dstate) {
		struct sniff_ctx c;
		ctx_init(s, f, &c, true, ts);
		d->end(&c, f->dstate);
	}
	free_state(f);
}

/* Which other dissector a direction's first bytes call for, once the
 * flow's own one rejected them: APP_NONE if none. */
static int detect_alt(const struct flow *f, bool from_orig, const uint8_t *b, size_t n)
{
	for (int a = 1; a < APP_NONE; a++) {
		const struct dissector *d = dissector_of(a);
		if (a != f->app_id && (d->flags & DIS_F_ALT) && d->stream && d->probe &&
		    d->probe(&f->t, from_orig, b, n, false) == PROBE_YES)
			return a;
	}
	return APP_NONE;
}

/* Which dissector the first bytes of a direction call for: an app id, or
 * APP_UNKNOWN to wait for more bytes, or APP_NONE. */
static int detect(struct flow *f, bool from_orig, const uint8_t *b, size_t n, bool capped)
{
	bool more = false;
	if (n == 0)
		return capped ? APP_NONE : APP_UNKNOWN;
	for (int a = 1; a < APP_NONE; a++) {
		const struct dissector *d = dissector_of(a);
		if (!d->stream || !d->probe || (f->tried & 1u << a))
			continue;
		int r = d->probe(&f->t, from_orig, b, n, capped);
		if (r == PROBE_YES)
			return a;
		more |= r == PROBE_MORE;
	}
	return (n >= DETECT_BYTES && !more) || capped ? APP_NONE : APP_UNKNOWN;
}

/* Printable ASCII with CR, TAB up to the first LF (or DETECT_BYTES): the
 * start of a text protocol. What follows a first line may already be TLS. */
static bool text_like(const uint8_t *b, size_t n)
{
	if (n > DETECT_BYTES)
		n = DETECT_BYTES;
	for (size_t i = 0; i < n; i++) {
		if (b[i] == '\n')
			return i > 0;
		if ((b[i] < 0x20 || b[i] > 0x7e) && b[i] != '\r' && b[i] != '\t')
			return false;
	}
	return n > 0;
}

static bool word_at(const uint8_t *b, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);
	if (i + k > n || strncasecmp((const char *)b + i, w, k) != 0)
		return false;
	return i + k == n || b[i + k] == '\r' || b[i + k] == '\n' || b[i + k] == ' ' || w[k - 1] == '<';
}

/* The end of the line holding an upgrade command (SMTP, LMTP, NNTP,
 * Sieve, IMAP "tag STARTTLS", POP3 STLS, FTP AUTH TLS/SSL), or of XMPP's
 * <starttls/> element (XMPP sends XML without line ends), or 0. */
static size_t find_upgrade(const uint8_t *b, size_t n)
{
	static const char *const cmds[] = {"STARTTLS", "STLS", "AUTH TLS", "AUTH SSL", "<starttls"};
	for (size_t ls = 0; ls < n;) {
		size_t le = ls;
		while (le < n && b[le] != '\n')
			le++;
		for (size_t i = ls; i < le; i++) {
			if (i > ls && b[i - 1] != ' ' && b[i - 1] != '>')
				continue; /* commands start a line or follow an IMAP tag */
			for (size_t c = 0; c < PP_ARRAY_LEN(cmds); c++) {
				if (!word_at(b, le, i, cmds[c]))
					continue;
				if (cmds[c][0] == '<') { /* up to the end of the element */
					const uint8_t *gt = memchr(b + i, '>', le - i);
					if (gt)
						return (size_t)(gt - b) + 1;
				} else if (le < n) {
					return le + 1;
				}
			}
		}
		if (le == n)
			return 0; /* the line is not complete yet */
		ls = le + 1;
	}
	return 0;
}

/* Where a TLS record starts, at a line (or XML element) boundary at or
 * after from; false if not (yet) there. */
static bool find_tls_start(const struct flow *f, int dir, const uint8_t *b, size_t n, size_t from,
                           uint32_t *off)
{
	const struct dissector *tls = dissector_of(APP_TLS);
	for (size_t i = from; i < n; i++) {
		if (i > 0 && b[i - 1] != '\n' && b[i - 1] != '>')
			continue;
		if (b[i] == 0x16 && tls->probe(&f->t, dir == 0, b + i, n - i, false) == PROBE_YES) {
			*off = (uint32_t)i;
			return true;
		}
	}
	return false;
}

/* A text flow: has one side asked to upgrade, and has its TLS begun? */
static bool try_starttls(struct flow *f)
{
	for (int d = 0; d < 2; d++) {
		struct stream *st = f->st[d];
		size_t at;
		if (!st || !st->buf || !(at = find_upgrade(st->buf, stream_contig(st))))
			continue;
		if (!find_tls_start(f, d, st->buf, stream_contig(st), at, &f->skip[d]))
			continue;
		f->starttls = true;
		f->skip_known[d] = true;
		return true;
	}
	return false;
}

static bool finished(int r) { return r == DIS_DONE || r == DIS_NOTMINE; }

/* Forget a direction's bytes once nobody needs them. */
static void drop_stream(struct flow *f, int dir)
{
	if (f->st[dir]) {
		stream_release(f->st[dir]);
		f->st[dir]->cap = 0; /* keeps FIN tracking, takes no more bytes */
	}
}

/* Give one direction's new bytes to the dissector in charge. force: call
 * even with nothing new, as the last call of a direction (capped). */
static void feed(struct sniff *s, struct flow *f, int dir, uint64_t ts, bool force)
{
	for (int round = 0; round < APP_NONE; round++) {
		struct stream *st = f->st[dir];
		if (!st || f->app_id == APP_NONE || finished(f->dres[dir]))
			return;
		uint32_t len = stream_contig(st);
		/* A hole that stays while this much arrives after it was lost for
		 * good: what is before it is all the dissector will get. */
		bool stuck = st->nr && st->r[st->nr - 1].e - len > GAP_GIVEUP;
		bool capped = force || stuck || (st->cap && len >= st->cap) || (st->fin && len >= st->fin_off);
		if (len == st->fed && !capped)
			return;
		if (len == 0) { /* nothing was ever sent this way */
			if (capped)
				f->dres[dir] = DIS_DONE;
			return;
		}
		if (f->app_id == APP_UNKNOWN) {
			/* A proxy's or database's preamble first (preamble.c):
			 * detection starts after it. */
			uint32_t from = f->starttls && f->skip_known[dir] ? f->skip[dir] : 0;
			if (!f->skip_known[dir]) {
				size_t pl;
				int pr = preamble_find(st->buf, len, dir == 0, &f->preamble, &pl);
				if (pr == 0 && !capped)
					return;
				if (pr == 1) {
					f->starttls = f->skip_known[dir] = true;
					f->skip[dir] = from = (uint32_t)pl;
				}
			}
			/* After a preamble, enough bytes that a prefix match (the
			 * "P" of a "POST") cannot be a guess. */
			if (from && len - from < DETECT_BYTES && !capped)
				return;
			int a = detect(f, dir == 0, st->buf + from, len - from, capped);
			if (a == APP_NONE && !capped && len < STARTTLS_SCAN && text_like(st->buf, len) &&
			    !(f->tried & 1u << APP_TLS))
				a = APP_UNKNOWN; /* text: it may still upgrade to TLS */
			if (a == APP_UNKNOWN && try_starttls(f))
				a = APP_TLS;
			if (a == APP_UNKNOWN)
				return;
			if (a == APP_NONE) {
				f->dres[dir] = DIS_NOTMINE;
				drop_stream(f, dir);
				if (finished(f->dres[!dir]) || (f->st[!dir] && stream_contig(f->st[!dir]) >= DETECT_BYTES))
					f->app_id = APP_NONE;
				return;
			}
			f->app_id = (uint8_t)a;
		}
		uint32_t skip = 0;
		if (f->starttls) { /* the dissector sees the TLS part only */
			if (!f->skip_known[dir]) {
				size_t pl;
				int pr = f->preamble ? preamble_find(st->buf, len, dir == 0, &f->preamble, &pl) : -1;
				if (pr == 0 && !capped)
					return;
				if (pr == 1)
					f->skip[dir] = (uint32_t)pl;
				else if (!find_tls_start(f, dir, st->buf, len, 0, &f->skip[dir])) {
					if (capped || len >= STARTTLS_SCAN) {
						f->dres[dir] = DIS_NOTMINE;
						drop_stream(f, dir);
					}
					return;
				}
				f->skip_known[dir] = true;
			}
			skip = f->skip[dir];
		}
		struct sniff_ctx c;
		ctx_init(s, f, &c, dir == 0, ts);
		c.cut = st->cut && capped;
		c.upgrade = false;
		int r;
		if (f->keep_app)
			c.app = NULL; /* a text protocol's flow stays that protocol */
		if (f->alt_app[dir]) {
			c.app = NULL; /* the flow's app stays the one found first */
			r = call_stream(f->alt_app[dir], &c, &f->alt_state[dir], st->buf, len, capped);
		} else {
			r = call_stream(f->app_id, &c, &f->dstate, st->buf + skip, len - skip, capped);
		}
		st->fed = len;
		if (c.upgrade && !f->starttls && !f->alt_app[dir] && try_starttls(f)) {
			/* The text protocol's client asked for TLS and TLS began: the
			 * TLS dissector takes both directions from where it starts. */
			end_state(s, f, ts);
			f->app_id = APP_TLS;
			f->keep_app = f->app != NULL;
			for (int d = 0; d < 2; d++) {
				if (f->st[d] && (f->st[d]->buf || !finished(f->dres[d]))) {
					f->st[d]->fed = 0;
					f->dres[d] = 2;
				}
			}
			continue;
		}
		if (r == DIS_UPGRADE && !f->alt_app[dir] && c.upgrade_at <= len - skip) {
			/* Another protocol follows (TLS through an HTTP CONNECT
			 * tunnel): detect it from there; the other direction's
			 * start is found as after a STARTTLS. */
			free_state(f);
			f->app_id = APP_UNKNOWN;
			f->starttls = f->skip_known[dir] = true;
			f->skip_known[!dir] = false;
			f->skip[dir] = skip + (uint32_t)c.upgrade_at;
			for (int d = 0; d < 2; d++) {
				if (f->st[d])
					f->st[d]->fed = 0;
				if (!finished(f->dres[d]) || d == dir)
					f->dres[d] = 2;
			}
			continue;
		}
		if (r == DIS_UPGRADE)
			r = DIS_DONE;
		if (r == DIS_NOTMINE && f->app && !f->alt_app[dir] && !f->starttls) {
			/* The other side was this protocol, this one is not: look at
			 * this direction on its own, from its start. */
			int a = detect_alt(f, dir == 0, st->buf, len);
			if (a != APP_NONE) {
				f->alt_app[dir] = (uint8_t)a;
				st->fed = 0;
				continue;
			}
		}
		if (r == DIS_NOTMINE && !f->app) {
			/* Wrong guess: let the next candidate see the bytes from the start. */
			free_state(f);
			f->tried |= 1u << f->app_id;
			f->app_id = APP_UNKNOWN;
			f->starttls = f->skip_known[0] = f->skip_known[1] = false;
			for (int d = 0; d < 2; d++) {
				if (f->st[d])
					f->st[d]->fed = 0;
				if (f->dres[d] != DIS_NOTMINE || f->st[d])
					f->dres[d] = 2;
			}
			continue;
		}
		f->dres[dir] = (int8_t)(capped && r == DIS_MORE ? DIS_DONE : r);
		if (finished(f->dres[dir]))
			drop_stream(f, dir);
		if (finished(f->dres[0]) && finished(f->dres[1]))
			end_state(s, f, ts);
		return;
	}
}

void app_tcp(struct sniff *s, struct flow *f, int dir, uint64_t ts_us)
{
	int app = f->app_id;
	feed(s, f, dir, ts_us, false);
	/* A dissector chosen just now (or TLS after STARTTLS) also wants what
	 * the other side sent. */
	if (app != f->app_id && f->app_id != APP_UNKNOWN && f->app_id != APP_NONE)
		feed(s, f, !dir, ts_us, false);
}

/* A UDP flow's dissector: the first whose probe takes a datagram, else
 * the ones without a probe (QUIC), tried on the first few datagrams. */
void app_udp(struct sniff *s, struct flow *f, int dir, uint64_t ts_us, const uint8_t *p, size_t n,
             bool cut)
{
	struct sniff_ctx c;
	const struct dissector *d;
	int r;

	if (n == 0 || f->app_id == APP_NONE)
		return;
	if (f->app_id == APP_UNKNOWN || !f->app) {
		for (int a = 1; a < APP_NONE; a++) {
			d = dissector_of(a);
			if (d->datagram && d->probe && d->probe(&f->t, dir == 0, p, n, true) == PROBE_YES) {
				if (a != f->app_id)
					free_state(f);
				f->app_id = (uint8_t)a;
				break;
			}
		}
	}
	d = dissector_of(f->app_id);
	if (d && d->probe) {
		ctx_init(s, f, &c, dir == 0, ts_us);
		c.cut = cut;
		r = d->datagram(&c, &f->dstate, p, n);
		if (r == DIS_DONE) {
			free_state(f);
			f->app_id = APP_NONE;
		}
		return;
	}
	/* Trial dissectors cannot work on a cut packet (QUIC's tag is at the end). */
	if (cut)
		return;
	for (int a = f->app_id ? f->app_id : 1; a < APP_NONE; a++) {
		d = dissector_of(a);
		if (!d->datagram || d->probe)
			continue;
		ctx_init(s, f, &c, dir == 0, ts_us);
		f->app_id = (uint8_t)a;
		r = d->datagram(&c, &f->dstate, p, n);
		if (r == DIS_DONE || (r == DIS_NOTMINE && !f->app && ++f->quic_misses >= QUIC_TRIES)) {
			free_state(f);
			f->app_id = APP_NONE;
		}
		return;
	}
	f->app_id = APP_NONE;
}

void app_flow_end(struct sniff *s, struct flow *f, uint64_t ts_us)
{
	if (f->t.proto == IPPROTO_TCP && f->app_id != APP_NONE) {
		for (int d = 0; d < 2; d++)
			if (f->st[d] && f->st[d]->buf)
				feed(s, f, d, ts_us, true);
	}
	end_state(s, f, ts_us);
}
