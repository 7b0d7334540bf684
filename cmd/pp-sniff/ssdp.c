/* SSDP (UPnP device architecture 2.0, HTTP over UDP): one "ssdp" record
 * per M-SEARCH, NOTIFY or search response with the service types and
 * names it carries (ST, NT, NTS, USN), the device's description LOCATION,
 * SERVER and USER-AGENT (pp-records(5)). Recognised by content on any
 * port: "M-SEARCH * HTTP/1.x", "NOTIFY * HTTP/1.x", or an "HTTP/1.x 200"
 * response with an ST or USN header. mDNS service discovery is reported
 * by the DNS dissector (dns records of port 5353: PTR, SRV, TXT names). */
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "dissect.h"
#include "pp.h"

#define SSDP_MAX_VALUE 512

/* The line at *off of [p, p+n), without CR LF; false at the end. */
static bool next_line(const uint8_t *p, size_t n, size_t *off, const uint8_t **l, size_t *ln)
{
	if (*off >= n)
		return false;
	const uint8_t *lf = memchr(p + *off, '\n', n - *off);
	size_t e = lf ? (size_t)(lf - p) : n;
	*l = p + *off;
	*ln = e - *off;
	if (*ln && (*l)[*ln - 1] == '\r')
		(*ln)--;
	*off = e + 1;
	return true;
}

static bool starts(const uint8_t *l, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && !memcmp(l, s, k);
}

/* 0 not SSDP, 1 M-SEARCH, 2 NOTIFY, 3 a response */
static int start_kind(const uint8_t *p, size_t n)
{
	size_t off = 0, ln;
	const uint8_t *l;
	if (!next_line(p, n, &off, &l, &ln))
		return 0;
	static const char *const req[] = {"M-SEARCH * HTTP/1.", "NOTIFY * HTTP/1."};
	for (int i = 0; i < 2; i++) {
		size_t k = strlen(req[i]);
		if (starts(l, ln, req[i]) && ln == k + 1 && l[k] >= '0' && l[k] <= '9')
			return i + 1;
	}
	if (!starts(l, ln, "HTTP/1.") || ln < 12 || memcmp(l + 8, " 200", 4))
		return 0;
	while (next_line(p, n, &off, &l, &ln) && ln) {
		if ((ln > 3 && !strncasecmp((const char *)l, "ST:", 3)) ||
		    (ln > 4 && !strncasecmp((const char *)l, "USN:", 4)))
			return 3;
	}
	return 0;
}

static int ssdp_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	return start_kind(p, n) ? PROBE_YES : PROBE_NO;
}

static int ssdp_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	static const struct {
		const char *hdr, *key;
	} fields[] = {
		{"ST", "st"}, {"NT", "nt"}, {"NTS", "nts"}, {"USN", "usn"}, {"LOCATION", "location"},
		{"SERVER", "server"}, {"USER-AGENT", "user_agent"},
	};
	bool seen[PP_ARRAY_LEN(fields)] = {false};
	static const char *const msgs[] = {NULL, "m-search", "notify", "response"};
	int kind = start_kind(p, n);
	size_t off = 0, ln;
	const uint8_t *l;

	if (!kind)
		return DIS_NOTMINE;
	if (c->app)
		*c->app = "ssdp";
	sniff_rec_begin(c, "ssdp");
	jw_str(c->w, "msg", msgs[kind]);
	next_line(p, n, &off, &l, &ln);
	while (next_line(p, n, &off, &l, &ln) && ln) {
		const uint8_t *colon = memchr(l, ':', ln);
		if (!colon)
			continue;
		size_t hn = (size_t)(colon - l), vs = hn + 1;
		while (vs < ln && (l[vs] == ' ' || l[vs] == '\t'))
			vs++;
		size_t ve = ln;
		while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		for (size_t i = 0; i < PP_ARRAY_LEN(fields); i++) {
			if (seen[i] || hn != strlen(fields[i].hdr) || strncasecmp((const char *)l, fields[i].hdr, hn))
				continue;
			seen[i] = true;
			if (ve > vs)
				jw_strn(c->w, fields[i].key, l + vs, ve - vs > SSDP_MAX_VALUE ? SSDP_MAX_VALUE : ve - vs);
		}
	}
	sniff_rec_end(c);
	return DIS_MORE;
}

static void ssdp_free(void *state) { (void)state; }

const struct dissector dis_ssdp = {
	.name = "ssdp", .probe = ssdp_probe, .datagram = ssdp_datagram, .free = ssdp_free,
};
