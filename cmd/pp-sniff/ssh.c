/* SSH dissector: the identification string each side sends first
 * (RFC 4253 4.2: "SSH-protoversion-softwareversion SP comments CR LF", at
 * most 255 characters in all). One "ssh" record per banner, as soon as it is
 * complete, with "client" or "server" after the side that sent it
 * (pp-records(5)); nothing after the banner is read.
 *
 * A server may send other lines before its banner (RFC 4253 4.2); those
 * are skipped unread, within limits. A client may not, so a client
 * direction that does not start with "SSH-" is not SSH. */
#include <string.h>

#include "dissect.h"

#define SSH_MAX_BANNER 255       /* including CR LF */
/* Lines before the server's banner: OpenSSH's client limits (kex.c) */
#define SSH_MAX_PRE_LINE 8192
#define SSH_MAX_PRE_LINES 1024

bool ssh_looks_like(const uint8_t *buf, size_t len)
{
	if (len == 0)
		return false;
	if (len < 4)
		return !memcmp(buf, "SSH-", len);
	return !memcmp(buf, "SSH-", 4) && (len == 4 || (buf[4] >= '0' && buf[4] <= '9'));
}

/* The banner line [p, p+n) without its line end: write the record. false
 * if it is not a well-formed identification string. */
static bool ssh_banner(struct sniff_ctx *c, const uint8_t *p, size_t n)
{
	const char *side = c->from_orig ? "client" : "server";
	const char *key = c->from_orig ? "client_software" : "server_software";
	const uint8_t *proto = p + 4, *sw, *e = p + n, *sp;

	if (n < 4 || memcmp(p, "SSH-", 4))
		return false;
	sw = memchr(proto, '-', (size_t)(e - proto));
	if (!sw || sw == proto)
		return false;
	for (const uint8_t *q = proto; q < sw; q++)
		if (!((*q >= '0' && *q <= '9') || *q == '.'))
			return false;
	sw++;
	sp = memchr(sw, ' ', (size_t)(e - sw));
	if (!sp)
		sp = e;
	if (sp == sw)
		return false;
	if (c->app)
		*c->app = "ssh";
	sniff_rec_begin(c, "ssh");
	jw_strn(c->w, side, p, n);
	jw_strn(c->w, key, sw, (size_t)(sp - sw));
	jw_strn(c->w, "version", proto, (size_t)(sw - 1 - proto));
	sniff_rec_end(c);
	return true;
}

int ssh_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	size_t off = 0;
	int lines = 0;

	(void)state; /* nothing to keep: each direction is parsed from its start */
	for (;;) {
		const uint8_t *p = buf + off, *lf;
		size_t avail = len - off, n;
		bool banner;

		if (avail == 0)
			return capped ? DIS_DONE : DIS_MORE;
		banner = ssh_looks_like(p, avail);
		if (!banner && (c->from_orig || lines >= SSH_MAX_PRE_LINES))
			return DIS_NOTMINE;
		lf = memchr(p, '\n', avail);
		if (!lf) {
			if (capped || avail >= (banner ? SSH_MAX_BANNER : SSH_MAX_PRE_LINE))
				return DIS_NOTMINE;
			return DIS_MORE;
		}
		n = (size_t)(lf - p);
		if (banner) {
			if (n + 1 > SSH_MAX_BANNER)
				return DIS_NOTMINE;
			if (n && p[n - 1] == '\r')
				n--;
			return ssh_banner(c, p, n) ? DIS_DONE : DIS_NOTMINE;
		}
		if (n + 1 > SSH_MAX_PRE_LINE)
			return DIS_NOTMINE;
		off += n + 1;
		lines++;
	}
}

void ssh_free(void *state)
{
	(void)state;
}

static int ssh_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	return ssh_looks_like(buf, len) ? PROBE_YES : PROBE_NO;
}
const struct dissector dis_ssh = {
	.name = "ssh", .probe = ssh_probe, .stream = ssh_stream, .free = ssh_free, .flags = DIS_F_ALT,
};
