/* Addresses, the 5-tuple, and Community ID v1. */
#include "tuple.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "jsonw.h"

int pp_addr_parse(const char *s, struct pp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* Without printf: addresses are written in every record. */
static char *put_dec8(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static char *put_quad(char *p, const uint8_t *q)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			*p++ = '.';
		p = put_dec8(p, q[i]);
	}
	return p;
}

char *pp_addr_put(const struct pp_addr *a, char *p)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const char hx[] = "0123456789abcdef";
	uint16_t g[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;

	if (a->family == AF_INET)
		return put_quad(p, a->a);
	if (a->family != AF_INET6) {
		*p++ = '?';
		return p;
	}
	if (!memcmp(a->a, mapped, 12)) {
		memcpy(p, "::ffff:", 7);
		return put_quad(p + 7, a->a + 12);
	}
	/* RFC 5952 section 4: find the longest run (>= 2) of zero groups. */
	for (int i = 0; i < 8; i++) {
		g[i] = (uint16_t)(a->a[2 * i] << 8 | a->a[2 * i + 1]);
		if (g[i] == 0) {
			if (cur < 0)
				cur = i, curlen = 0;
			curlen++;
			if (curlen > bestlen)
				best = cur, bestlen = curlen;
		} else {
			cur = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			if (i == 0)
				*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		/* lower-case hex without leading zeros */
		bool started = false;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = g[i] >> sh & 15;
			if (d || started || sh == 0) {
				*p++ = hx[d];
				started = true;
			}
		}
		if (i < 7)
			*p++ = ':';
	}
	return p;
}

char *pp_addr_fmt(const struct pp_addr *a, char *buf)
{
	*pp_addr_put(a, buf) = '\0';
	return buf;
}

void pp_addr_from4(struct pp_addr *a, const void *be4)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->a, be4, 4);
}

void pp_addr_from6(struct pp_addr *a, const void *be16)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	memcpy(a->a, be16, 16);
}

void pp_addr_unmap(struct pp_addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	uint8_t v4[4];
	if (a->family == AF_INET6 && !memcmp(a->a, mapped, 12)) {
		memcpy(v4, a->a + 12, 4);
		pp_addr_from4(a, v4);
	}
}

int pp_addr_cmp(const struct pp_addr *x, const struct pp_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, x->family == AF_INET ? 4 : 16);
}

bool pp_addr_eq(const struct pp_addr *x, const struct pp_addr *y)
{
	return pp_addr_cmp(x, y) == 0;
}

bool pp_addr_in(const struct pp_addr *a, const struct pp_addr *net, int len)
{
	int max = net->family == AF_INET ? 32 : 128;
	if (a->family != net->family || len < 0 || len > max)
		return false;
	for (int i = 0; i < len / 8; i++)
		if (a->a[i] != net->a[i])
			return false;
	if (len % 8) {
		uint8_t m = (uint8_t)(0xff << (8 - len % 8));
		if ((a->a[len / 8] & m) != (net->a[len / 8] & m))
			return false;
	}
	return true;
}

const char *pp_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmp6";
	case IPPROTO_SCTP: return "sctp";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

int pp_proto_num(const char *name)
{
	static const struct { const char *n; int p; } t[] = {
		{"tcp", IPPROTO_TCP}, {"udp", IPPROTO_UDP}, {"icmp", IPPROTO_ICMP},
		{"icmp6", IPPROTO_ICMPV6}, {"ipv6-icmp", IPPROTO_ICMPV6}, {"sctp", IPPROTO_SCTP},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(name, t[i].n))
			return t[i].p;
	if (*name >= '0' && *name <= '9') {
		int v = 0;
		for (const char *p = name; *p; p++) {
			if (*p < '0' || *p > '9' || (v = v * 10 + (*p - '0')) > 255)
				return -1;
		}
		return v;
	}
	return -1;
}

static int endpoint_cmp(const struct pp_addr *a, uint16_t ap, const struct pp_addr *b, uint16_t bp)
{
	int c = pp_addr_cmp(a, b);
	if (c)
		return c;
	return ap < bp ? -1 : ap > bp;
}

void pp_tuple_norm(const struct pp_tuple *t, struct pp_tuple *key, bool *swapped)
{
	bool sw = endpoint_cmp(&t->src, t->sport, &t->dst, t->dport) > 0;
	memset(key, 0, sizeof(*key));
	key->proto = t->proto;
	if (sw) {
		key->src = t->dst, key->sport = t->dport;
		key->dst = t->src, key->dport = t->sport;
	} else {
		key->src = t->src, key->sport = t->sport;
		key->dst = t->dst, key->dport = t->dport;
	}
	if (swapped)
		*swapped = sw;
}

uint64_t pp_tuple_hash(const struct pp_tuple *k)
{
	/* FNV-1a over the fields that define the key. */
	uint64_t h = 1469598103934665603ull;
	const uint8_t *parts[] = {k->src.a, k->dst.a};
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 16; i++)
			h = (h ^ parts[p][i]) * 1099511628211ull;
	h = (h ^ k->sport) * 1099511628211ull;
	h = (h ^ k->dport) * 1099511628211ull;
	h = (h ^ (uint64_t)(k->proto | k->src.family << 8)) * 1099511628211ull;
	return h;
}

bool pp_tuple_eq(const struct pp_tuple *x, const struct pp_tuple *y)
{
	return x->proto == y->proto && x->sport == y->sport && x->dport == y->dport &&
	       pp_addr_eq(&x->src, &y->src) && pp_addr_eq(&x->dst, &y->dst);
}

/* ICMP type pairs from the Community ID spec: a request type maps to its
 * reply type as the "port" of the other end; one-way types keep the code. */
static bool icmp_pair(uint8_t proto, uint16_t type, uint16_t *other)
{
	static const uint8_t v4[][2] = {{8, 0}, {0, 8}, {13, 14}, {14, 13}, {15, 16}, {16, 15},
	                                {10, 9}, {9, 10}, {17, 18}, {18, 17}};
	static const uint8_t v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133},
	                                {135, 136}, {136, 135}, {130, 131}, {131, 130},
	                                {144, 145}, {145, 144}, {139, 140}, {140, 139}};
	const uint8_t(*t)[2] = proto == IPPROTO_ICMP ? v4 : v6;
	size_t n = proto == IPPROTO_ICMP ? sizeof(v4) / 2 : sizeof(v6) / 2;
	for (size_t i = 0; i < n; i++)
		if (t[i][0] == type) {
			*other = t[i][1];
			return true;
		}
	return false;
}

void pp_community_id(const struct pp_tuple *t, uint16_t seed, char *out)
{
	uint8_t buf[2 + 16 + 16 + 2 + 2 + 2], md[PP_SHA1_LEN];
	const struct pp_addr *a = &t->src, *b = &t->dst;
	uint16_t ap = t->sport, bp = t->dport;
	size_t alen = t->src.family == AF_INET ? 4 : 16, n = 0;
	bool ports = true, one_way = false;

	if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
		uint16_t other;
		if (icmp_pair(t->proto, ap, &other))
			bp = other;
		else
			one_way = true;
	} else if (t->proto != IPPROTO_TCP && t->proto != IPPROTO_UDP && t->proto != IPPROTO_SCTP) {
		ports = false;
	}
	/* Order the endpoints (the spec never swaps one-way ICMP). */
	if (!one_way && (pp_addr_cmp(a, b) > 0 || (pp_addr_cmp(a, b) == 0 && ap > bp))) {
		const struct pp_addr *x = a;
		uint16_t xp = ap;
		a = b, ap = bp;
		b = x, bp = xp;
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a->a, alen), n += alen;
	memcpy(buf + n, b->a, alen), n += alen;
	buf[n++] = t->proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(ap >> 8), buf[n++] = (uint8_t)ap;
		buf[n++] = (uint8_t)(bp >> 8), buf[n++] = (uint8_t)bp;
	}
	if (!pp_sha1(buf, n, md)) {
		*out = '\0'; /* no SHA-1 in this libcrypto: no id rather than a wrong one */
		return;
	}
	memcpy(out, "1:", 2);
	*jw_fmt_b64(out + 2, md, sizeof(md)) = '\0';
}
