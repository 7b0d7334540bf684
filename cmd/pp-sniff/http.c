/* HTTP/1.x dissector: the request line and headers of each request (method,
 * Host, target, User-Agent, version) and the status line of each response,
 * one "http" record per message (pp-records(5)). Bodies are never read for
 * their content: a body is only skipped, by Content-Length or by walking its
 * chunk-size lines, to find the next pipelined message.
 *
 * The head of a message may be split over many segments: the core hands us
 * every byte of the direction so far, and we say DIS_MORE until the blank
 * line that ends the headers has come, or until the core's cap or ours
 * (HTTP_MAX_HEAD) is reached, when whatever complete header lines there are
 * make the record. */
#include <stdlib.h>
#include <string.h>

#include "dissect.h"

#define HTTP_MAX_HEAD (64 * 1024) /* request/status line and headers */
#define HTTP_MAX_LINE 8192        /* the first line, before we give up */
#define HTTP_MAX_CHUNK_LINE 1024
#define HTTP_MAX_METHOD 32

enum http_phase {
	PH_HEAD,    /* at the start of a message (or of its body skip target) */
	PH_CHUNK,   /* at a chunk-size line */
	PH_TRAILER, /* after the last chunk: trailer lines up to a blank one */
};

struct http_dir {
	size_t off;   /* where the next thing to parse starts */
	size_t scan;  /* where to resume looking for the end of the head */
	enum http_phase phase;
	unsigned msgs;
	bool tunnel;  /* after CONNECT (or its 2xx answer): TLS may follow */
	bool h2;      /* HTTP/2 frames from off on (h2c) */
};

/* Per flow: both directions, and which requests were HEAD (their responses
 * have no body whatever Content-Length says) or CONNECT (a 2xx answer opens
 * a tunnel), oldest in bit 0. */
struct http_state {
	struct http_dir d[2];
	uint64_t head_q, connect_q;
	unsigned nq;
	bool h2;      /* the client sent HTTP/2's connection preface */
};

/* HTTP/2 in the clear (h2c, RFC 9113 3.3/3.4: prior knowledge, or after
 * an Upgrade: h2c request and its 101): the client's connection preface,
 * then frames both ways. Headers are HPACK-compressed and not decoded; the
 * payload of DATA frames is only looked at for DNS over HTTPS (RFC 8484
 * POST bodies): one that is a whole DNS message is written as a "dns"
 * record (transport "http2"). */
static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN 24

/* A SETTINGS frame header on stream 0 (the first frame of each side). */
static bool h2_settings_at(const uint8_t *p, size_t n)
{
	return n >= 9 && p[3] == 4 && !(p[0] | p[5] | p[6] | p[7] | p[8]) &&
	       (p[4] & 1 ? p[1] == 0 && p[2] == 0 : ((size_t)p[1] << 8 | p[2]) % 6 == 0);
}

static int h2_frames(struct sniff_ctx *c, struct http_dir *d, const uint8_t *buf, size_t len,
                     bool capped)
{
	while (len - d->off >= 9) {
		const uint8_t *f = buf + d->off;
		size_t flen = (size_t)f[0] << 16 | (size_t)f[1] << 8 | f[2];
		if (len - d->off - 9 < flen)
			break;
		if (f[3] == 0) { /* DATA */
			const uint8_t *pl = f + 9;
			size_t n = flen;
			if (f[4] & 0x08) { /* PADDED */
				if (n == 0 || pl[0] >= n)
					return DIS_DONE;
				n -= 1u + pl[0];
				pl++;
			}
			if (dns_looks_like(pl, n))
				dns_http2(c, pl, n);
		}
		d->off += 9 + flen;
	}
	return capped ? DIS_DONE : DIS_MORE;
}

static bool is_tchar(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* "HTTP/d.d" at p (n bytes available). */
static bool is_version(const uint8_t *p, size_t n)
{
	return n >= 8 && !memcmp(p, "HTTP/", 5) && is_digit(p[5]) && p[6] == '.' && is_digit(p[7]);
}

static const char *const http_methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE",
	"PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT",
	"SEARCH", "MKCALENDAR", "SUBSCRIBE", "UNSUBSCRIBE", "NOTIFY", "M-SEARCH", "PURGE",
};

/* Could buf start an HTTP/1.x message? A known method and a space, or a
 * status line; a short buf only has to be a prefix of one. */
bool http_looks_like(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return false;
	if (!memcmp(buf, h2_preface, len < H2_PREFACE_LEN ? len : H2_PREFACE_LEN))
		return true;
	if (len >= 5 && !memcmp(buf, "HTTP/", 5))
		return len < 8 || is_version(buf, len);
	if (len < 5 && !memcmp(buf, "HTTP/", len))
		return true;
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		const char *m = http_methods[i];
		size_t ml = strlen(m);
		if (len > ml ? !memcmp(buf, m, ml) && buf[ml] == ' ' : !memcmp(buf, m, len))
			return true;
	}
	return false;
}

/* A line [p, e) without its CR LF. */
struct span {
	const uint8_t *p;
	size_t n;
};

static bool known_method(struct span m)
{
	for (size_t i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++)
		if (strlen(http_methods[i]) == m.n && !memcmp(http_methods[i], m.p, m.n))
			return true;
	return false;
}

static bool span_ieq(struct span s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s.p[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)lit[i])
			return false;
	}
	return true;
}

static struct span trim(struct span s)
{
	while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.n--;
	while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t' || s.p[s.n - 1] == '\r'))
		s.n--;
	return s;
}

/* The first line, parsed. */
struct start_line {
	bool request;
	bool odd;      /* a request line with more than three words */
	struct span method, target, version;
	unsigned status;
};

/* Request line "METHOD SP target SP HTTP/d.d" (or HTTP/0.9's "GET target"
 * for the methods we know), or status line
 * "HTTP/d.d SP ddd [SP reason]"; l is without CR LF. */
static bool parse_start(struct span l, struct start_line *s)
{
	size_t i = 0;
	memset(s, 0, sizeof(*s));
	if (l.n && l.p[l.n - 1] == '\r')
		l.n--;
	if (is_version(l.p, l.n)) {
		if (l.n < 12 || l.p[8] != ' ' || !is_digit(l.p[9]) || !is_digit(l.p[10]) ||
		    !is_digit(l.p[11]) || (l.n > 12 && l.p[12] != ' '))
			return false;
		s->version = (struct span){l.p, 8};
		s->status = (unsigned)((l.p[9] - '0') * 100 + (l.p[10] - '0') * 10 + (l.p[11] - '0'));
		return s->status >= 100;
	}
	while (i < l.n && is_tchar(l.p[i]))
		i++;
	if (i == 0 || i > HTTP_MAX_METHOD || (i < l.n && l.p[i] != ' '))
		return false;
	s->request = true;
	s->method = (struct span){l.p, i};
	if (i == l.n) /* "GET" alone: known methods only, as HTTP/0.9 */
		return known_method(s->method);
	/* Lenient as servers and tshark are: runs of spaces between the
	 * parts, and a target with spaces in it ("GET /a b HTTP/1.1"), whose
	 * first word is the target (tshark's reading), the line then flagged. */
	while (i < l.n && l.p[i] == ' ')
		i++;
	s->target.p = l.p + i;
	while (i < l.n && l.p[i] > 0x20 && l.p[i] != 0x7f)
		i++;
	s->target.n = (size_t)(l.p + i - s->target.p);
	if (s->target.n == 0)
		return known_method(s->method) && i == l.n; /* "GET": no target */
	if (s->target.n == 8 && is_version(s->target.p, 8) && i == l.n && known_method(s->method)) {
		s->version = s->target, s->target.n = 0; /* "GET HTTP/1.1": no target */
		return true;
	}
	size_t end = l.n;
	while (end > i && l.p[end - 1] == ' ')
		end--;
	if (i == end) /* HTTP/0.9 "GET /path": known methods only */
		return known_method(s->method);
	if (l.p[i] != ' ' || end - i < 9 || !is_version(l.p + end - 8, 8) || l.p[end - 9] != ' ')
		return false;
	s->version = (struct span){l.p + end - 8, 8};
	for (size_t k = i; k < end - 9; k++)
		if (l.p[k] != ' ')
			s->odd = true; /* more words than three */
	return true;
}

/* Could the n bytes at p (no LF among them) begin a start line? */
static bool start_prefix_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (!memcmp(p, "HTTP/", n < 5 ? n : 5))
		return true;
	while (i < n && is_tchar(p[i]))
		i++;
	return i > 0 && i <= HTTP_MAX_METHOD && (i == n || p[i] == ' ');
}

/* After a request line without a version: does a header line follow
 * (a field name and a colon), so that it is an HTTP/1.x request with a
 * broken first line rather than HTTP/0.9? */
static bool header_follows(const uint8_t *p, const uint8_t *e)
{
	size_t i = 0, n = (size_t)(e - p);
	while (i < n && is_tchar(p[i]))
		i++;
	return i > 0 && i < n && p[i] == ':';
}

/* The end of the head at or after from: the offset just past the blank
 * line, or 0 if not there yet. Bare LF line ends are accepted. */
static size_t head_end(const uint8_t *buf, size_t from, size_t len)
{
	for (size_t i = from; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static const uint8_t *find_lf(const uint8_t *p, const uint8_t *e)
{
	return memchr(p, '\n', (size_t)(e - p));
}

/* What the headers say about the body. */
struct head_info {
	struct span host, ua;
	bool has_host, has_ua, chunked, has_len;
	unsigned long long clen;
};

/* Header lines of [p, e), each up to LF; obs-fold continuation lines and
 * lines without a colon are skipped. */
static void parse_headers(const uint8_t *p, const uint8_t *e, struct head_info *h)
{
	memset(h, 0, sizeof(*h));
	while (p < e) {
		const uint8_t *lf = find_lf(p, e), *colon;
		struct span l = {p, (size_t)((lf ? lf : e) - p)}, name, val;
		p = lf ? lf + 1 : e;
		if (l.n == 0 || l.p[0] == ' ' || l.p[0] == '\t')
			continue;
		colon = memchr(l.p, ':', l.n);
		if (!colon)
			continue;
		name = (struct span){l.p, (size_t)(colon - l.p)};
		val = trim((struct span){colon + 1, (size_t)(l.p + l.n - colon - 1)});
		if (span_ieq(name, "host") && !h->has_host) {
			h->host = val, h->has_host = true;
		} else if (span_ieq(name, "user-agent") && !h->has_ua) {
			h->ua = val, h->has_ua = true;
		} else if (span_ieq(name, "content-length") && !h->has_len) {
			unsigned long long v = 0;
			size_t i = 0;
			while (i < val.n && is_digit(val.p[i]) && v < (1ULL << 48))
				v = v * 10 + (unsigned)(val.p[i++] - '0');
			if (i == val.n && i > 0)
				h->clen = v, h->has_len = true;
		} else if (span_ieq(name, "transfer-encoding")) {
			/* "chunked" as the last coding */
			struct span t = val;
			if (t.n >= 7 && span_ieq((struct span){t.p + t.n - 7, 7}, "chunked"))
				h->chunked = true;
		}
	}
}

static void write_record(struct sniff_ctx *c, const struct start_line *s, const struct head_info *h)
{
	struct jw *w = c->w;
	sniff_rec_begin(c, "http");
	if (s->request) {
		jw_str(w, "msg", "request");
		jw_strn(w, "method", s->method.p, s->method.n);
		if (h->has_host && h->host.n)
			jw_strn(w, "host", h->host.p, h->host.n);
		if (s->target.n)
			jw_strn(w, "path", s->target.p, s->target.n);
		if (h->has_ua && h->ua.n)
			jw_strn(w, "user_agent", h->ua.p, h->ua.n);
	} else {
		jw_str(w, "msg", "response");
		jw_uint(w, "status", s->status);
	}
	if (s->version.n)
		jw_strn(w, "version", s->version.p, s->version.n);
	if (s->odd)
		jw_str(w, "malformed", "spaces in the request target");
	sniff_rec_end(c);
}

/* Skip a chunked body from d->off; DIS_MORE to wait, DIS_DONE when it
 * cannot be followed, or -2 (go on) when the message ended. */
static int skip_chunks(struct http_dir *d, const uint8_t *buf, size_t len, bool capped)
{
	for (;;) {
		const uint8_t *p = buf + d->off, *e = buf + len, *lf;
		if (d->off > len)
			return capped ? DIS_DONE : DIS_MORE;
		lf = find_lf(p, e);
		if (!lf)
			return capped || (size_t)(e - p) > HTTP_MAX_CHUNK_LINE ? DIS_DONE : DIS_MORE;
		if (d->phase == PH_TRAILER) {
			bool blank = lf == p || (lf == p + 1 && p[0] == '\r');
			d->off = (size_t)(lf + 1 - buf);
			if (blank) {
				d->phase = PH_HEAD;
				return -2;
			}
			continue;
		}
		{
			unsigned long long size = 0;
			int digits = 0;
			for (; p < lf; p++, digits++) {
				uint8_t ch = *p;
				unsigned v = is_digit(ch) ? ch - '0' : (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f' ? (ch | 0x20) - 'a' + 10 : 16;
				if (v == 16)
					break;
				if (digits >= 12)
					return DIS_DONE;
				size = size * 16 + v;
			}
			if (digits == 0)
				return DIS_DONE;
			d->off = (size_t)(lf + 1 - buf);
			if (size == 0)
				d->phase = PH_TRAILER;
			else
				d->off += (size_t)size + 2; /* the data and its CR LF */
		}
	}
}

int http_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	struct http_state *s = *state;
	struct http_dir *d;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return DIS_DONE;
		*state = s;
	}
	d = &s->d[c->from_orig ? 0 : 1];
	/* HTTP/2: the client's preface, the server's SETTINGS. */
	if (!d->h2 && d->phase == PH_HEAD && d->off < len) {
		size_t avail = len - d->off;
		const uint8_t *p = buf + d->off;
		if (c->from_orig && !memcmp(p, h2_preface, avail < H2_PREFACE_LEN ? avail : H2_PREFACE_LEN)) {
			if (avail < H2_PREFACE_LEN)
				return capped ? DIS_DONE : DIS_MORE;
			d->off += H2_PREFACE_LEN;
			d->h2 = s->h2 = true;
			if (c->app)
				*c->app = "http";
		} else if (!c->from_orig && (d->msgs == 0 || d->tunnel) && h2_settings_at(p, avail)) {
			if (!s->h2) /* the server's answer to a preface still to come */
				return capped ? DIS_DONE : DIS_MORE;
			d->h2 = true;
		}
	}
	if (d->h2) {
		const char **app = c->app;
		c->app = NULL; /* the flow stays "http" */
		int r = h2_frames(c, d, buf, len, capped);
		c->app = app;
		return r;
	}
	for (;;) {
		struct start_line sl;
		struct head_info h;
		const uint8_t *lf, *p;
		size_t end, avail;
		bool has_body = false;

		if (d->phase != PH_HEAD) {
			int r = skip_chunks(d, buf, len, capped);
			if (r != -2)
				return r;
		}
		/* Empty lines before a message are ignored (RFC 9112 2.2):
		 * pipelined requests sometimes come separated by them. */
		while (d->msgs && d->off < len && (buf[d->off] == '\r' || buf[d->off] == '\n'))
			d->off++;
		if (d->off >= len) /* a body still to come, or nothing yet */
			return capped ? DIS_DONE : DIS_MORE;
		p = buf + d->off;
		avail = len - d->off;
		if (c->from_orig && d->msgs && !memcmp(p, h2_preface, avail < H2_PREFACE_LEN ? avail : H2_PREFACE_LEN))
			return http_stream(c, state, buf, len, capped); /* h2c after Upgrade */
		if (d->tunnel && tls_looks_like(p, avail)) {
			c->upgrade_at = d->off; /* TLS through the CONNECT tunnel */
			return DIS_UPGRADE;
		}

		/* Give up early on what cannot be HTTP. */
		lf = memchr(p, '\n', avail < HTTP_MAX_LINE ? avail : HTTP_MAX_LINE);
		if (!lf) {
			if (avail >= HTTP_MAX_LINE || capped || !start_prefix_ok(p, avail))
				return d->msgs ? DIS_DONE : DIS_NOTMINE;
			return DIS_MORE;
		}
		if (!parse_start((struct span){p, (size_t)(lf - p)}, &sl))
			return d->msgs ? DIS_DONE : DIS_NOTMINE;
		if (sl.version.n == 0 && !header_follows(lf + 1, buf + len)) {
			/* HTTP/0.9: no headers, nothing after */
			memset(&h, 0, sizeof(h));
			if (c->app)
				*c->app = "http";
			write_record(c, &sl, &h);
			return DIS_DONE;
		}

		end = head_end(buf, d->scan > d->off ? d->scan - 1 : (size_t)(lf - buf), len);
		if (!end) {
			if (!capped && avail < HTTP_MAX_HEAD) {
				d->scan = len > 2 ? len - 2 : len;
				return DIS_MORE;
			}
			/* No more will come: the complete lines we have. */
			end = len - d->off > HTTP_MAX_HEAD ? d->off + HTTP_MAX_HEAD : len;
			{
				const uint8_t *last = p + (end - d->off);
				while (last > lf + 1 && last[-1] != '\n')
					last--;
				end = (size_t)(last - buf);
			}
			parse_headers(lf + 1, buf + end, &h);
			if (c->app)
				*c->app = "http";
			write_record(c, &sl, &h);
			d->msgs++;
			return DIS_DONE;
		}
		parse_headers(lf + 1, buf + end, &h);
		if (c->app)
			*c->app = "http";
		write_record(c, &sl, &h);
		d->msgs++;
		d->off = end;
		d->scan = 0;

		/* Where the next message starts. */
		if (sl.request) {
			bool is_head = sl.method.n == 4 && !memcmp(sl.method.p, "HEAD", 4);
			bool is_connect = sl.method.n == 7 && !memcmp(sl.method.p, "CONNECT", 7);
			if (s->nq < 64) {
				s->head_q |= (uint64_t)is_head << s->nq;
				s->connect_q |= (uint64_t)is_connect << s->nq++;
			}
			if (is_connect) {
				d->tunnel = true; /* what follows is the tunnel's */
				continue;
			}
			has_body = h.chunked || (h.has_len && h.clen);
		} else {
			bool head_req = false, connect_req = false;
			if (sl.status >= 100 && sl.status < 200 && sl.status != 101)
				continue; /* interim: the final response follows */
			if (s->nq) {
				head_req = s->head_q & 1;
				connect_req = s->connect_q & 1;
				s->head_q >>= 1, s->connect_q >>= 1, s->nq--;
			}
			if (connect_req && sl.status >= 200 && sl.status < 300) {
				d->tunnel = true; /* no body: the tunnel's bytes follow */
				continue;
			}
			if (sl.status == 101) { /* switched to another protocol: h2c? */
				d->tunnel = true;
				if (len - d->off >= 9 && h2_settings_at(buf + d->off, len - d->off))
					s->h2 = true; /* the server's agreement */
				if (len - d->off >= 9 && h2_settings_at(buf + d->off, len - d->off))
					return http_stream(c, state, buf, len, capped);
				if (len - d->off < 9 && !capped)
					return DIS_MORE;
				return DIS_DONE;
			}
			if (head_req || sl.status == 204 || sl.status == 304)
				continue;
			if (!h.chunked && !h.has_len)
				return DIS_DONE; /* the body runs to the end */
			has_body = true;
		}
		if (!has_body)
			continue;
		if (h.chunked) {
			d->phase = PH_CHUNK;
		} else {
			if (h.clen > (unsigned long long)(SIZE_MAX - d->off))
				return DIS_DONE;
			d->off += (size_t)h.clen;
		}
	}
}

void http_free(void *state)
{
	free(state);
}

static int http_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	return http_looks_like(buf, len) ? PROBE_YES : PROBE_NO;
}
const struct dissector dis_http = {
	.name = "http", .probe = http_probe, .stream = http_stream, .free = http_free,
	.flags = DIS_F_ALT,
};
