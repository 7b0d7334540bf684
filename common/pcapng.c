/* pcapng blocks. See pcapng.h. */
#include "pcapng.h"

#include <errno.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_USERAPPL 4

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put(struct pcapng_w *w, const void *p, size_t n)
{
	if (!w->err && n && fwrite(p, 1, n, w->f) != n)
		w->err = errno ? errno : EIO;
}

static void put32(struct pcapng_w *w, uint32_t v)
{
	put(w, &v, 4);
}

static void put_pad(struct pcapng_w *w, size_t n)
{
	static const uint8_t zero[4];
	put(w, zero, pad4(n) - n);
}

/* Bytes an option of n value bytes takes: code, length, padded value. */
static size_t opt_size(size_t n)
{
	return 4 + pad4(n);
}

static void put_opt(struct pcapng_w *w, uint16_t code, const void *v, size_t n)
{
	uint16_t h[2] = {code, (uint16_t)n};
	put(w, h, 4);
	put(w, v, n);
	put_pad(w, n);
}

static void put_end_opts(struct pcapng_w *w)
{
	put32(w, 0); /* opt_endofopt: code 0, length 0 */
}

int pcapng_begin(struct pcapng_w *w, FILE *f, const char *app, int linktype, uint32_t snaplen)
{
	size_t an = app ? strlen(app) : 0;
	if (an > 65535)
		an = 65535;
	w->f = f;
	w->err = 0;

	/* SHB: type, length, magic, version 1.0, section length unknown (-1),
	 * options, length again. */
	uint32_t len = (uint32_t)(28 + (an ? opt_size(an) + 4 : 0));
	put32(w, BT_SHB);
	put32(w, len);
	put32(w, BYTE_ORDER_MAGIC);
	uint16_t ver[2] = {1, 0};
	put(w, ver, 4);
	int64_t section = -1;
	put(w, &section, 8);
	if (an) {
		put_opt(w, SHB_USERAPPL, app, an);
		put_end_opts(w);
	}
	put32(w, len);

	/* IDB: link type, reserved, snaplen; no options (if_tsresol absent
	 * means microseconds). */
	put32(w, BT_IDB);
	put32(w, 20);
	uint16_t lt[2] = {(uint16_t)linktype, 0};
	put(w, lt, 4);
	put32(w, snaplen);
	put32(w, 20);
	return w->err ? -1 : 0;
}

int pcapng_packet(struct pcapng_w *w, uint64_t ts_us, const uint8_t *data, uint32_t caplen,
                  uint32_t origlen, const char *comment)
{
	size_t cn = comment ? strlen(comment) : 0;
	if (cn > 65535)
		cn = 65535; /* an option length is 16 bits */
	uint32_t len = (uint32_t)(32 + pad4(caplen) + (cn ? opt_size(cn) + 4 : 0));

	put32(w, BT_EPB);
	put32(w, len);
	put32(w, 0); /* interface id */
	put32(w, (uint32_t)(ts_us >> 32));
	put32(w, (uint32_t)ts_us);
	put32(w, caplen);
	put32(w, origlen);
	put(w, data, caplen);
	put_pad(w, caplen);
	if (cn) {
		put_opt(w, OPT_COMMENT, comment, cn);
		put_end_opts(w);
	}
	put32(w, len);
	return w->err ? -1 : 0;
}
