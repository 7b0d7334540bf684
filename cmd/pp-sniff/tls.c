/* TLS over a TCP stream: records (RFC 8446 5.1, RFC 5246 6.2) carrying
 * handshake messages, which may be split over several records and several
 * segments; the core hands us every in-order byte of a direction, we keep
 * our place in it and reassemble handshake messages (bounded) across
 * records. Writes one `tls` record per ClientHello, ServerHello and (TLS
 * 1.2 and earlier, where it is in the clear) Certificate. */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "certnames.h"
#include "dissect.h"
#include "jsonw.h"
#include "tls.h"

/* A handshake message larger than this is not reassembled (a ClientHello
 * with post-quantum key shares is ~2 KB; certificate chains run to ~10 KB). */
#define TLS_HS_MAX (64 * 1024)
#define TLS_RECORD_MAX (16384 + 2048) /* TLSCiphertext limit */

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23, REC_HEARTBEAT = 24 };

struct tls_dir {
	size_t off;       /* bytes of the stream consumed as whole records */
	uint8_t *hs;      /* handshake bytes not yet consumed as messages */
	size_t hs_len, hs_cap;
	bool ccs;         /* ChangeCipherSpec seen: what follows is encrypted */
	bool done;
	bool any;         /* a valid record was seen */
};

struct tls_state {
	struct tls_dir dir[2]; /* [0] originator, [1] responder */
	uint16_t version;      /* version the server selected, 0 until known */
	bool hrr;              /* a HelloRetryRequest: a second ClientHello follows */
	bool cert_done;
};

/* An SSL 2.0-format CLIENT-HELLO offering SSL 3.0 or TLS (RFC 5246 E.2,
 * still sent by old clients and scanners): a 2-byte header with the top
 * bit set, message type 1, version, then cipher-spec, session-id and
 * challenge lengths that add up to the record. 1 yes (*rl its length),
 * 0 not all there yet, -1 no. */
static int sslv2_hello(const uint8_t *b, size_t n, size_t *rl)
{
	if (n < 11)
		return n >= 5 && (!(b[0] & 0x80) || b[2] != 1 || b[3] != 3 || b[4] > 4) ? -1 : 0;
	size_t len = (size_t)(b[0] & 0x7f) << 8 | b[1];
	size_t cs = (size_t)(b[5] << 8 | b[6]), sid = (size_t)(b[7] << 8 | b[8]),
	       ch = (size_t)(b[9] << 8 | b[10]);
	if (!(b[0] & 0x80) || b[2] != 1 || b[3] != 3 || b[4] > 4 || cs == 0 || cs % 3 ||
	    (sid != 0 && sid != 16) || ch < 16 || ch > 32 || len != 9 + cs + sid + ch)
		return -1;
	*rl = 2 + len;
	return n >= *rl ? 1 : 0;
}

bool tls_looks_like(const uint8_t *buf, size_t len)
{
	size_t rl;
	if (len && (buf[0] & 0x80))
		return len >= 5 && sslv2_hello(buf, len, &rl) >= 0;
	/* A handshake record of TLS 1.0..1.3 (record version 3.0..3.4). */
	if (len < 3 || buf[0] != REC_HANDSHAKE || buf[1] != 3 || buf[2] > 4)
		return false;
	if (len >= 5) {
		unsigned rlen = (unsigned)buf[3] << 8 | buf[4];
		if (rlen == 0 || rlen > TLS_RECORD_MAX)
			return false;
	}
	/* ClientHello or ServerHello as the first message. */
	return len < 6 || buf[5] == TLS_HS_CLIENT_HELLO || buf[5] == TLS_HS_SERVER_HELLO;
}

void tls_free(void *state)
{
	struct tls_state *s = state;
	if (!s)
		return;
	free(s->dir[0].hs);
	free(s->dir[1].hs);
	free(s);
}

static void emit_client_hello(struct sniff_ctx *c, const uint8_t *body, size_t len)
{
	/* One for every hello (single-threaded, not re-entered): about 10
	 * KiB that stays in the cache, where one allocated per hello came
	 * from fresh heap pages while many flows were open. */
	static struct tls_hello hello;
	struct tls_hello *h = &hello;
	int r = tls_parse_client_hello(body, len, h);
	if (r >= 0) {
		sniff_rec_begin(c, "tls");
		jw_str(c->w, "msg", "client_hello");
		tls_write_hello(c->w, h, 't', true);
		if (r == 1)
			jw_str(c->w, "malformed", "a length in the ClientHello lies: read up to it");
		sniff_rec_end(c);
		if (c->app)
			*c->app = "tls";
	}
}

/* The SSL 2.0-format hello has no extensions, and its cipher specs are
 * 3 bytes wide: the record carries the version it offers; its JA4 counts
 * no cipher suites or extensions, as JA4 built from tshark's fields does. */
static void emit_sslv2_hello(struct sniff_ctx *c, const uint8_t *b, size_t n)
{
	struct tls_hello *h = calloc(1, sizeof(*h));
	if (!h)
		return;
	h->legacy_version = (uint16_t)(b[3] << 8 | b[4]);
	sniff_rec_begin(c, "tls");
	jw_str(c->w, "msg", "client_hello");
	tls_write_hello(c->w, h, 't', true);
	jw_str(c->w, "format", "sslv2");
	sniff_rec_end(c);
	if (c->app)
		*c->app = "tls";
	free(h);
	(void)n;
}

static void emit_server_hello(struct sniff_ctx *c, struct tls_state *s, const uint8_t *body,
                              size_t len)
{
	struct tls_server_hello sh;
	char vb[TLS_VERSION_BUF], cb[8];

	if (tls_parse_server_hello(body, len, &sh) < 0)
		return;
	s->version = sh.selected_version ? sh.selected_version : sh.legacy_version;
	s->hrr |= sh.is_hrr;
	sniff_rec_begin(c, "tls");
	jw_str(c->w, "msg", "server_hello");
	jw_str(c->w, "version", tls_version_name(s->version, vb));
	jw_str(c->w, "cipher", tls_cipher_name(sh.cipher, cb));
	if (sh.has_alpn) {
		jw_arr_open(c->w, "alpn");
		jw_strn(c->w, NULL, sh.alpn.s, sh.alpn.len);
		jw_arr_close(c->w);
	}
	if (sh.is_hrr)
		jw_bool(c->w, "hello_retry", true);
	sniff_rec_end(c);
	if (c->app)
		*c->app = "tls";
}

/* Certificate message (RFC 5246 7.4.2): a 3-byte list length, then each
 * certificate as a 3-byte length and DER. Only the first (the server's own)
 * matters. p/len may be a prefix of the message: returns false when the
 * first certificate is not all there yet. */
static bool emit_certificate(struct sniff_ctx *c, const uint8_t *p, size_t len)
{
	struct cur cu;
	uint32_t list_len, cert_len;
	const uint8_t *der;
	struct cert_names cn;

	cur_init(&cu, p, len);
	if (!cur_u24(&cu, &list_len) || !cur_u24(&cu, &cert_len))
		return false;
	if (cert_len == 0 || cert_len + 3 > list_len)
		return true; /* invalid: nothing more will come of it */
	if (!(der = cur_bytes(&cu, cert_len)))
		return false;
	if (!cert_names(der, cert_len, &cn))
		return true;
	sniff_rec_begin(c, "tls");
	jw_str(c->w, "msg", "certificate");
	if (cn.subject_len >= 0)
		jw_strn(c->w, "subject", cn.subject, (size_t)cn.subject_len);
	if (cn.issuer_len >= 0)
		jw_strn(c->w, "issuer", cn.issuer, (size_t)cn.issuer_len);
	sniff_rec_end(c);
	return true;
}

/* Consume the complete handshake messages in d->hs. */
static void handshake_messages(struct sniff_ctx *c, struct tls_state *s, struct tls_dir *d)
{
	size_t pos = 0;

	while (!d->done && d->hs_len - pos >= 4) {
		const uint8_t *m = d->hs + pos;
		uint8_t type = m[0];
		size_t mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];

		if (type == TLS_HS_CERTIFICATE && !s->cert_done && s->version && s->version <= 0x0303) {
			/* The first certificate may be complete long before a
			 * large chain is. */
			if (emit_certificate(c, m + 4, d->hs_len - pos - 4 < mlen ? d->hs_len - pos - 4 : mlen)) {
				s->cert_done = true;
				d->done = true;
				break;
			}
		}
		if (mlen > TLS_HS_MAX) {
			d->done = true;
			break;
		}
		if (d->hs_len - pos - 4 < mlen)
			break;
		switch (type) {
		case TLS_HS_CLIENT_HELLO:
			emit_client_hello(c, m + 4, mlen);
			break;
		case TLS_HS_SERVER_HELLO:
			emit_server_hello(c, s, m + 4, mlen);
			/* TLS 1.3: everything after the ServerHello is encrypted. */
			if (s->version >= 0x0304 && !s->hrr)
				d->done = true;
			break;
		case 14: /* ServerHelloDone: the server's clear-text flight is over */
			d->done = true;
			break;
		}
		pos += 4 + mlen;
	}
	if (pos) {
		memmove(d->hs, d->hs + pos, d->hs_len - pos);
		d->hs_len -= pos;
	}
}

static bool hs_append(struct tls_dir *d, const uint8_t *p, size_t n)
{
	if (n == 0) /* an empty fragment (forbidden, but harmless) */
		return true;
	if (d->hs_len + n > TLS_HS_MAX + 4)
		return false;
	if (d->hs_len + n > d->hs_cap) {
		size_t cap = d->hs_cap ? d->hs_cap : 4096;
		while (cap < d->hs_len + n)
			cap *= 2;
		uint8_t *nb = realloc(d->hs, cap);
		if (!nb)
			return false;
		d->hs = nb, d->hs_cap = cap;
	}
	memcpy(d->hs + d->hs_len, p, n);
	d->hs_len += n;
	return true;
}

int tls_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	struct tls_state *s = *state;
	struct tls_dir *d;

	if (!s) {
		if (!(s = calloc(1, sizeof(*s))))
			return DIS_NOTMINE;
		*state = s;
	}
	d = &s->dir[c->from_orig ? 0 : 1];
	if (c->from_orig && !d->any && d->off == 0 && len && (buf[0] & 0x80)) {
		size_t rl;
		int r = sslv2_hello(buf, len, &rl);
		if (r < 0)
			return DIS_NOTMINE;
		if (r == 0)
			return capped ? DIS_DONE : DIS_MORE;
		emit_sslv2_hello(c, buf, rl);
		d->any = true;
		d->off = rl; /* TLS records follow */
	}
	while (!d->done && len - d->off >= 5) {
		const uint8_t *r = buf + d->off;
		uint8_t type = r[0];
		size_t rlen = (size_t)r[3] << 8 | r[4];

		if (type < REC_CCS || type > REC_HEARTBEAT || r[1] != 3 || r[2] > 4 ||
		    rlen > TLS_RECORD_MAX) {
			/* Not (or no longer) TLS records: the stream lied. */
			if (!s->dir[0].any && !s->dir[1].any)
				return DIS_NOTMINE;
			d->done = true;
			break;
		}
		if (!d->any && type != REC_HANDSHAKE && !s->dir[0].any && !s->dir[1].any)
			return DIS_NOTMINE;
		if (len - d->off - 5 < rlen)
			break; /* the rest of the record is still to come */
		d->any = true;
		d->off += 5 + rlen;
		switch (type) {
		case REC_HANDSHAKE:
			/* After ChangeCipherSpec, TLS 1.2 handshake records are
			 * encrypted. TLS 1.3 encrypts in application_data records
			 * instead, and its middlebox compatibility mode sends a CCS
			 * before the second ClientHello and ServerHello of a
			 * HelloRetryRequest exchange, which are in the clear. */
			if (d->ccs && !s->hrr) {
				d->done = true;
				break;
			}
			if (!hs_append(d, r + 5, rlen)) {
				d->done = true;
				break;
			}
			handshake_messages(c, s, d);
			break;
		case REC_CCS:
			d->ccs = true;
			break;
		case REC_APPDATA:
			d->done = true;
			break;
		default: /* alerts and heartbeats in the clear: skip */
			break;
		}
	}
	if (d->done)
		return DIS_DONE;
	return capped ? DIS_DONE : DIS_MORE;
}

static int tls_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *buf, size_t len, bool capped)
{
	return tls_looks_like(buf, len) ? PROBE_YES : PROBE_NO;
}
const struct dissector dis_tls = {
	.name = "tls", .probe = tls_probe, .stream = tls_stream, .free = tls_free, .flags = DIS_F_ALT,
};
