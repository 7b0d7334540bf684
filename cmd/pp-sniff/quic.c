/* QUIC client Initials: parse the long headers of each UDP datagram
 * (several packets may be coalesced in one), decrypt the client's Initial
 * packets with keys derived from its original Destination Connection ID,
 * collect CRYPTO frame data by offset (frames arrive out of order, across
 * packets and within one packet), and once the ClientHello is complete
 * write a `quic` record. Only the client's direction is decrypted: the
 * server's Initial holds no ClientHello. */
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "jsonw.h"
#include "quic.h"
#include "tls.h"

struct quic_stats quic_stats;
static unsigned long live_conns; /* all flows: bounded by QUIC_MAX_LIVE_CONNS */

struct crange {
	uint32_t start, end; /* [start, end) of CRYPTO stream bytes held */
};

struct quic_conn {
	uint32_t version;
	uint8_t odcid[20], scid[20];
	uint8_t odcid_len, scid_len;
	struct quic_keys keys;
	int64_t largest_pn;
	uint8_t *crypto; /* CRYPTO stream bytes, QUIC_CRYPTO_MAX at most */
	size_t crypto_cap;
	struct crange ranges[QUIC_MAX_RANGES];
	int n_ranges;
	uint32_t next; /* CRYPTO offset of the next handshake message */
	uint32_t base; /* CRYPTO offset of crypto[0] */
	int hellos;    /* ClientHellos reported */
	bool done;
};

/* Per UDP flow; small until a client Initial decrypts (many UDP flows
 * are tried as QUIC), connections are allocated as they are found. */
struct quic_state {
	struct quic_conn *conn[QUIC_MAX_CONNS];
	int n_conns;
	int attempts;
	bool done;
};

bool quic_varint(struct cur *c, uint64_t *v)
{
	uint8_t b;
	if (!cur_u8(c, &b))
		return false;
	size_t n = (size_t)1 << (b >> 6);
	uint64_t x = b & 0x3f;
	for (size_t i = 1; i < n; i++) {
		if (!cur_u8(c, &b))
			return false;
		x = x << 8 | b;
	}
	*v = x;
	return true;
}

const char *quic_version_name(uint32_t v, char *buf)
{
	if (v == QUIC_V1)
		return "v1";
	if (v == QUIC_V2)
		return "v2";
	/* Without printf: written in every quic record. */
	uint8_t be[4] = {v >> 24, v >> 16, v >> 8, v};
	char *p = buf;
	if ((v & 0xffffff00u) == 0xff000000u) {
		memcpy(p, "draft-", 6);
		p = jw_fmt_u64(p + 6, v & 0xff);
	} else if (v == QUIC_T050 || v == QUIC_T051 || gquic_version_num(v)) {
		memcpy(p, be, 4); /* "Q050", "T051": printable, gquic_version_num checked */
		p += 4;
	} else {
		memcpy(p, "0x", 2);
		p = jw_fmt_hex(p + 2, be, 4);
	}
	*p = '\0';
	return buf;
}

uint64_t quic_decode_pn(int64_t largest, uint64_t truncated, unsigned bits)
{
	uint64_t expected = (uint64_t)(largest + 1);
	uint64_t win = (uint64_t)1 << bits, hwin = win / 2, mask = win - 1;
	uint64_t cand = (expected & ~mask) | truncated;

	if (cand + hwin <= expected && cand < ((uint64_t)1 << 62) - win)
		return cand + win;
	if (cand > expected + hwin && cand >= win)
		return cand - win;
	return cand;
}

int quic_open_packet(struct quic_keys *k, const uint8_t *pkt, size_t pkt_len, size_t pn_off,
                     int64_t largest_pn, uint8_t *out, size_t *hdr_len, size_t *plain_len,
                     uint64_t *pn)
{
	uint8_t mask[5];
	size_t pn_len;
	uint64_t tpn = 0;
	int n;

	/* The sample starts 4 bytes past the packet number field, whatever its
	 * length (RFC 9001 5.4.2), and the tag is 16 bytes. */
	if (pn_off > pkt_len || pkt_len - pn_off < 4 + 16)
		return -1;
	if (quic_hp_mask(k, pkt + pn_off + 4, mask) < 0)
		return -1;
	memcpy(out, pkt, pn_off);
	out[0] ^= mask[0] & 0x0f; /* long header: low 4 bits protected */
	pn_len = (size_t)(out[0] & 3) + 1;
	for (size_t i = 0; i < pn_len; i++) {
		out[pn_off + i] = pkt[pn_off + i] ^ mask[1 + i];
		tpn = tpn << 8 | out[pn_off + i];
	}
	*pn = quic_decode_pn(largest_pn, tpn, (unsigned)(8 * pn_len));
	*hdr_len = pn_off + pn_len;
	n = quic_aead_open(k, *pn, out, *hdr_len, pkt + *hdr_len, pkt_len - *hdr_len, out + *hdr_len);
	if (n < 0)
		return -1;
	*plain_len = (size_t)n;
	return 0;
}

/* --- CRYPTO stream reassembly ------------------------------------------- */

/* Add [off, off+len) to the range list, merging neighbours. false when the
 * list is full (the data is then not kept). */
static bool range_add(struct quic_conn *q, uint32_t s, uint32_t e)
{
	int i = 0, j;
	while (i < q->n_ranges && q->ranges[i].end < s)
		i++;
	/* ranges[i..j) overlap or touch [s, e) */
	j = i;
	while (j < q->n_ranges && q->ranges[j].start <= e)
		j++;
	if (i == j) {
		if (q->n_ranges == QUIC_MAX_RANGES)
			return false;
		memmove(&q->ranges[i + 1], &q->ranges[i], (size_t)(q->n_ranges - i) * sizeof(q->ranges[0]));
		q->ranges[i] = (struct crange){s, e};
		q->n_ranges++;
		return true;
	}
	if (q->ranges[i].start < s)
		s = q->ranges[i].start;
	if (q->ranges[j - 1].end > e)
		e = q->ranges[j - 1].end;
	q->ranges[i] = (struct crange){s, e};
	memmove(&q->ranges[i + 1], &q->ranges[j], (size_t)(q->n_ranges - j) * sizeof(q->ranges[0]));
	q->n_ranges -= j - i - 1;
	return true;
}

/* The buffer holds stream bytes [base, base + crypto_cap): once a
 * ClientHello is reported its bytes are dropped (base moves past it), so a
 * connection waiting for a possible second one holds nothing. */
static void crypto_add(struct quic_conn *q, uint64_t off, const uint8_t *data, uint64_t len)
{
	if (len == 0 || off >= QUIC_CRYPTO_MAX)
		return;
	if (len > QUIC_CRYPTO_MAX - off)
		len = QUIC_CRYPTO_MAX - off; /* keep what fits under the cap */
	if (off + len <= q->base)
		return; /* already reported */
	if (off < q->base) {
		data += q->base - off, len -= q->base - off;
		off = q->base;
	}
	size_t end = (size_t)(off + len), need = end - q->base;
	if (need > q->crypto_cap) {
		size_t cap = q->crypto_cap ? q->crypto_cap : 2048;
		while (cap < need)
			cap *= 2;
		if (cap > QUIC_CRYPTO_MAX)
			cap = QUIC_CRYPTO_MAX;
		uint8_t *nb = realloc(q->crypto, cap);
		if (!nb)
			return;
		q->crypto = nb, q->crypto_cap = cap;
	}
	if (range_add(q, (uint32_t)off, (uint32_t)end))
		memcpy(q->crypto + (off - q->base), data, (size_t)len);
}

static void conn_release(struct quic_conn *q)
{
	free(q->crypto);
	q->crypto = NULL;
	q->crypto_cap = 0;
	quic_keys_free(&q->keys);
}

/* A connection ID (at most 20 bytes, RFC 9000 17.2) in hex. */
static void hex(struct jw *w, const char *key, const uint8_t *p, size_t n)
{
	if (n)
		jw_hex(w, key, p, n < 20 ? n : 20);
}

/* A ClientHello is complete when the contiguous prefix of the CRYPTO
 * stream holds its whole handshake message. A second one follows in the
 * same stream after a HelloRetryRequest (the server's answer is in its
 * Initial, which we do not decrypt): so after the first the connection
 * stays open for one more, until the flow runs out of attempts. */
static void crypto_check(struct sniff_ctx *c, struct quic_conn *q)
{
	size_t have, mlen, at;
	char vb[12];

	if (q->version == QUIC_Q050) { /* Google's CHLO, not a ClientHello */
		if (q->done || q->n_ranges == 0 || q->ranges[0].start != 0)
			return;
		have = q->ranges[0].end;
		if (!(mlen = gquic_chlo_len(q->crypto, have))) {
			if (have >= 8 && memcmp(q->crypto, "CHLO", 4) != 0)
				q->done = true;
			return;
		}
		q->done = true;
		gquic_chlo_write(c, q->version, q->crypto, mlen);
		return;
	}
	while (!q->done && q->n_ranges > 0 && q->ranges[0].start == 0 &&
	       (have = q->ranges[0].end) >= (at = q->next) + 4) {
		const uint8_t *m = q->crypto + (at - q->base);
		if (m[0] != TLS_HS_CLIENT_HELLO) {
			q->done = true;
			return;
		}
		mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		if (at + 4 + mlen > QUIC_CRYPTO_MAX) {
			q->done = true; /* larger than we are willing to hold */
			return;
		}
		if (have < at + 4 + mlen)
			return;
		q->next = (uint32_t)(at + 4 + mlen);
		if (++q->hellos == 2)
			q->done = true;
		static struct tls_hello hello; /* as in tls.c: one for every hello */
		struct tls_hello *h = &hello;
		if (tls_parse_client_hello(m + 4, mlen, h) == 0) {
			sniff_rec_begin(c, "quic");
			jw_str(c->w, "version", quic_version_name(q->version, vb));
			tls_write_hello(c->w, h, 'q', false);
			hex(c->w, "dcid", q->odcid, q->odcid_len);
			hex(c->w, "scid", q->scid, q->scid_len);
			sniff_rec_end(c);
			quic_stats.hellos++;
		} else {
			q->done = true;
		}
		/* Drop the reported bytes when everything held is contiguous
		 * (pieces beyond a gap keep the buffer as it is). */
		if (q->n_ranges == 1) {
			size_t keep = have - q->next;
			if (keep)
				memmove(q->crypto, q->crypto + (q->next - q->base), keep);
			q->base = q->next;
			if (!keep) {
				free(q->crypto);
				q->crypto = NULL, q->crypto_cap = 0;
			}
		}
	}
}

/* Frames of a decrypted Initial (RFC 9000 19; 17.2.2 lists what an Initial
 * may carry). Anything else ends the parse of this packet. */
static void initial_frames(struct quic_conn *q, const uint8_t *p, size_t n)
{
	struct cur c;
	uint64_t type, a, b, count;

	cur_init(&c, p, n);
	while (cur_left(&c) > 0 && quic_varint(&c, &type)) {
		switch (type) {
		case 0x00: /* PADDING: runs of zeros fill most of an Initial */
			while (c.off < c.len && c.p[c.off] == 0)
				c.off++;
			break;
		case 0x01: /* PING */
			break;
		case 0x02: /* ACK */
		case 0x03: /* ACK with ECN counts */
			if (!quic_varint(&c, &a) || !quic_varint(&c, &a) || !quic_varint(&c, &count) ||
			    !quic_varint(&c, &a))
				return;
			/* count comes off the wire: every range takes >= 2 bytes,
			 * so a lying count ends at the buffer's end. */
			for (uint64_t i = 0; i < count; i++)
				if (!quic_varint(&c, &a) || !quic_varint(&c, &b))
					return;
			if (type == 0x03 && (!quic_varint(&c, &a) || !quic_varint(&c, &a) ||
			                     !quic_varint(&c, &a)))
				return;
			break;
		case 0x08: /* Google's T050/T051/Q050 number their CRYPTO frame so */
			if (q->version != QUIC_T050 && q->version != QUIC_T051 && q->version != QUIC_Q050)
				return;
			/* fall through */
		case 0x06: { /* CRYPTO */
			const uint8_t *data;
			if (!quic_varint(&c, &a) || !quic_varint(&c, &b) || b > cur_left(&c) ||
			    !(data = cur_bytes(&c, (size_t)b)))
				return;
			crypto_add(q, a, data, b);
			break;
		}
		case 0x1c: /* CONNECTION_CLOSE */
			if (!quic_varint(&c, &a) || !quic_varint(&c, &a) || !quic_varint(&c, &b) ||
			    b > cur_left(&c) || !cur_skip(&c, (size_t)b))
				return;
			break;
		default:
			return;
		}
	}
}

static bool try_open(struct quic_state *s, struct quic_conn *q, struct quic_keys *k,
                     const uint8_t *pkt, size_t len, size_t pn_off, uint8_t *out, size_t *hdr_len,
                     size_t *plain_len)
{
	uint64_t pn;
	if (s->attempts >= QUIC_MAX_ATTEMPTS)
		return false;
	s->attempts++;
	if (quic_open_packet(k, pkt, len, pn_off, q->largest_pn, out, hdr_len, plain_len, &pn) < 0) {
		quic_stats.failed++;
		return false;
	}
	quic_stats.decrypted++;
	if ((int64_t)pn > q->largest_pn)
		q->largest_pn = (int64_t)pn;
	return true;
}

static bool same(const uint8_t *a, size_t al, const uint8_t *b, size_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

/* A client Initial: find its connection and open it with that connection's
 * keys. Keys come from the DCID of the client's first Initial; later
 * Initials may carry the server's chosen DCID but keep those keys (RFC 9001
 * 5.2), so a connection is known by its original DCID or by the client's
 * SCID, which stays the same. After a Retry the client derives new keys
 * from the Retry's SCID, its new DCID. */
static void client_initial(struct sniff_ctx *c, struct quic_state *s, uint32_t version,
                           const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                           size_t scid_len, const uint8_t *pkt, size_t len, size_t pn_off)
{
	struct quic_conn *q = NULL;
	uint8_t *out = NULL;
	size_t hdr_len, plain_len;
	bool ok = false;

	for (int i = 0; i < s->n_conns && !q; i++) {
		struct quic_conn *k = s->conn[i];
		if (k->version == version && (same(k->odcid, k->odcid_len, dcid, dcid_len) ||
		                              (scid_len && same(k->scid, k->scid_len, scid, scid_len))))
			q = k;
	}
	if ((q && q->done) || s->attempts >= QUIC_MAX_ATTEMPTS)
		return; /* its ClientHello is known already, or we gave up */
	if (!(out = malloc(len)))
		return;
	if (q) {
		ok = try_open(s, q, &q->keys, pkt, len, pn_off, out, &hdr_len, &plain_len);
		if (!ok && !same(q->odcid, q->odcid_len, dcid, dcid_len)) {
			/* After a Retry: new keys from the new DCID, packet numbers
			 * continue. Kept only if they open the packet. */
			struct quic_keys nk;
			if (quic_client_initial_keys(version, dcid, dcid_len, &nk) == 0 &&
			    (ok = try_open(s, q, &nk, pkt, len, pn_off, out, &hdr_len, &plain_len))) {
				q->keys = nk;
				memcpy(q->odcid, dcid, dcid_len);
				q->odcid_len = (uint8_t)dcid_len;
			}
		}
	} else if (s->n_conns < QUIC_MAX_CONNS) {
		if (live_conns >= QUIC_MAX_LIVE_CONNS) {
			quic_stats.dropped_conns++;
			goto out;
		}
		if (!(q = calloc(1, sizeof(*q))))
			goto out;
		q->version = version;
		q->largest_pn = -1;
		memcpy(q->odcid, dcid, dcid_len);
		q->odcid_len = (uint8_t)dcid_len;
		memcpy(q->scid, scid, scid_len);
		q->scid_len = (uint8_t)scid_len;
		if (quic_client_initial_keys(version, dcid, dcid_len, &q->keys) < 0 ||
		    !(ok = try_open(s, q, &q->keys, pkt, len, pn_off, out, &hdr_len, &plain_len))) {
			/* not a client Initial we can read: forget it */
			quic_keys_free(&q->keys);
			free(q);
			goto out;
		}
		s->conn[s->n_conns] = q;
		s->n_conns++;
		live_conns++;
	}
	if (ok) {
		if (c->app)
			*c->app = "quic";
		initial_frames(q, out + hdr_len, plain_len);
		crypto_check(c, q);
		if (q->done)
			conn_release(q);
	}
out:
	free(out);
}

/* One long-header packet at p; returns its length, or 0 when the rest of
 * the datagram cannot be walked (short header, unknown version, a length
 * that lies). */
static size_t long_packet(struct sniff_ctx *c, struct quic_state *s, const uint8_t *p, size_t n,
                          bool decrypt)
{
	struct cur cu;
	uint8_t b0, dl, sl;
	uint32_t version;
	const uint8_t *dcid, *scid;
	uint64_t tlen, plen;
	unsigned type;

	cur_init(&cu, p, n);
	if (!cur_u8(&cu, &b0) || !(b0 & 0x80) || !cur_u32(&cu, &version) || version == 0 ||
	    !quic_version_known(version))
		return 0;
	if (!cur_u8(&cu, &dl) || dl > 20 || !(dcid = cur_bytes(&cu, dl)) || !cur_u8(&cu, &sl) ||
	    sl > 20 || !(scid = cur_bytes(&cu, sl)))
		return 0;
	type = (b0 >> 4) & 3;
	if (version == QUIC_V2) /* RFC 9369 3.2: types rotated */
		type = (type + 3) & 3;
	if (type == 3) /* Retry: takes the rest of the datagram */
		return 0;
	if (type == 0 && (!quic_varint(&cu, &tlen) || tlen > cur_left(&cu) || !cur_skip(&cu, (size_t)tlen)))
		return 0; /* a token longer than the packet */
	if (!quic_varint(&cu, &plen) || plen > cur_left(&cu))
		return 0;
	if (type == 0 && decrypt)
		client_initial(c, s, version, dcid, dl, scid, sl, p, cu.off + (size_t)plen, cu.off);
	return cu.off + (size_t)plen;
}

static bool looks_like_quic(const uint8_t *p, size_t n)
{
	uint32_t v;
	if (n < 7 || !(p[0] & 0x80))
		return false;
	v = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
	return quic_version_known(v) && p[5] <= 20;
}

void quic_free(void *state)
{
	struct quic_state *s = state;
	if (!s)
		return;
	for (int i = 0; i < s->n_conns; i++) {
		conn_release(s->conn[i]);
		free(s->conn[i]);
		live_conns--;
	}
	free(s);
}

int quic_udp(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	struct quic_state *s = *state;
	size_t off = 0, k;

	if (!s) {
		/* Google QUIC in the clear: each CHLO packet stands alone. */
		if (c->from_orig && gquic_clear_packet(c, p, n))
			return DIS_MORE;
		if (!looks_like_quic(p, n))
			return DIS_NOTMINE;
		if (!(s = calloc(1, sizeof(*s))))
			return DIS_NOTMINE;
		*state = s;
	}
	if (s->done)
		return DIS_DONE;
	/* Coalesced packets (RFC 9000 12.2): walk them all; only the
	 * originator's (the client's) Initials are decrypted. */
	while (off < n && !s->done && (k = long_packet(c, s, p + off, n - off, c->from_orig)) > 0)
		off += k;
	/* Done when out of attempts, or when every connection slot has its
	 * ClientHello. */
	bool all = s->n_conns == QUIC_MAX_CONNS;
	for (int i = 0; i < s->n_conns; i++)
		all = all && s->conn[i]->done;
	if (s->attempts >= QUIC_MAX_ATTEMPTS || all)
		s->done = true;
	if (s->done) {
		for (int i = 0; i < s->n_conns; i++)
			conn_release(s->conn[i]);
		return DIS_DONE;
	}
	return DIS_MORE;
}

/* No probe: QUIC is tried on the first datagrams of every UDP flow no
 * other dissector took (app.c). */
const struct dissector dis_quic = {.name = "quic", .datagram = quic_udp, .free = quic_free};
