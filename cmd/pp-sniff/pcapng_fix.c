/* pcapng files merged from several captures can have interfaces with
 * different snapshot lengths or link types, which libpcap (1.10) refuses
 * outright, although tshark reads them. Nothing depends on an interface's
 * snaplen once its packets are written (each carries its own captured
 * length), so such a file is read into memory, every Interface Description
 * Block's snaplen set to the largest of them, and handed to libpcap from
 * there: every packet is read as it was captured. libpcap has one link
 * type per file: interfaces of other link types than the one with the most
 * packets are left out with their packets, which are counted and named in
 * the warning. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapng_fix.h"

#define BT_SHB 0x0a0d0d0au
#define BT_IDB 0x00000001u
#define BOM 0x1a2b3c4du

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return swap ? __builtin_bswap32(v) : v;
}

static void wr32(uint8_t *p, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
}

#define BT_PB 0x00000002u   /* obsolete Packet Block: 16-bit interface id */
#define BT_SPB 0x00000003u  /* Simple Packet Block: interface 0 */
#define BT_ISB 0x00000005u  /* Interface Statistics Block */
#define BT_EPB 0x00000006u
#define MAX_IFACES 4096     /* per section, beyond: the file is not fixed */
#define MAX_LINKTYPES 16

struct fixer {
	uint32_t lt[MAX_LINKTYPES];
	unsigned long pkts[MAX_LINKTYPES];
	int nlt;
	uint32_t snaplen;        /* the largest, of the interfaces kept */
	int keep;                /* index into lt of the link type kept */
	struct pcapng_fix_info *info;
};

static int lt_index(struct fixer *fx, uint32_t lt)
{
	for (int i = 0; i < fx->nlt; i++)
		if (fx->lt[i] == lt)
			return i;
	if (fx->nlt == MAX_LINKTYPES)
		return -1;
	fx->lt[fx->nlt] = lt;
	return fx->nlt++;
}

/* One pass over the blocks. Pass 0 counts packets per link type; pass 1
 * copies to out what is kept: interfaces of the link type with the most
 * packets (renumbered), their packets, everything else. false if the
 * block structure is broken. */
static bool walk(struct fixer *fx, const uint8_t *b, size_t n, int pass, uint8_t *out, size_t *olen)
{
	static int map[MAX_IFACES]; /* old interface id -> new, or -1 */
	static int ltof[MAX_IFACES];
	int nif = 0, nnew = 0;
	bool swap = false;
	size_t off = 0;

	while (off + 12 <= n) {
		uint32_t type = rd32(b + off, false);
		if (type == BT_SHB) { /* a new section: its byte order, no interfaces */
			uint32_t bom = rd32(b + off + 8, false);
			if (bom == BOM)
				swap = false;
			else if (bom == __builtin_bswap32(BOM))
				swap = true;
			else
				return false;
			nif = nnew = 0;
		} else {
			type = rd32(b + off, swap);
		}
		uint32_t len = rd32(b + off + 4, swap);
		if (len < 12 || len % 4 || len > n - off)
			return false;
		const uint8_t *blk = b + off;
		bool keep = true;
		int iface = -1;
		if (type == BT_IDB) {
			if (len < 20 || nif == MAX_IFACES)
				return false;
			uint32_t lt = swap ? (uint32_t)(blk[8] << 8 | blk[9]) : (uint32_t)(blk[9] << 8 | blk[8]);
			int li = lt_index(fx, lt);
			if (li < 0)
				return false;
			ltof[nif] = li;
			if (pass == 0) {
				uint32_t sl = rd32(blk + 12, swap);
				fx->info->interfaces++;
				if (fx->info->snaplen_min == 0 || sl < fx->info->snaplen_min)
					fx->info->snaplen_min = sl;
				if (sl > fx->snaplen)
					fx->snaplen = sl; /* of all: any kept fits in it */
				map[nif++] = 0;
			} else {
				keep = li == fx->keep;
				map[nif++] = keep ? nnew++ : -1;
				if (!keep)
					fx->info->dropped_interfaces++;
			}
		} else if (type == BT_EPB || type == BT_ISB || type == BT_PB) {
			if (len < 16)
				return false;
			if (type == BT_PB)
				iface = swap ? blk[8] << 8 | blk[9] : blk[9] << 8 | blk[8];
			else
				iface = (int)(rd32(blk + 8, swap) & 0xffff); /* beyond MAX_IFACES anyway */
		} else if (type == BT_SPB) {
			iface = 0;
		}
		if (iface >= 0) {
			if (iface >= nif)
				return false; /* a packet of an interface never described */
			if (pass == 0) {
				if (type != BT_ISB)
					fx->pkts[ltof[iface]]++;
			} else {
				keep = map[iface] >= 0;
				if (!keep && type != BT_ISB)
					fx->info->dropped_packets++;
			}
		}
		if (pass == 1 && keep) {
			uint8_t *o = out + *olen;
			memcpy(o, blk, len);
			if (type == BT_IDB)
				wr32(o + 12, fx->snaplen, swap);
			else if (type == BT_EPB || type == BT_ISB)
				wr32(o + 8, (uint32_t)map[iface], swap);
			else if (type == BT_PB) {
				uint16_t v = (uint16_t)map[iface];
				o[8] = (uint8_t)(swap ? v >> 8 : v), o[9] = (uint8_t)(swap ? v : v >> 8);
			}
			*olen += len;
		}
		off += len;
	}
	return true;
}

FILE *pcapng_fix(const char *path, struct pcapng_fix_info *info)
{
	FILE *in = fopen(path, "rb");
	uint8_t *buf = NULL, *out = NULL;
	size_t n = 0, cap = 0, olen = 0;
	struct fixer fx;

	memset(info, 0, sizeof(*info));
	memset(&fx, 0, sizeof(fx));
	fx.info = info;
	if (!in)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			uint8_t *nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		size_t k = fread(buf + n, 1, cap - n, in);
		if (k == 0)
			break;
		n += k;
	}
	if (ferror(in) || n < 12 || rd32(buf, false) != BT_SHB)
		goto fail;
	fclose(in);
	in = NULL;
	if (!walk(&fx, buf, n, 0, NULL, NULL) || info->interfaces < 2)
		goto fail;
	for (int i = 1; i < fx.nlt; i++) /* the link type with the most packets */
		if (fx.pkts[i] > fx.pkts[fx.keep])
			fx.keep = i;
	info->linktype = fx.lt[fx.keep];
	info->snaplen = fx.snaplen;
	if (!(out = malloc(n)) || !walk(&fx, buf, n, 1, out, &olen))
		goto fail;
	free(buf);
	/* fmemopen does not free out: the bytes stay for the life of the
	 * process (one capture per run), held here. */
	static uint8_t *held;
	FILE *mem = fmemopen(out, olen, "rb");
	if (!mem) {
		free(out);
		return NULL;
	}
	free(held);
	held = out;
	return mem;
fail:
	if (in)
		fclose(in);
	free(buf);
	free(out);
	return NULL;
}

bool pcapng_needs_fix(const char *path)
{
	FILE *in = fopen(path, "rb");
	uint8_t h[20];
	bool swap = false, seen = false, differ = false;
	uint32_t lt0 = 0, sl0 = 0;

	struct stat st;
	if (!in)
		return false;
	if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode)) { /* a pipe is read once */
		fclose(in);
		return false;
	}
	/* The interfaces described before the first packet: that is where
	 * capture tools and mergecap put them. */
	while (!differ && fread(h, 1, 12, in) == 12) {
		uint32_t type = rd32(h, false), len;
		if (type == BT_SHB)
			swap = rd32(h + 8, false) != BOM;
		else
			type = rd32(h, swap);
		len = rd32(h + 4, swap);
		if (len < 12 || len % 4)
			break;
		if (type == BT_EPB || type == BT_SPB || type == BT_PB)
			break;
		if (type == BT_IDB) {
			if (len < 20 || fread(h + 12, 1, 8, in) != 8)
				break;
			uint32_t lt = swap ? (uint32_t)(h[8] << 8 | h[9]) : (uint32_t)(h[9] << 8 | h[8]);
			uint32_t sl = rd32(h + 12, swap);
			if (seen && (lt != lt0 || sl != sl0))
				differ = true;
			lt0 = lt, sl0 = sl, seen = true;
			len -= 8;
		}
		if (fseek(in, (long)len - 12, SEEK_CUR) != 0)
			break;
	}
	fclose(in);
	return differ;
}
