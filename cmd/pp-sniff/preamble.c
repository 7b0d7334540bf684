/* Preambles: what a connection says before TLS or HTTP begins, so that the
 * dissectors can start after it. Each is recognised by its exact layout,
 * both sides, and only then is what follows looked at (it still has to be
 * TLS, HTTP or SSH by its own first bytes, see app.c):
 *
 *   SOCKS 4/4a   client CONNECT (04 01 port addr user\0 [host\0]),
 *                server reply 00 5a + 6 bytes (RFC-less, the 1992 spec);
 *   SOCKS 5      client greeting (05 n methods), username/password
 *                subnegotiation (RFC 1929: skipped, never read), CONNECT
 *                request (05 01 00 atyp addr port); server method choice,
 *                auth status, reply (RFC 1928);
 *   PROXY v1/v2  HAProxy's PROXY protocol header from the client (a load
 *                balancer), the server says nothing first;
 *   PostgreSQL   SSLRequest (00 00 00 08 04 d2 16 2f), server 'S';
 *   MySQL        server greeting (protocol 10), client SSL request (a
 *                32-byte packet, sequence 1, CLIENT_SSL set);
 *   LDAP         StartTLS extended request (RFC 4511 4.14, OID
 *                1.3.6.1.4.1.1466.20037) and its extended response.
 *
 * Text protocols that upgrade by command (SMTP, IMAP, XMPP, ...) are found
 * by app.c's STARTTLS scan instead. */
#include <string.h>

#include "flow.h"

/* A preamble longer than this is not one we wait for. */
#define PREAMBLE_MAX 4096

static int socks4_client(const uint8_t *b, size_t n, size_t *len)
{
	/* 04 01 port(2) ip(4) userid\0; SOCKS4a: ip 0.0.0.x, then host\0 */
	if (n >= 2 && b[1] != 1)
		return -1;
	if (n < 9)
		return 0;
	const uint8_t *z = memchr(b + 8, 0, n - 8);
	if (!z)
		return n > 8 + 256 ? -1 : 0;
	size_t at = (size_t)(z - b) + 1;
	if (!b[4] && !b[5] && !b[6] && b[7]) {
		if (at >= n)
			return 0;
		if (!(z = memchr(b + at, 0, n - at)))
			return n - at > 256 ? -1 : 0;
		at = (size_t)(z - b) + 1;
	}
	*len = at;
	return 1;
}

/* The address and port of a SOCKS 5 request or reply starting at b[3]. */
static int socks5_addr(const uint8_t *b, size_t n, size_t *len)
{
	size_t alen;
	if (n < 5)
		return 0;
	if (b[3] == 1)
		alen = 4;
	else if (b[3] == 4)
		alen = 16;
	else if (b[3] == 3)
		alen = 1 + (size_t)b[4];
	else
		return -1;
	if (n < 4 + alen + 2)
		return 0;
	*len = 4 + alen + 2;
	return 1;
}

static int socks5_client(const uint8_t *b, size_t n, size_t *len)
{
	size_t at, k;
	int r;
	if (n < 2)
		return 0;
	if (b[1] == 0 || b[1] > 16)
		return -1;
	at = 2 + (size_t)b[1];
	if (n < at + 1)
		return 0;
	if (b[at] == 1) { /* RFC 1929: version 1, user, password: skipped */
		if (n < at + 2)
			return 0;
		size_t pl = at + 2 + b[at + 1];
		if (n < pl + 1)
			return 0;
		at = pl + 1 + b[pl];
		if (n < at + 1)
			return 0;
	}
	if (b[at] != 5)
		return -1;
	if (n >= at + 3 && (b[at + 1] != 1 || b[at + 2] != 0)) /* CONNECT */
		return -1;
	if ((r = socks5_addr(b + at, n - at, &k)) != 1)
		return r;
	*len = at + k;
	return 1;
}

static int socks5_server(const uint8_t *b, size_t n, size_t *len)
{
	size_t at = 2, k;
	int r;
	if (n < 2)
		return 0;
	if (b[0] != 5 || (b[1] != 0 && b[1] != 2))
		return -1;
	if (b[1] == 2) { /* the auth status: 01 00 */
		if (n < 4)
			return 0;
		if (b[2] != 1 || b[3] != 0)
			return -1;
		at = 4;
	}
	if (n < at + 3)
		return 0;
	if (b[at] != 5 || b[at + 1] != 0) /* succeeded */
		return -1;
	if ((r = socks5_addr(b + at, n - at, &k)) != 1)
		return r;
	*len = at + k;
	return 1;
}

static const uint8_t proxy2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

static int proxy_client(const uint8_t *b, size_t n, size_t *len)
{
	if (b[0] == 'P') { /* "PROXY TCP4|TCP6|UNKNOWN ...\r\n", at most 107 bytes */
		size_t k = n < 6 ? n : 6;
		if (memcmp(b, "PROXY ", k))
			return -1;
		for (size_t i = 6; i < n && i < 107; i++) {
			if (b[i] == '\n') {
				if (b[i - 1] != '\r')
					return -1;
				*len = i + 1;
				return 1;
			}
			if ((b[i] < 0x20 || b[i] > 0x7e) && b[i] != '\r')
				return -1;
		}
		return n >= 107 ? -1 : 0;
	}
	size_t k = n < 12 ? n : 12;
	if (memcmp(b, proxy2_sig, k))
		return -1;
	if (n < 16)
		return 0;
	if (b[12] >> 4 != 2)
		return -1;
	*len = 16 + (size_t)(b[14] << 8 | b[15]);
	return n >= *len ? 1 : 0;
}

static const uint8_t pg_ssl[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

static int pgsql_client(const uint8_t *b, size_t n, size_t *len)
{
	size_t k = n < 8 ? n : 8;
	if (memcmp(b, pg_ssl, k))
		return -1;
	*len = 8;
	return n >= 8 ? 1 : 0;
}

/* A MySQL packet: 3-byte little-endian length, sequence number. */
static int mysql_client(const uint8_t *b, size_t n, size_t *len)
{
	if (n < 4)
		return b[0] == 32 && (n < 2 || !b[1]) && (n < 3 || !b[2]) ? 0 : -1;
	if (b[0] != 32 || b[1] || b[2] || b[3] != 1)
		return -1;
	if (n < 8)
		return 0;
	if (!(b[5] & 0x08)) /* CLIENT_SSL (0x0800) in the capability flags */
		return -1;
	*len = 36;
	return n >= 36 ? 1 : 0;
}

static int mysql_server(const uint8_t *b, size_t n, size_t *len)
{
	if (n < 5)
		return 0;
	size_t plen = (size_t)b[0] | (size_t)b[1] << 8 | (size_t)b[2] << 16;
	if (b[3] != 0 || b[4] != 10 || plen < 32 || plen > 1024)
		return -1;
	*len = 4 + plen;
	return n >= *len ? 1 : 0;
}

/* A BER length at b[*at]; false if not complete or too long for us. */
static int ber_len(const uint8_t *b, size_t n, size_t *at, size_t *v)
{
	if (*at >= n)
		return 0;
	uint8_t l = b[(*at)++];
	if (l < 0x80) {
		*v = l;
		return 1;
	}
	l &= 0x7f;
	if (l == 0 || l > 3)
		return -1;
	if (*at + l > n)
		return 0;
	*v = 0;
	while (l--)
		*v = *v << 8 | b[(*at)++];
	return 1;
}

/* One LDAPMessage: SEQUENCE { messageID INTEGER, protocolOp }; the op's
 * tag in *op and where its contents start in *body. */
static int ldap_msg(const uint8_t *b, size_t n, size_t *len, uint8_t *op, size_t *body)
{
	size_t at = 1, sl, il, ol;
	int r;
	if (b[0] != 0x30)
		return -1;
	if ((r = ber_len(b, n, &at, &sl)) != 1)
		return r;
	if (sl > PREAMBLE_MAX)
		return -1;
	size_t end = at + sl;
	if (n < end)
		return 0;
	if (at + 2 > end || b[at] != 0x02)
		return -1;
	at++;
	if ((r = ber_len(b, end, &at, &il)) != 1 || il == 0 || il > 4 || at + il >= end)
		return -1;
	at += il;
	*op = b[at++];
	if ((r = ber_len(b, end, &at, &ol)) != 1 || at + ol > end)
		return -1;
	*body = at;
	*len = end;
	return 1;
}

static const char starttls_oid[] = "1.3.6.1.4.1.1466.20037";

static int ldap_client(const uint8_t *b, size_t n, size_t *len)
{
	uint8_t op;
	size_t body;
	int r = ldap_msg(b, n, len, &op, &body);
	if (r != 1)
		return r;
	/* ExtendedRequest [APPLICATION 23] { requestName [0] LDAPOID } */
	size_t k = sizeof(starttls_oid) - 1;
	if (op != 0x77 || body + 2 + k > *len || b[body] != 0x80 || b[body + 1] != k ||
	    memcmp(b + body + 2, starttls_oid, k))
		return -1;
	return 1;
}

static int ldap_server(const uint8_t *b, size_t n, size_t *len)
{
	uint8_t op;
	size_t body;
	int r = ldap_msg(b, n, len, &op, &body);
	if (r != 1)
		return r;
	/* ExtendedResponse [APPLICATION 24] { resultCode ENUMERATED success } */
	if (op != 0x78 || body + 3 > *len || b[body] != 0x0a || b[body + 1] != 1 || b[body + 2] != 0)
		return -1;
	return 1;
}

int preamble_find(const uint8_t *b, size_t n, bool client, uint8_t *kind, size_t *len)
{
	static int (*const cl[PRE_N])(const uint8_t *, size_t, size_t *) = {
		[PRE_SOCKS4] = socks4_client, [PRE_SOCKS5] = socks5_client,
		[PRE_PROXY] = proxy_client, [PRE_PGSQL] = pgsql_client,
		[PRE_MYSQL] = mysql_client, [PRE_LDAP] = ldap_client,
	};
	bool wait = false;

	if (n == 0)
		return 0;
	for (int k = 1; k < PRE_N; k++) {
		int r;
		if (*kind && *kind != k)
			continue;
		/* Of the servers only MySQL's speaks first: before the client
		 * has said which preamble it is, that is the only one to try. */
		if (!client && !*kind && k != PRE_MYSQL)
			continue;
		if (client) {
			/* the first byte picks the candidates */
			static const uint8_t first[PRE_N] = {
				[PRE_SOCKS4] = 4, [PRE_SOCKS5] = 5, [PRE_PGSQL] = 0,
				[PRE_MYSQL] = 32, [PRE_LDAP] = 0x30,
			};
			if (k == PRE_PROXY ? b[0] != 'P' && b[0] != 0x0d : b[0] != first[k])
				continue;
			r = cl[k](b, n, len);
		} else {
			switch (k) {
			case PRE_SOCKS4:
				r = n < 8 ? (b[0] == 0 && (n < 2 || b[1] == 0x5a) ? 0 : -1)
				          : b[0] == 0 && b[1] == 0x5a ? 1 : -1;
				*len = 8;
				break;
			case PRE_SOCKS5: r = socks5_server(b, n, len); break;
			case PRE_PROXY: *len = 0; r = 1; break; /* nothing first */
			case PRE_PGSQL: *len = 1; r = b[0] == 'S' ? 1 : -1; break;
			case PRE_MYSQL: r = mysql_server(b, n, len); break;
			case PRE_LDAP: r = ldap_server(b, n, len); break;
			default: r = -1;
			}
		}
		if (r == 1 && *len <= PREAMBLE_MAX) {
			*kind = (uint8_t)k;
			return 1;
		}
		if (r == 0 && n < PREAMBLE_MAX)
			wait = true;
	}
	return wait ? 0 : -1;
}
