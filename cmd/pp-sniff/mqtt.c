/* MQTT 3.1, 3.1.1 and 5.0 over TCP: one "mqtt" record per CONNECT (client
 * id, protocol version, keep-alive), CONNACK (return code), SUBSCRIBE
 * (topic filters) and PUBLISH (topic, QoS, retain), either way
 * (pp-records(5)). Recognised by content on any port: a CONNECT with the
 * protocol name "MQTT" (level 4 or 5) or "MQIsdp" (level 3). Payloads of
 * PUBLISH, the user name, password and will message of CONNECT are never
 * read; every packet is skipped by its remaining length. At most
 * MQTT_MAX_MSGS records per direction. MQTT over WebSocket is not
 * dissected. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "dissect.h"
#include "pp.h"

#define MQTT_MAX_MSGS 64
#define MQTT_MAX_TOPICS 16

struct mqtt_state {
	size_t off[2];
	unsigned msgs[2];
	uint8_t level; /* from CONNECT: 3, 4 or 5 */
};

/* A variable byte integer (MQTT 5.0 1.5.5): 1, or 0 when the bytes are
 * short, or -1 when it runs over four bytes (not MQTT). */
static int varint(struct cur *c, uint32_t *v)
{
	uint8_t b;
	*v = 0;
	for (int i = 0; i < 4; i++) {
		if (!cur_u8(c, &b))
			return 0;
		*v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return 1;
	}
	return -1;
}

/* The fixed header at c: type, flags, remaining length (UINT32_MAX: not
 * MQTT); false while its bytes are short. */
static bool fixed_header(struct cur *c, uint8_t *type, uint8_t *flags, uint32_t *rem)
{
	uint8_t b;
	int r;
	*rem = 0;
	if (!cur_u8(c, &b))
		return false;
	*type = b >> 4, *flags = b & 15;
	if ((r = varint(c, rem)) < 0)
		*rem = UINT32_MAX;
	return r != 0;
}

/* A UTF-8 string field: u16 length and bytes. */
static bool str(struct cur *c, const uint8_t **s, uint16_t *n)
{
	return cur_u16(c, n) && (*s = cur_bytes(c, *n)) != NULL;
}

/* The CONNECT's protocol name and level at c (after the fixed header). */
static bool connect_proto(struct cur *c, uint8_t *level)
{
	const uint8_t *name;
	uint16_t n;
	bool v3;
	if (!cur_u16(c, &n))
		return false;
	if (n == 4)
		v3 = false;
	else if (n == 6)
		v3 = true;
	else
		return false;
	/* a prefix of the name may still become it: cur_bytes says short */
	size_t have = cur_left(c) < n ? cur_left(c) : n;
	if (memcmp(c->p + c->off, v3 ? "MQIsdp" : "MQTT", have))
		return false;
	if (!(name = cur_bytes(c, n)) || !cur_u8(c, level))
		return false;
	return v3 ? *level == 3 : *level == 4 || *level == 5;
}

static int mqtt_probe(const struct pp_tuple *t, bool from_orig, const uint8_t *p, size_t n, bool capped)
{
	struct cur c;
	uint8_t type, flags, level;
	uint32_t rem;
	if (!from_orig)
		return PROBE_NO;
	cur_init(&c, p, n);
	if (n >= 1 && p[0] != 0x10)
		return PROBE_NO;
	if (!fixed_header(&c, &type, &flags, &rem))
		return n < 5 ? PROBE_MORE : PROBE_NO;
	if (rem < 10 || rem == UINT32_MAX)
		return PROBE_NO;
	if (!connect_proto(&c, &level))
		return c.short_ && n < 16 ? PROBE_MORE : PROBE_NO;
	return PROBE_YES;
}

static const char *version_name(uint8_t level)
{
	return level == 3 ? "3.1" : level == 4 ? "3.1.1" : "5.0";
}

/* One complete packet [p, p+n) of type/flags: write its record. */
static void packet(struct sniff_ctx *c, struct mqtt_state *s, uint8_t type, uint8_t flags,
                   const uint8_t *p, size_t n)
{
	struct cur cu;
	const uint8_t *v;
	uint16_t vn, u16;
	uint8_t b, level;
	uint32_t plen;

	cur_init(&cu, p, n);
	switch (type) {
	case 1: /* CONNECT */
		if (!connect_proto(&cu, &level) || !cur_u8(&cu, &b) || !cur_u16(&cu, &u16))
			return;
		if (level == 5 && (varint(&cu, &plen) != 1 || !cur_skip(&cu, plen)))
			return;
		if (!str(&cu, &v, &vn))
			return;
		s->level = level;
		if (c->app)
			*c->app = "mqtt";
		sniff_rec_begin(c, "mqtt");
		jw_str(c->w, "msg", "connect");
		jw_str(c->w, "version", version_name(level));
		jw_strn(c->w, "client_id", v, vn);
		jw_uint(c->w, "keep_alive", u16);
		sniff_rec_end(c);
		return;
	case 2: /* CONNACK */
		if (!cur_u8(&cu, &b) || !cur_u8(&cu, &b))
			return;
		sniff_rec_begin(c, "mqtt");
		jw_str(c->w, "msg", "connack");
		jw_uint(c->w, "return_code", b);
		sniff_rec_end(c);
		return;
	case 3: /* PUBLISH */
		if (!str(&cu, &v, &vn) || ((flags >> 1 & 3) == 3))
			return;
		sniff_rec_begin(c, "mqtt");
		jw_str(c->w, "msg", "publish");
		jw_strn(c->w, "topic", v, vn);
		jw_uint(c->w, "qos", flags >> 1 & 3);
		if (flags & 1)
			jw_bool(c->w, "retain", true);
		sniff_rec_end(c);
		return;
	case 8: /* SUBSCRIBE */
		if (flags != 2 || !cur_u16(&cu, &u16))
			return;
		if (s->level == 5 && (varint(&cu, &plen) != 1 || !cur_skip(&cu, plen)))
			return;
		sniff_rec_begin(c, "mqtt");
		jw_str(c->w, "msg", "subscribe");
		jw_arr_open(c->w, "topics");
		for (int i = 0; i < MQTT_MAX_TOPICS && cur_left(&cu) && str(&cu, &v, &vn) && cur_u8(&cu, &b); i++)
			jw_strn(c->w, NULL, v, vn);
		jw_arr_close(c->w);
		sniff_rec_end(c);
		return;
	}
}

static int mqtt_stream(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len, bool capped)
{
	struct mqtt_state *s = *state;
	int d = c->from_orig ? 0 : 1;
	if (!s && !(s = *state = calloc(1, sizeof(*s))))
		return DIS_NOTMINE;
	for (;;) {
		struct cur cu;
		uint8_t type, flags;
		uint32_t rem;
		if (s->msgs[d] >= MQTT_MAX_MSGS)
			return DIS_DONE;
		cur_init(&cu, buf + s->off[d], len - s->off[d]);
		if (cur_left(&cu) == 0 || !fixed_header(&cu, &type, &flags, &rem))
			return capped ? DIS_DONE : DIS_MORE;
		if (rem == UINT32_MAX || type == 0)
			return s->level ? DIS_DONE : DIS_NOTMINE;
		if (d == 0 && !s->level && type != 1)
			return DIS_NOTMINE; /* a client starts with CONNECT */
		if (rem > cur_left(&cu))
			return capped ? DIS_DONE : DIS_MORE; /* the cap may cut a large PUBLISH */
		packet(c, s, type, flags, cu.p + cu.off, rem);
		if (d == 0 && !s->level)
			return DIS_NOTMINE; /* the CONNECT did not parse */
		s->off[d] += cu.off + rem;
		s->msgs[d]++;
	}
}

static void mqtt_free(void *state) { free(state); }

const struct dissector dis_mqtt = {
	.name = "mqtt", .probe = mqtt_probe, .stream = mqtt_stream, .free = mqtt_free,
};
