/* pp-join -r: the 5-tuple of a captured packet. The first byte picks the
 * link type, the rest is the packet as captured. */
#include <pcap/pcap.h>
#include <stdint.h>

#include "../../cmd/pp-join/pktkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_NULL,
	                           DLT_LOOP, DLT_IPV4, DLT_IPV6, 9999};
	struct pp_tuple t;
	if (size == 0)
		return 0;
	(void)pkt_tuple(dlts[data[0] % (sizeof(dlts) / sizeof(dlts[0]))], data + 1, size - 1, &t);
	return 0;
}
