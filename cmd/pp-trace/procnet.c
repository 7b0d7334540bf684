/* /proc/net/{tcp,udp}{,6} tables (see procnet.h). The layout is
 *   sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
 * with addresses as hex words and ports as 4 hex digits. */
#include "procnet.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp.h"
#include "proc.h"

/* n hex digits (n <= 16) to a number; -1 if any is not hex. */
static int hexnum(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int h = pp_hexval(s[i]);
		if (h < 0)
			return -1;
		*v = *v << 4 | (uint64_t)h;
	}
	return 0;
}

static int decnum(const char *s, size_t n, uint64_t *v)
{
	*v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t nv = *v * 10 + (uint64_t)(s[i] - '0');
		if (nv / 10 != *v)
			return -1;
		*v = nv;
	}
	return 0;
}

/* "AAAAAAAA:PPPP" (v4) or 32 hex digits ":PPPP" (v6). */
static int parse_endpoint(const char *s, size_t n, uint8_t family, struct pp_addr *a, uint16_t *port)
{
	size_t words = family == AF_INET ? 1 : 4;
	uint64_t v;
	if (n != words * 8 + 1 + 4 || s[words * 8] != ':')
		return -1;
	memset(a, 0, sizeof(*a));
	a->family = family;
	for (size_t w = 0; w < words; w++) {
		if (hexnum(s + w * 8, 8, &v) < 0)
			return -1;
		/* The kernel printed each 32-bit word of the network-order
		 * address as a host-order number: copying the number back in
		 * host order restores the original bytes. */
		uint32_t word = (uint32_t)v;
		memcpy(a->a + w * 4, &word, 4);
	}
	if (hexnum(s + words * 8 + 1, 4, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int procnet_parse_line(const char *line, size_t n, uint8_t family, uint8_t proto, struct ksock *k)
{
	const char *tok[12];
	size_t tl[12];
	int nt = 0;
	uint64_t v;

	for (size_t i = 0; i < n && nt < 12;) {
		while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\n'))
			i++;
		if (i >= n)
			break;
		size_t s = i;
		while (i < n && line[i] != ' ' && line[i] != '\t' && line[i] != '\n')
			i++;
		tok[nt] = line + s;
		tl[nt++] = i - s;
	}
	if (nt >= 1 && tl[0] == 2 && !memcmp(tok[0], "sl", 2))
		return 0; /* header */
	if (nt < 10 || tl[0] < 2 || tok[0][tl[0] - 1] != ':')
		return -1;
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->family = family;
	if (parse_endpoint(tok[1], tl[1], family, &k->laddr, &k->lport) < 0 ||
	    parse_endpoint(tok[2], tl[2], family, &k->raddr, &k->rport) < 0)
		return -1;
	if (hexnum(tok[3], tl[3], &v) < 0 || v == 0 || v >= KS_MAX_STATES)
		return -1;
	k->state = (uint8_t)v;
	if (decnum(tok[7], tl[7], &v) < 0 || v > UINT32_MAX)
		return -1;
	k->uid = (uint32_t)v;
	if (decnum(tok[9], tl[9], &v) < 0)
		return -1;
	k->inode = v;
	return 1;
}

static bool warned[4];
static unsigned long bad_lines;

unsigned long procnet_bad_lines(void)
{
	return bad_lines;
}

int procnet_dump(uint8_t family, uint8_t proto, ksock_cb cb, void *ctx)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/net/%s%s", proc_root(), proto == IPPROTO_TCP ? "tcp" : "udp",
	         family == AF_INET6 ? "6" : "");
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	while ((len = getline(&line, &cap, f)) > 0) {
		struct ksock k;
		lineno++;
		int r = procnet_parse_line(line, (size_t)len, family, proto, &k);
		if (r < 0) {
			/* Each poll reads the table again: say it once per table,
			 * count the rest (reported at exit). */
			int t = (proto == IPPROTO_UDP) * 2 + (family == AF_INET6);
			if (!warned[t])
				pp_warn_at(path, lineno, "malformed socket table line, skipped");
			warned[t] = true;
			bad_lines++;
		}
		else if (r > 0 && cb(&k, ctx))
			break;
	}
	free(line);
	fclose(f);
	return 0;
}
