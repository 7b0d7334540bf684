/* pp-trace's socket-table parsers on arbitrary bytes: /proc/net lines (the
 * first byte picks family and protocol) and sock_diag netlink replies. No
 * crash, no out-of-bounds read, every row sane. */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-trace/diag.h"
#include "../../cmd/pp-trace/procnet.h"

static int row(const struct ksock *k, void *ctx)
{
	(void)ctx;
	/* Touch every field; names must always come out. */
	volatile const char *n = ksock_state_name(k);
	(void)n;
	volatile uint64_t x = ksock_tx_payload(k, k->lport & 1);
	(void)x;
	volatile uint64_t y = ksock_rx_payload(k);
	(void)y;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	uint8_t fam = sel & 1 ? AF_INET6 : AF_INET, proto = sel & 2 ? IPPROTO_UDP : IPPROTO_TCP;
	/* Exact-size copies, so that ASan sees any read past the end. */
	char *line = malloc(size - 1 ? size - 1 : 1);
	memcpy(line, data + 1, size - 1);
	struct ksock k;
	if (procnet_parse_line(line, size - 1, fam, proto, &k) > 0)
		row(&k, NULL);
	free(line);

	uint8_t *nl = malloc(size - 1 ? size - 1 : 1);
	memcpy(nl, data + 1, size - 1);
	(void)diag_parse(nl, size - 1, (uint32_t)sel >> 2, proto, row, NULL);
	free(nl);
	return 0;
}
