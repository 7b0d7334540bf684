/* pcapng_fix.c: read a pcapng file whose interfaces have different
 * snapshot lengths or link types (which libpcap refuses). */
#ifndef PP_SNIFF_PCAPNG_FIX_H
#define PP_SNIFF_PCAPNG_FIX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pcapng_fix_info {
	unsigned interfaces;          /* in the file */
	uint32_t snaplen, snaplen_min;/* the largest (now every interface's), the smallest */
	uint32_t linktype;            /* the one kept */
	unsigned dropped_interfaces;  /* of other link types, left out */
	unsigned long dropped_packets;/* their packets */
};

/* The file at path as a stream libpcap can read: every interface's
 * snaplen the largest, interfaces of other link types than the one with
 * the most packets left out (renumbered). NULL if the file cannot be read
 * or is not pcapng with two or more interfaces. */
FILE *pcapng_fix(const char *path, struct pcapng_fix_info *info);
/* Do the interfaces described before the first packet of the pcapng file
 * at path differ in snaplen or link type? (false for anything else) */
bool pcapng_needs_fix(const char *path);

#endif
