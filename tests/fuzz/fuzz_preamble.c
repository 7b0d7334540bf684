/* Preambles (SOCKS, PROXY, PostgreSQL, MySQL, LDAP): the input as a
 * client's and as a server's first bytes, for every kind, in growing
 * prefixes; a length found must lie within the bytes given. */
#include <stdlib.h>

#include "../../cmd/pp-sniff/flow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int client = 0; client < 2; client++) {
		for (uint8_t k0 = 0; k0 < PRE_N; k0++) {
			for (size_t n = 0; n <= size; n += 1 + n / 4) {
				uint8_t kind = k0;
				size_t len = 0;
				if (preamble_find(data, n, client, &kind, &len) == 1 && len > n)
					abort();
			}
		}
	}
	return 0;
}
