/* SIP (RFC 3261) over UDP and TCP: one "sip" record per message with the
 * request method (or, for a response, its status and the method of its
 * CSeq), the hosts of the From and To URIs, User-Agent and Server
 * (pp-records(5)). Recognised by content on any port: a request line with
 * a known method, a sip:, sips: or tel: URI and "SIP/2.0", or a status
 * line "SIP/2.0 NNN". Bodies (SDP and the like) are skipped by
 * Content-Length, never read; the user parts of From and To (phone numbers,
 * names) are not written. Over TCP, messages follow each other; at most
 * SIP_MAX_MSGS per direction are reported. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissect.h"
#include "pp.h"

#define SIP_MAX_HEAD 16384
#define SIP_MAX_MSGS 64
#define SIP_MAX_VALUE 256

static const char *const methods[] = {
	"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "PRACK", "SUBSCRIBE", "NOTIFY",
	"PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE",
};

static bool lit(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && !memcmp(p, s, k);
}

/* Is [p, p+n) (one line, no CR LF) a SIP start line? *m: the method's
 * index for a request, -1 for a status line. */
static bool start_line(const uint8_t *p, size_t n, int *m)
{
	if (lit(p, n, "SIP/2.0 ")) {
		if (n < 11 || !(p[8] >= '1' && p[8] <= '6') || p[9] < '0' || p[9] > '9' || p[10] < '0' ||
		    p[10] > '9' || (n > 11 && p[11] != ' '))
			return false;
		*m = -1;
		return true;
	}
	for (size_t i = 0; i < PP_ARRAY_LEN(methods); i++) {
		size_t k = strlen(methods[i]);
		if (n < k + 1 || memcmp(p, methods[i], k) || p[k] != ' ')
			continue;
		const uint8_t *u = p + k + 1;
		size_t un = n - k - 1;
		if (!lit(u, un, "sip:") && !lit(u, un, "sips:") && !lit(u, un, "tel:"))
			return false;
		if (n < 8 || memcmp(p + n - 8, " SIP/2.0", 8))
			return false;
		for (size_t j = k + 1; j < n - 8; j++)
			if (p[j] <= ' ' || p[j] >= 0x7f)
				return false;
		*m = (int)i;
		return true;
	}
	return false;
}

static int sip_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	const uint8_t *lf = memchr(p, '\n', n < 1024 ? n : 1024);
	int m;
	if (!lf) {
		/* a prefix of a start line may still become one */
		if (n >= 1024)
			return PROBE_NO;
		if (lit(p, n, "SIP/2.0 ") || (n < 8 && !memcmp("SIP/2.0 ", p, n)))
			return PROBE_MORE;
		for (size_t i = 0; i < PP_ARRAY_LEN(methods); i++) {
			size_t k = strlen(methods[i]);
			if ((n <= k && !memcmp(methods[i], p, n)) || (n > k && !memcmp(methods[i], p, k) && p[k] == ' '))
				return PROBE_MORE;
		}
		return PROBE_NO;
	}
	size_t ln = (size_t)(lf - p);
	if (ln && p[ln - 1] == '\r')
		ln--;
	return start_line(p, ln, &m) ? PROBE_YES : PROBE_NO;
}

/* The host of the URI in a From/To value: "Name <sip:user@host:port;x>"
 * or "sip:host;tag=..". */
static bool uri_host(const uint8_t *v, size_t n, const uint8_t **h, size_t *hn)
{
	const uint8_t *e = v + n, *s, *q0 = v, *lt;
	/* a quoted display name may hold '<': look after it */
	while (q0 < e && *q0 == ' ')
		q0++;
	if (q0 < e && *q0 == '"') {
		for (q0++; q0 < e && *q0 != '"'; q0++)
			if (*q0 == '\\' && q0 + 1 < e)
				q0++;
		if (q0 == e)
			return false;
	}
	lt = memchr(q0, '<', (size_t)(e - q0));
	if (lt) {
		const uint8_t *gt = memchr(lt, '>', (size_t)(e - lt));
		if (!gt)
			return false;
		v = lt + 1, e = gt;
	}
	while (v < e && *v == ' ')
		v++;
	/* sip: and sips: URIs have a host; tel: and others do not */
	if (e - v >= 4 && !strncasecmp((const char *)v, "sip:", 4))
		s = v + 4;
	else if (e - v >= 5 && !strncasecmp((const char *)v, "sips:", 5))
		s = v + 5;
	else
		return false;
	for (const uint8_t *q = s; q < e && *q != ';' && *q != '?'; q++)
		if (*q == '@')
			s = q + 1;
	const uint8_t *q = s;
	if (q < e && *q == '[') {
		while (q < e && *q != ']')
			q++;
		if (q == e)
			return false;
		q++;
	} else {
		while (q < e && *q != ':' && *q != ';' && *q != '>' && *q != '?' && *q != ' ')
			q++;
	}
	if (q == s || q - s > SIP_MAX_VALUE)
		return false;
	*h = s, *hn = (size_t)(q - s);
	return true;
}

static bool hdr_is(const uint8_t *l, size_t hn, const char *full, const char *compact)
{
	return (hn == strlen(full) && !strncasecmp((const char *)l, full, hn)) ||
	       (compact && hn == 1 && (l[0] | 0x20) == compact[0]);
}

/* One message at p: 1 and *used when complete (and written), 0 when more
 * bytes are needed (TCP), -1 when it is not SIP. dgram: p is all there is. */
static int sip_message(struct sniff_ctx *c, const uint8_t *p, size_t n, bool dgram, size_t *used)
{
	const uint8_t *lf, *l;
	size_t off, ln, clen = 0;
	bool has_clen = false;
	int m;
	struct {
		const uint8_t *v;
		size_t n;
	} from = {0}, to = {0}, ua = {0}, server = {0}, cseq = {0};

	if (!(lf = memchr(p, '\n', n < SIP_MAX_HEAD ? n : SIP_MAX_HEAD)))
		return n >= SIP_MAX_HEAD || dgram ? -1 : 0;
	ln = (size_t)(lf - p);
	if (ln && p[ln - 1] == '\r')
		ln--;
	if (!start_line(p, ln, &m))
		return -1;
	off = (size_t)(lf - p) + 1;
	for (;;) {
		if (off >= SIP_MAX_HEAD)
			return -1;
		if (off >= n) {
			if (!dgram)
				return 0;
			break; /* a datagram's head may end with the datagram */
		}
		if (!(lf = memchr(p + off, '\n', n - off)))
			return dgram || n >= SIP_MAX_HEAD ? -1 : 0;
		l = p + off;
		ln = (size_t)(lf - l);
		off += ln + 1;
		if (ln && l[ln - 1] == '\r')
			ln--;
		if (ln == 0)
			break; /* end of the head */
		const uint8_t *colon = memchr(l, ':', ln);
		if (!colon)
			continue;
		size_t hn = (size_t)(colon - l);
		while (hn && (l[hn - 1] == ' ' || l[hn - 1] == '\t'))
			hn--;
		size_t vs = (size_t)(colon - l) + 1;
		while (vs < ln && (l[vs] == ' ' || l[vs] == '\t'))
			vs++;
		const uint8_t *v = l + vs;
		size_t vn = ln - vs;
		if (hdr_is(l, hn, "From", "f") && !from.v)
			from.v = v, from.n = vn;
		else if (hdr_is(l, hn, "To", "t") && !to.v)
			to.v = v, to.n = vn;
		else if (hdr_is(l, hn, "User-Agent", NULL) && !ua.v)
			ua.v = v, ua.n = vn;
		else if (hdr_is(l, hn, "Server", NULL) && !server.v)
			server.v = v, server.n = vn;
		else if (hdr_is(l, hn, "CSeq", NULL) && !cseq.v)
			cseq.v = v, cseq.n = vn;
		else if (hdr_is(l, hn, "Content-Length", "l")) {
			clen = 0;
			has_clen = vn > 0 && vn <= 9;
			for (size_t i = 0; i < vn && has_clen; i++) {
				has_clen = v[i] >= '0' && v[i] <= '9';
				clen = clen * 10 + (size_t)(v[i] - '0');
			}
			if (!has_clen)
				return -1;
		}
	}
	if (dgram)
		*used = n;
	else if (!has_clen)
		return -1; /* RFC 3261 18.3: over a stream, Content-Length is required */
	else if (n - off < clen)
		return 0;
	else
		*used = off + clen;

	if (c->app)
		*c->app = "sip";
	sniff_rec_begin(c, "sip");
	if (m >= 0) {
		jw_str(c->w, "msg", "request");
		jw_str(c->w, "method", methods[m]);
	} else {
		jw_str(c->w, "msg", "response");
		jw_uint(c->w, "status", (unsigned)((p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0')));
		if (cseq.v) { /* "314159 INVITE" */
			const uint8_t *sp = memchr(cseq.v, ' ', cseq.n);
			if (sp) {
				const uint8_t *ms = sp + 1, *me = cseq.v + cseq.n;
				while (ms < me && *ms == ' ')
					ms++;
				for (size_t i = 0; i < PP_ARRAY_LEN(methods); i++)
					if ((size_t)(me - ms) == strlen(methods[i]) && !memcmp(ms, methods[i], (size_t)(me - ms)))
						jw_str(c->w, "method", methods[i]);
			}
		}
	}
	const uint8_t *h;
	size_t hl;
	if (from.v && uri_host(from.v, from.n, &h, &hl))
		jw_strn(c->w, "from_host", h, hl);
	if (to.v && uri_host(to.v, to.n, &h, &hl))
		jw_strn(c->w, "to_host", h, hl);
	if (ua.v && ua.n)
		jw_strn(c->w, "user_agent", ua.v, ua.n > SIP_MAX_VALUE ? SIP_MAX_VALUE : ua.n);
	if (server.v && server.n)
		jw_strn(c->w, "server", server.v, server.n > SIP_MAX_VALUE ? SIP_MAX_VALUE : server.n);
	jw_str(c->w, "transport", dgram ? "udp" : "tcp");
	sniff_rec_end(c);
	return 1;
}

static int sip_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	size_t used;
	if (n == 4 && !memcmp(p, "\r\n\r\n", 4))
		return DIS_MORE; /* a keep-alive */
	return sip_message(c, p, n, true, &used) == 1 ? DIS_MORE : DIS_NOTMINE;
}

/* Per flow, per direction: where the next message starts, how many so far. */
struct sip_tcp {
	size_t off[2];
	unsigned msgs[2];
};

static int sip_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	struct sip_tcp *s = *state;
	int d = c->from_orig ? 0 : 1;
	if (!s && !(s = *state = calloc(1, sizeof(*s))))
		return DIS_NOTMINE;
	for (;;) {
		while (s->off[d] < len && (buf[s->off[d]] == '\r' || buf[s->off[d]] == '\n'))
			s->off[d]++; /* keep-alive CR LFs between messages */
		if (s->off[d] >= len)
			return capped ? DIS_DONE : DIS_MORE;
		if (s->msgs[d] >= SIP_MAX_MSGS)
			return DIS_DONE;
		size_t used = 0;
		int r = sip_message(c, buf + s->off[d], len - s->off[d], false, &used);
		if (r < 0)
			return s->msgs[d] ? DIS_DONE : DIS_NOTMINE;
		if (r == 0)
			return capped ? (s->msgs[d] ? DIS_DONE : DIS_NOTMINE) : DIS_MORE;
		s->off[d] += used;
		s->msgs[d]++;
	}
}

static void sip_free(void *state) { free(state); }

const struct dissector dis_sip = {
	.name = "sip", .probe = sip_probe, .stream = sip_stream, .datagram = sip_datagram,
	.free = sip_free,
};
