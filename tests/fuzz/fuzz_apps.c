/* The application dissectors of the table's later rows (SMTP, IMAP, POP3,
 * FTP, DHCP, STUN, SSDP, SIP, MQTT, BitTorrent, NTP) through their
 * descriptors, as the core drives them. Input: a control byte (which
 * dissector: low nibble; stream or datagrams: bit 4; step: high bits),
 * a split byte, then the payload.
 *   stream:    the payload as both directions of one flow, split where the
 *              split byte says, each handed over in growing prefixes, then
 *              capped, then the end hook and free;
 *   datagrams: the payload cut into datagrams at every 0xff byte, each
 *              probed and parsed, both ways.
 * Seeds (tests/fuzz/make-app-seeds.py): the payloads of
 * tests/pcap/{mail_ftp,udp_apps,sip_mqtt_bt}.pcap. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "fuzz_prefix.h"

static const struct dissector *const dis[] = {
	&dis_smtp, &dis_imap, &dis_pop3, &dis_ftp, &dis_dhcp, &dis_stun, &dis_ssdp, &dis_sip,
	&dis_mqtt, &dis_bittorrent, &dis_ntp,
};

static void stream(const struct dissector *d, const uint8_t *data, size_t size, size_t step, size_t split)
{
	struct sniff_ctx *c = fuzz_ctx(IPPROTO_TCP);
	void *st = NULL;
	const uint8_t *p[2] = {data, data + split};
	size_t n[2] = {split, size - split};
	int r[2] = {DIS_MORE, DIS_MORE};

	for (int i = 0; i < 2; i++)
		(void)d->probe(c->tuple, i == 0, p[i], n[i], false);
	for (size_t k = 1; r[0] == DIS_MORE || r[1] == DIS_MORE; k = fuzz_next_prefix(k, step)) {
		for (int i = 0; i < 2; i++) {
			if (r[i] != DIS_MORE)
				continue;
			c->from_orig = i == 0;
			c->upgrade = false;
			r[i] = d->stream(c, &st, p[i], k < n[i] ? k : n[i], k >= n[i]);
			if (k >= n[i] && r[i] == DIS_MORE)
				r[i] = DIS_DONE;
		}
	}
	if (st && d->end)
		d->end(c, st);
	if (st)
		d->free(st);
}

static void datagrams(const struct dissector *d, const uint8_t *data, size_t size)
{
	struct sniff_ctx *c = fuzz_ctx(IPPROTO_UDP);
	void *st = NULL;
	size_t s = 0;
	for (size_t i = 0; i <= size; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		/* an exact copy, so that a read past the datagram is caught */
		uint8_t *q = malloc(i - s ? i - s : 1);
		memcpy(q, data + s, i - s);
		c->from_orig = (s & 1) == 0;
		(void)d->probe(c->tuple, c->from_orig, q, i - s, true);
		d->datagram(c, &st, q, i - s);
		free(q);
		s = i + 1;
	}
	if (st && d->end)
		d->end(c, st);
	if (st)
		d->free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct dissector *d = dis[(data[0] & 15) % (sizeof(dis) / sizeof(dis[0]))];
	bool dgram = data[0] & 16;
	size_t n = size - 2;
	if ((dgram && d->datagram) || !d->stream)
		datagrams(d, data + 2, n);
	else
		stream(d, data + 2, n, 1 + (data[0] >> 5) * 7, n * data[1] / 255);
	return 0;
}
