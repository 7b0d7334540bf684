/* DHCP (RFC 2131, options RFC 2132) over UDP: one "dhcp" record per
 * message with its type, the client's hardware address, host name, vendor
 * class and parameter request list (a well-known fingerprint), the
 * requested and the assigned address, the server identifier and lease
 * time (pp-records(5)). Recognised by content on any port: a BOOTP header
 * with a sane op, hardware length and the DHCP magic cookie.
 *
 * Options are read from the options field only (option overload, 52, into
 * sname/file is not followed). DHCPv6 is not dissected. */
#include <netinet/in.h>

#include "bytes.h"
#include "dissect.h"
#include "pp.h"

#define DHCP_FIXED 236           /* BOOTP header up to the options */
#define DHCP_COOKIE 0x63825363u
#define DHCP_MAX_PARAMS 64

static const char *const msg_types[] = {
	NULL, "discover", "offer", "request", "decline", "ack", "nak", "release", "inform",
	"forcerenew", "leasequery", "leaseunassigned", "leaseunknown", "leaseactive",
	"bulkleasequery", "leasequerydone", "activeleasequery", "leasequerystatus", "tls",
};

static int dhcp_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	struct cur c;
	uint8_t op, htype, hlen;
	uint32_t cookie;
	cur_init(&c, p, n);
	if (!cur_u8(&c, &op) || !cur_u8(&c, &htype) || !cur_u8(&c, &hlen) || !cur_skip(&c, 233) ||
	    !cur_u32(&c, &cookie))
		return PROBE_NO;
	return (op == 1 || op == 2) && hlen <= 16 && cookie == DHCP_COOKIE ? PROBE_YES : PROBE_NO;
}

static void put_addr4(struct sniff_ctx *c, const char *key, const uint8_t *a)
{
	struct pp_addr ad;
	char buf[PP_ADDRSTRLEN];
	pp_addr_from4(&ad, a);
	jw_str(c->w, key, pp_addr_fmt(&ad, buf));
}

static bool nonzero4(const uint8_t *a) { return a[0] | a[1] | a[2] | a[3]; }

static int dhcp_datagram(struct sniff_ctx *c, void **state, const uint8_t *p, size_t n)
{
	struct cur cu, o;
	const uint8_t *ciaddr, *yiaddr, *chaddr, *hostname = NULL, *vendor = NULL, *req = NULL;
	const uint8_t *server = NULL, *params = NULL;
	uint8_t op = 0, htype = 0, hlen = 0, type = 0, hostname_n = 0, vendor_n = 0, params_n = 0;
	uint32_t cookie, lease = 0;
	bool has_lease = false;
	const char *malformed = NULL;

	if (dhcp_probe(c->tuple, c->from_orig, p, n, true) != PROBE_YES)
		return DIS_NOTMINE;
	cur_init(&cu, p, n);
	if (!cur_u8(&cu, &op) || !cur_u8(&cu, &htype) || !cur_u8(&cu, &hlen) ||
	    !cur_skip(&cu, 9) || /* hops, xid, secs, flags */
	    !(ciaddr = cur_bytes(&cu, 4)) || !(yiaddr = cur_bytes(&cu, 4)) ||
	    !cur_skip(&cu, 8) || /* siaddr, giaddr */
	    !(chaddr = cur_bytes(&cu, 16)) || !cur_skip(&cu, 192) || /* sname, file */
	    !cur_u32(&cu, &cookie))
		return DIS_NOTMINE;
	cur_init(&o, p + cu.off, cur_left(&cu));
	for (;;) {
		uint8_t code, len;
		const uint8_t *v;
		if (!cur_u8(&o, &code)) {
			malformed = "no end option";
			break;
		}
		if (code == 0)
			continue;
		if (code == 255)
			break;
		if (!cur_u8(&o, &len) || !(v = cur_bytes(&o, len))) {
			malformed = "option runs past the end";
			break;
		}
		switch (code) {
		case 53: if (len == 1) type = v[0]; break;
		case 12: hostname = v, hostname_n = len; break;
		case 60: vendor = v, vendor_n = len; break;
		case 50: if (len == 4) req = v; break;
		case 54: if (len == 4) server = v; break;
		case 55: params = v, params_n = len; break;
		case 51:
			if (len == 4) {
				lease = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
				has_lease = true;
			}
			break;
		}
	}
	if (c->app)
		*c->app = "dhcp";
	sniff_rec_begin(c, "dhcp");
	if (type && type < PP_ARRAY_LEN(msg_types))
		jw_str(c->w, "msg", msg_types[type]);
	else
		jw_str(c->w, "msg", op == 1 ? "bootrequest" : "bootreply");
	if (htype == 1 && hlen == 6) {
		char mac[18], *m = mac;
		for (int i = 0; i < 6; i++) {
			m = jw_fmt_hex(m, chaddr + i, 1);
			*m++ = ':';
		}
		jw_strn(c->w, "client_mac", mac, sizeof(mac) - 1);
	}
	if (hostname_n)
		jw_strn(c->w, "hostname", hostname, hostname_n);
	if (vendor_n)
		jw_strn(c->w, "vendor_class", vendor, vendor_n);
	if (params_n) {
		jw_arr_open(c->w, "params");
		for (int i = 0; i < params_n && i < DHCP_MAX_PARAMS; i++)
			jw_uint(c->w, NULL, params[i]);
		jw_arr_close(c->w);
	}
	if (nonzero4(ciaddr))
		put_addr4(c, "client_addr", ciaddr);
	if (req)
		put_addr4(c, "requested_addr", req);
	if (op == 2 && nonzero4(yiaddr))
		put_addr4(c, "assigned_addr", yiaddr);
	if (server)
		put_addr4(c, "server_id", server);
	if (has_lease)
		jw_uint(c->w, "lease_time", lease);
	if (malformed)
		jw_str(c->w, "malformed", malformed);
	sniff_rec_end(c);
	return DIS_MORE;
}

static void dhcp_free(void *state) { (void)state; }

const struct dissector dis_dhcp = {
	.name = "dhcp", .probe = dhcp_probe, .datagram = dhcp_datagram, .free = dhcp_free,
};
