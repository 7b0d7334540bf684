/* A sniff_ctx for the dissector fuzz targets: records are written (so the
 * JSON writer runs on whatever the dissector extracts) to /dev/null. The
 * record functions come from tests/unit/sniff_test_ctx.c. */
#ifndef FUZZ_CTX_H
#define FUZZ_CTX_H

#include <netinet/in.h>

#include "../../cmd/pp-sniff/dissect.h"

static struct sniff_ctx *fuzz_ctx(int proto)
{
	static struct sniff_ctx c;
	static struct jw w;
	static struct pp_tuple t;
	static const char *app;
	if (!c.out) {
		static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
		jw_init(&w);
		pp_addr_from4(&t.src, a1);
		pp_addr_from4(&t.dst, a2);
		t.sport = 40000, t.dport = 1;
		c.tuple = &t, c.w = &w, c.app = &app, c.vlan = -1, c.community_id = "1:fuzz";
		c.out = fopen("/dev/null", "w");
	}
	t.proto = (uint8_t)proto;
	c.from_orig = true;
	return &c;
}

#endif
