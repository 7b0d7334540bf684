/* BitTorrent: the peer wire handshake over TCP (BEP 3: "\x13BitTorrent
 * protocol", reserved bytes, info hash, peer id) and the DHT's KRPC
 * queries over UDP (BEP 5: bencoded dictionaries), one "bittorrent" record
 * per handshake side or DHT query with the info hash (hex) and, from a
 * handshake, the client's Azureus-style peer id prefix ("-qB4650-"), from
 * a query its method (pp-records(5)). Recognised by content on any port.
 * Nothing after the handshake is read; encrypted connections (MSE) and
 * uTP are not recognised. */
#include <netinet/in.h>
#include <string.h>

#include "bytes.h"
#include "dissect.h"
#include "pp.h"

#define BT_HANDSHAKE 68
#define BT_MAX_DEPTH 4

static const char pstr[] = "\x13" "BitTorrent protocol";

static void put_hex(struct sniff_ctx *c, const char *key, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[41];
	for (size_t i = 0; i < n && i < 20; i++)
		buf[2 * i] = hex[p[i] >> 4], buf[2 * i + 1] = hex[p[i] & 15];
	jw_strn(c->w, key, buf, 2 * (n < 20 ? n : 20));
}

/* --- bencode, just enough for a KRPC message ---------------------------- */

/* A string "len:bytes" at c. */
static bool b_str(struct cur *c, const uint8_t **s, size_t *n)
{
	size_t v = 0, k = 0;
	uint8_t d;
	while (cur_u8(c, &d) && d != ':') {
		if (d < '0' || d > '9' || ++k > 6)
			return false;
		v = v * 10 + (size_t)(d - '0');
	}
	if (c->short_ || k == 0)
		return false;
	*n = v;
	return (*s = cur_bytes(c, v)) != NULL;
}

/* Skip one value at c (bounded depth). */
static bool b_skip(struct cur *c, int depth)
{
	uint8_t t;
	const uint8_t *s;
	size_t n;
	if (depth > BT_MAX_DEPTH || cur_left(c) == 0)
		return false;
	t = c->p[c->off];
	if (t == 'i') {
		while (cur_u8(c, &t) && t != 'e')
			;
		return !c->short_;
	}
	if (t == 'l' || t == 'd') {
		cur_skip(c, 1);
		while (cur_left(c) && c->p[c->off] != 'e') {
			if (t == 'd' && !b_str(c, &s, &n))
				return false;
			if (!b_skip(c, depth + 1))
				return false;
		}
		return cur_skip(c, 1);
	}
	return b_str(c, &s, &n);
}

struct krpc {
	const uint8_t *y, *q, *hash;
	size_t yn, qn, hashn;
	bool has_t;
};

/* The top-level dictionary of a KRPC message, and its "a" dictionary's
 * info_hash; false if the datagram is not exactly one such dictionary. */
static bool krpc_parse(const uint8_t *p, size_t n, struct krpc *k)
{
	struct cur c;
	const uint8_t *key, *v;
	size_t kn, vn;
	memset(k, 0, sizeof(*k));
	cur_init(&c, p, n);
	if (n < 12 || p[0] != 'd' || p[n - 1] != 'e' || !cur_skip(&c, 1))
		return false;
	while (cur_left(&c) > 1) {
		if (!b_str(&c, &key, &kn))
			return false;
		if (kn == 1 && (key[0] == 'y' || key[0] == 'q' || key[0] == 't')) {
			if (!b_str(&c, &v, &vn))
				return false;
			if (key[0] == 'y')
				k->y = v, k->yn = vn;
			else if (key[0] == 'q')
				k->q = v, k->qn = vn;
			else
				k->has_t = true;
		} else if (kn == 1 && key[0] == 'a' && cur_left(&c) && c.p[c.off] == 'd') {
			cur_skip(&c, 1);
			while (cur_left(&c) && c.p[c.off] != 'e') {
				if (!b_str(&c, &key, &kn))
					return false;
				if (kn == 9 && !memcmp(key, "info_hash", 9) && cur_left(&c) && c.p[c.off] != 'd' &&
				    c.p[c.off] != 'l' && c.p[c.off] != 'i') {
					if (!b_str(&c, &v, &vn))
						return false;
					k->hash = v, k->hashn = vn;
				} else if (!b_skip(&c, 1)) {
					return false;
				}
			}
			if (!cur_skip(&c, 1))
				return false;
		} else if (!b_skip(&c, 0)) {
			return false;
		}
	}
	return cur_left(&c) == 1 && k->has_t && k->y && k->yn == 1 &&
	       (k->y[0] == 'q' || k->y[0] == 'r' || k->y[0] == 'e');
}

/* --- descriptor ----------------------------------------------------------- */

static int bt_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	if (t->proto == IPPROTO_UDP) {
		struct krpc k;
		return krpc_parse(p, n, &k) ? PROBE_YES : PROBE_NO;
	}
	size_t k = n < sizeof(pstr) - 1 ? n : sizeof(pstr) - 1;
	if (memcmp(p, pstr, k))
		return PROBE_NO;
	return k < sizeof(pstr) - 1 ? PROBE_MORE : PROBE_YES;
}

static int bt_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	if (len < sizeof(pstr) - 1 || memcmp(buf, pstr, sizeof(pstr) - 1))
		return len < sizeof(pstr) - 1 && !memcmp(buf, pstr, len) && !capped ? DIS_MORE : DIS_NOTMINE;
	if (len < BT_HANDSHAKE)
		return capped ? DIS_NOTMINE : DIS_MORE;
	const uint8_t *hash = buf + 28, *peer = buf + 48;
	if (c->app)
		*c->app = "bittorrent";
	sniff_rec_begin(c, "bittorrent");
	jw_str(c->w, "msg", "handshake");
	jw_str(c->w, "side", c->from_orig ? "client" : "server");
	put_hex(c, "info_hash", hash, 20);
	/* Azureus style: '-', two letters, four version characters, '-' */
	bool az = peer[0] == '-' && peer[7] == '-';
	for (int i = 1; i < 7 && az; i++)
		az = (peer[i] >= '0' && peer[i] <= '9') || (peer[i] >= 'A' && peer[i] <= 'Z') ||
		     (peer[i] >= 'a' && peer[i] <= 'z');
	if (az)
		jw_strn(c->w, "peer_client", peer, 8);
	sniff_rec_end(c);
	return DIS_DONE;
}

static int bt_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	struct krpc k;
	if (!krpc_parse(p, n, &k))
		return DIS_NOTMINE;
	if (c->app)
		*c->app = "bittorrent";
	if (k.y[0] != 'q')
		return DIS_MORE; /* responses and errors carry node lists only */
	sniff_rec_begin(c, "bittorrent");
	jw_str(c->w, "msg", "dht_query");
	if (k.q)
		jw_strn(c->w, "method", k.q, k.qn > 32 ? 32 : k.qn);
	if (k.hash && k.hashn == 20)
		put_hex(c, "info_hash", k.hash, 20);
	sniff_rec_end(c);
	return DIS_MORE;
}

static void bt_free(void *state) { (void)state; }

const struct dissector dis_bittorrent = {
	.name = "bittorrent", .probe = bt_probe, .stream = bt_stream, .datagram = bt_datagram,
	.free = bt_free,
};
