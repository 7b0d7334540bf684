/* A pcapng writer (draft-ietf-opsawg-pcapng): one Section Header Block,
 * one Interface Description Block, then Enhanced Packet Blocks, each with
 * an optional comment (opt_comment). libpcap reads pcapng but writes only
 * pcap, so the blocks are written here, in the host's byte order (the
 * Byte-Order Magic tells readers which), every block and option padded to
 * 32 bits and ended by its total length. */
#ifndef PP_PCAPNG_H
#define PP_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pcapng_w {
	FILE *f;
	int err; /* errno of the first failed write, 0 if none */
};

/* SHB (shb_userappl = app) and IDB (linktype, snaplen, µs timestamps). */
int pcapng_begin(struct pcapng_w *w, FILE *f, const char *app, int linktype, uint32_t snaplen);
/* An EPB on interface 0: ts in microseconds since the epoch, caplen bytes
 * of data of a packet origlen long, comment (UTF-8, NULL: none). */
int pcapng_packet(struct pcapng_w *w, uint64_t ts_us, const uint8_t *data, uint32_t caplen,
                  uint32_t origlen, const char *comment);

#endif
