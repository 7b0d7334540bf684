/* DNS messages (RFC 1035 wire format) into the members of a dns record
 * (pp-records(5)): the walk that pp-sniff's dissector (cmd/pp-sniff/dns.c)
 * and pp-trace's DNS from the kernel (cmd/pp-trace/kdns*.c) share.
 *
 * Names are decompressed with loop protection (a bounded number of pointer
 * jumps; a name that outgrows 255 octets through a pointer target it has
 * seen before is a loop) and the RFC 1035 limits (labels of 1..63 octets:
 * the length byte's top bits must be 00; 255 octets in all), and written as dig(1) writes them: labels joined by dots, a dot or
 * other special character inside a label escaped with a backslash, bytes
 * outside printable ASCII as \DDD.
 *
 * Framing errors (a record that runs past the end) stop the walk; a bad name
 * or rdata whose extent is known only loses that field. Either way the
 * record says what was wrong in "malformed". TXT strings and the rdata of
 * types without a presentation form here are never written. */
#include <stdlib.h>
#include <netinet/in.h>

#include "bytes.h"
#include "dnsmsg.h"
#include "dnsnames.h"
#include "pp.h"
#include "sbuf.h"
#include "tuple.h"

#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255      /* wire octets of a whole name, RFC 1035 3.1 */
#define DNS_MAX_JUMPS 127     /* more pointers than a 255-octet name has labels: a loop */
#define DNS_MAX_ANSWERS 100   /* answers written per record; the rest counted */

enum dns_err {
	DNS_OK = 0,
	DNS_E_TRUNC,   /* ran past the end of the message */
	DNS_E_PTR,     /* compression pointer past the end of the message */
	DNS_E_LOOP,    /* compression pointers that loop */
	DNS_E_LONG,    /* name longer than 255 octets */
	DNS_E_LABEL,   /* reserved label type (0x40, 0x80) */
	DNS_E_RDATA,   /* rdata that does not match its type */
	DNS_E_OPCODE,  /* an opcode IANA has not assigned */
};

static const char *const dns_err_text[] = {
	[DNS_OK] = "",
	[DNS_E_TRUNC] = "truncated",
	[DNS_E_PTR] = "name pointer past end",
	[DNS_E_LOOP] = "name pointer loop",
	[DNS_E_LONG] = "name too long",
	[DNS_E_LABEL] = "bad label type",
	[DNS_E_RDATA] = "bad rdata",
	[DNS_E_OPCODE] = "unassigned opcode",
};

/* The message being walked: bytes, and the first problem found. */
struct dns_msg {
	const uint8_t *p;
	size_t n;
	enum dns_err err;
};

static void dns_fail(struct dns_msg *m, enum dns_err e)
{
	if (!m->err)
		m->err = e;
}

/* One label's bytes in presentation form, as dig writes them, except
 * that well-formed UTF-8 (an internationalised name sent raw, outside
 * the C1 controls) stays UTF-8 text, as tshark shows it and JSON carries
 * it; other bytes outside printable ASCII are \DDD. */
static void put_label(struct sbuf *b, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];
		size_t u;
		if (ch >= 0x80 && (u = jw_utf8_len(s + i, n - i)) > 1 && !(ch == 0xc2 && s[i + 1] < 0xa0)) {
			sb_put(b, s + i, u);
			i += u - 1;
			continue;
		}
		switch (ch) {
		case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
			sb_putc(b, '\\');
			sb_putc(b, (char)ch);
			break;
		default:
			if (ch > 0x20 && ch < 0x7f)
				sb_putc(b, (char)ch);
			else
				sb_printf(b, "\\%03u", ch);
		}
	}
}

/* Read the name at *off into b (appended). *off moves past the name's bytes
 * in place (up to its root label or first pointer) even when the name turns
 * out bad behind a pointer; it becomes DNS_NOEXTENT when that in-place part
 * itself is broken, so that the caller cannot go on. end bounds the
 * in-place part (the end of an rdata); pointers may go anywhere in the
 * message. The walk costs at most DNS_MAX_JUMPS jumps and 255 octets of
 * labels, whatever the message holds. */
#define DNS_NOEXTENT SIZE_MAX
static enum dns_err dns_name(const struct dns_msg *m, size_t *off, size_t end, struct sbuf *b)
{
	size_t pos = *off, wire = 1, start = b->len;
	size_t limit = end;  /* bound of the current stretch of labels */
	bool jumped = false, too_long = false;
	int jumps = 0;
	uint16_t seen[DNS_MAX_JUMPS]; /* pointer targets so far, to tell a loop */

	for (;;) {
		uint8_t len;
		if (pos >= limit)
			goto past_end;
		len = m->p[pos];
		if (len == 0) {
			if (!jumped)
				*off = pos + 1;
			break;
		}
		if ((len & 0xc0) == 0xc0) {
			size_t target;
			if (pos + 1 >= limit)
				goto past_end;
			target = (size_t)(len & 0x3f) << 8 | m->p[pos + 1];
			if (!jumped)
				*off = pos + 2;
			jumped = true;
			if (too_long) /* the extent is known: no need to go on */
				break;
			if (jumps == DNS_MAX_JUMPS)
				return DNS_E_LOOP;
			if (target >= m->n)
				return DNS_E_PTR;
			seen[jumps++] = (uint16_t)target;
			pos = target;
			limit = m->n;
			continue;
		}
		if (len & 0xc0) { /* 0x40 extended, 0x80 reserved: length unknown */
			if (!jumped)
				*off = DNS_NOEXTENT;
			return DNS_E_LABEL;
		}
		if (pos + 1 + len > limit)
			goto past_end;
		wire += 1u + len;
		if (wire > DNS_NAME_MAX) {
			/* Behind pointers: a loop if the last target came before. */
			for (int i = 0; i + 1 < jumps; i++)
				if (seen[i] == seen[jumps - 1])
					return DNS_E_LOOP;
			if (jumped)
				return DNS_E_LONG;
			too_long = true; /* go on only to find where it ends */
		}
		if (!too_long) {
			if (b->len > start)
				sb_putc(b, '.');
			put_label(b, m->p + pos + 1, len);
		}
		pos += 1u + len;
	}
	if (too_long)
		return DNS_E_LONG;
	if (b->len == start)
		sb_putc(b, '.');  /* the root */
	return DNS_OK;
past_end:
	if (!jumped) {
		*off = DNS_NOEXTENT;
		return DNS_E_TRUNC;
	}
	return DNS_E_PTR;
}

/* Bytes of a <character-string> or SVCB value in presentation form, with
 * the characters that would break the list syntax escaped. */
static void put_text(struct sbuf *b, const uint8_t *s, size_t n, bool list)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];
		if (ch == '\\' || ch == '"' || (list && ch == ','))
			sb_putc(b, '\\'), sb_putc(b, (char)ch);
		else if (ch > 0x20 && ch < 0x7f)
			sb_putc(b, (char)ch);
		else
			sb_printf(b, "\\%03u", ch);
	}
}

static void put_addr(struct sbuf *b, const uint8_t *a, bool v6)
{
	struct pp_addr pa;
	char s[PP_ADDRSTRLEN];
	if (v6)
		pp_addr_from6(&pa, a);
	else
		pp_addr_from4(&pa, a);
	sb_puts(b, pp_addr_fmt(&pa, s));
}

static const char *svc_key_name(uint16_t k)
{
	static const char *const names[] = {
		"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
		"dohpath", "ohttp",
	};
	return k < PP_ARRAY_LEN(names) ? names[k] : NULL;
}

static void put_svc_key(struct sbuf *b, uint16_t k)
{
	const char *s = svc_key_name(k);
	if (s)
		sb_puts(b, s);
	else
		sb_printf(b, "key%u", k);
}

/* One SvcParam value (RFC 9460 7.1 presentation forms). false if its
 * length does not fit its key. */
static bool put_svc_value(struct sbuf *b, uint16_t key, const uint8_t *v, size_t n)
{
	struct cur c;
	cur_init(&c, v, n);
	switch (key) {
	case 0: /* mandatory: list of keys */
		if (n == 0 || n % 2)
			return false;
		for (size_t i = 0; i < n; i += 2) {
			if (i)
				sb_putc(b, ',');
			put_svc_key(b, (uint16_t)(v[i] << 8 | v[i + 1]));
		}
		return true;
	case 1: /* alpn: length-prefixed ids */
		if (n == 0)
			return false;
		for (bool first = true; cur_left(&c); first = false) {
			uint8_t l;
			const uint8_t *id;
			if (!cur_u8(&c, &l) || l == 0 || !(id = cur_bytes(&c, l)))
				return false;
			if (!first)
				sb_putc(b, ',');
			put_text(b, id, l, true);
		}
		return true;
	case 2: case 8: /* no-default-alpn, ohttp: no value */
		return n == 0;
	case 3: /* port */
		if (n != 2)
			return false;
		sb_printf(b, "%u", (unsigned)(v[0] << 8 | v[1]));
		return true;
	case 4: case 6: { /* ipv4hint, ipv6hint */
		size_t al = key == 4 ? 4 : 16;
		if (n == 0 || n % al)
			return false;
		for (size_t i = 0; i < n; i += al) {
			if (i)
				sb_putc(b, ',');
			put_addr(b, v + i, key == 6);
		}
		return true;
	}
	case 5: { /* ech: base64 of the ECHConfigList */
		static const char b64[] =
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		for (size_t i = 0; i < n; i += 3) {
			uint32_t x = (uint32_t)v[i] << 16 | (i + 1 < n ? (uint32_t)v[i + 1] << 8 : 0) |
			             (i + 2 < n ? v[i + 2] : 0);
			sb_putc(b, b64[x >> 18 & 63]);
			sb_putc(b, b64[x >> 12 & 63]);
			sb_putc(b, i + 1 < n ? b64[x >> 6 & 63] : '=');
			sb_putc(b, i + 2 < n ? b64[x & 63] : '=');
		}
		return true;
	}
	default: /* dohpath and unknown keys: the value as escaped text */
		put_text(b, v, n, false);
		return true;
	}
}

/* SVCB/HTTPS rdata: "priority target key=value ...". When the parameters
 * are bad, b keeps "priority target" (what tshark shows too) with *has
 * left true, and false says the rest was malformed; *has is false when not
 * even those parse. */
static bool put_svcb(const struct dns_msg *m, size_t off, size_t end, struct sbuf *b, bool *has)
{
	struct cur c;
	uint16_t prio;
	size_t pos, good;

	cur_init(&c, m->p, end);
	c.off = off;
	*has = false;
	if (!cur_u16(&c, &prio))
		return false;
	sb_printf(b, "%u ", prio);
	pos = c.off;
	if (dns_name(m, &pos, end, b) != DNS_OK)
		return false;
	*has = true;
	good = b->len;
	c.off = pos;
	while (cur_left(&c)) {
		uint16_t key, len;
		const uint8_t *v;
		if (!cur_u16(&c, &key) || !cur_u16(&c, &len) || !(v = cur_bytes(&c, len)))
			goto bad;
		sb_putc(b, ' ');
		put_svc_key(b, key);
		if (len || (key != 2 && key != 8))
			sb_putc(b, '=');
		if (!put_svc_value(b, key, v, len))
			goto bad;
		good = b->len;
	}
	return true;
bad:
	b->len = good; /* the parameters that parsed stay */
	if (b->s)
		b->s[good] = 0;
	return false;
}

/* The data of one answer in presentation form into b; false if the rdata
 * is malformed, with b then undefined (SVCB/HTTPS: see put_svcb). Types without a form here get no
 * data (their bytes are not written out), and neither do TXT and SPF:
 * their strings are free text that can carry anything (a tunnel's payload),
 * so they count as payload. */
static bool dns_rdata(const struct dns_msg *m, uint16_t type, size_t off, size_t len,
                      struct sbuf *b, bool *has)
{
	size_t end = off + len, pos = off;
	struct cur c;

	cur_init(&c, m->p, end);
	c.off = off;
	*has = true;
	switch (type) {
	case 1: /* A */
	case 28: /* AAAA */
		if (len != (type == 1 ? 4u : 16u))
			return false;
		put_addr(b, m->p + off, type == 28);
		return true;
	case 2: case 5: case 12: case 39: /* NS, CNAME, PTR, DNAME */
		return dns_name(m, &pos, end, b) == DNS_OK && pos == end;
	case 15: { /* MX */
		uint16_t pref;
		if (!cur_u16(&c, &pref))
			return false;
		sb_printf(b, "%u ", pref);
		pos = c.off;
		return dns_name(m, &pos, end, b) == DNS_OK && pos == end;
	}
	case 16: case 99: /* TXT, SPF: free text, payload: checked, never written */
		*has = false;
		while (cur_left(&c)) {
			uint8_t l;
			if (!cur_u8(&c, &l) || !cur_skip(&c, l))
				return false;
		}
		return true;
	case 33: { /* SRV */
		uint16_t prio, weight, port;
		if (!cur_u16(&c, &prio) || !cur_u16(&c, &weight) || !cur_u16(&c, &port))
			return false;
		sb_printf(b, "%u %u %u ", prio, weight, port);
		pos = c.off;
		return dns_name(m, &pos, end, b) == DNS_OK && pos == end;
	}
	case 6: { /* SOA */
		uint32_t v[5];
		if (dns_name(m, &pos, end, b) != DNS_OK)
			return false;
		sb_putc(b, ' ');
		if (dns_name(m, &pos, end, b) != DNS_OK)
			return false;
		c.off = pos;
		for (int i = 0; i < 5; i++)
			if (!cur_u32(&c, &v[i]))
				return false;
		sb_printf(b, " %u %u %u %u %u", v[0], v[1], v[2], v[3], v[4]);
		return cur_left(&c) == 0;
	}
	case 64: case 65: /* SVCB, HTTPS */
		return put_svcb(m, off, end, b, has);
	}
	*has = false;
	return true;
}

bool pp_dns_msg_ok(const uint8_t *p, size_t n, bool cut)
{
	unsigned opcode, qd;

	/* A message the capture (or a lost fragment) cut shows what it has,
	 * as tshark does, from its id and flags on. */
	if (n < (cut ? 4u : DNS_HDR_LEN))
		return false;
	qd = n >= DNS_HDR_LEN ? (unsigned)(p[4] << 8 | p[5]) : 0;
	opcode = (p[2] >> 3) & 0xf;
	/* A cut message has less to show for itself: its header must at
	 * least look like one (an assigned opcode, a plausible question
	 * count), or it is not taken for DNS at all. */
	return !(cut && (opcode == 3 || opcode > 6 || qd > DNS_MAX_QUESTIONS));
}

/* Walk one message and write its members. */
void pp_dns_msg_write(struct jw *w, const uint8_t *p, size_t n, bool cut, const char *transport)
{
	static struct sbuf name, data; /* reused: one record at a time */
	static const char *const ops[] = {"QUERY", "IQUERY", "STATUS", "", "NOTIFY", "UPDATE", "DSO"};
	struct dns_msg m = {p, n, DNS_OK};
	uint16_t id, flags, qd, an;
	unsigned opcode, written = 0, omitted = 0;
	char tb[16];
	size_t off = DNS_HDR_LEN;
	bool framed = true; /* the walk can go on */
	bool qlist = false; /* "questions" is open */

	id = (uint16_t)(p[0] << 8 | p[1]);
	flags = (uint16_t)(p[2] << 8 | p[3]);
	qd = n >= DNS_HDR_LEN ? (uint16_t)(p[4] << 8 | p[5]) : 0;
	an = n >= DNS_HDR_LEN ? (uint16_t)(p[6] << 8 | p[7]) : 0;
	opcode = (flags >> 11) & 0xf;
	jw_str(w, "msg", flags & 0x8000 ? "response" : "query");
	jw_uint(w, "id", id);
	if (opcode == 3 || opcode > 6) { /* unassigned: read on, flagged */
		snprintf(tb, sizeof(tb), "OPCODE%u", opcode);
		jw_str(w, "opcode", tb);
		dns_fail(&m, DNS_E_OPCODE);
	} else if (opcode) {
		jw_str(w, "opcode", ops[opcode]);
	}

	/* Questions: the first as qname/qtype, all of them in "questions" when
	 * there are several (mDNS asks many at once). */
	for (unsigned i = 0; i < qd; i++) {
		enum dns_err e;
		uint16_t qtype, qclass;
		sb_reset(&name);
		e = dns_name(&m, &off, n, &name);
		if (off == DNS_NOEXTENT || off + 4 > n) {
			dns_fail(&m, e ? e : DNS_E_TRUNC);
			framed = false;
			break;
		}
		dns_fail(&m, e);
		qtype = (uint16_t)(p[off] << 8 | p[off + 1]);
		qclass = (uint16_t)((p[off + 2] << 8 | p[off + 3]) & 0x7fff); /* mDNS QU bit */
		off += 4;
		if (i == 0) {
			if (e == DNS_OK)
				jw_str(w, "qname", name.s);
			jw_str(w, "qtype", pp_dns_type_name(qtype, tb, sizeof(tb)));
			if (qclass != 1)
				jw_str(w, "qclass", pp_dns_class_name(qclass, tb, sizeof(tb)));
			if (qd > 1) {
				jw_arr_open(w, "questions");
				qlist = true;
			}
		}
		if (qd > 1 && i < DNS_MAX_QUESTIONS) {
			jw_obj_open(w, NULL);
			if (e == DNS_OK)
				jw_str(w, "name", name.s);
			jw_str(w, "type", pp_dns_type_name(qtype, tb, sizeof(tb)));
			jw_obj_close(w);
		}
	}
	if (qlist)
		jw_arr_close(w);
	if (flags & 0x8000)
		jw_str(w, "rcode", pp_dns_rcode_name(flags & 0xf, tb, sizeof(tb)));

	for (unsigned i = 0; framed && i < an; i++) {
		enum dns_err e;
		uint16_t type, rdlen;
		uint32_t ttl;
		bool has = false, ok;
		sb_reset(&name);
		e = dns_name(&m, &off, n, &name);
		if (off == DNS_NOEXTENT || off + 10 > n) {
			dns_fail(&m, e ? e : DNS_E_TRUNC);
			break;
		}
		dns_fail(&m, e);
		type = (uint16_t)(p[off] << 8 | p[off + 1]);
		ttl = (uint32_t)p[off + 4] << 24 | (uint32_t)p[off + 5] << 16 |
		      (uint32_t)p[off + 6] << 8 | p[off + 7];
		rdlen = (uint16_t)(p[off + 8] << 8 | p[off + 9]);
		off += 10;
		if (rdlen > n - off) {
			dns_fail(&m, DNS_E_TRUNC);
			break;
		}
		if (written >= DNS_MAX_ANSWERS) {
			omitted++;
			off += rdlen;
			continue;
		}
		sb_reset(&data);
		ok = dns_rdata(&m, type, off, rdlen, &data, &has);
		if (!ok)
			dns_fail(&m, DNS_E_RDATA);
		if (written++ == 0)
			jw_arr_open(w, "answers");
		jw_obj_open(w, NULL);
		if (e == DNS_OK)
			jw_str(w, "name", name.s);
		jw_str(w, "type", pp_dns_type_name(type, tb, sizeof(tb)));
		jw_uint(w, "ttl", ttl);
		if (has && (ok || type == 64 || type == 65)) /* SVCB: what parsed */
			jw_strn(w, "data", data.s ? data.s : "", data.len);
		jw_obj_close(w);
		off += rdlen;
	}
	if (written)
		jw_arr_close(w);
	if (omitted)
		jw_uint(w, "answers_omitted", omitted);
	jw_str(w, "transport", transport);
	/* A message the capture cut (or whose datagram lost its other
	 * fragments) ends short through no fault of its own. */
	if (cut)
		jw_bool(w, "cut", true);
	if (m.err && !(cut && (m.err == DNS_E_TRUNC || m.err == DNS_E_PTR)))
		jw_str(w, "malformed", dns_err_text[m.err]);
}

/* Is p[0..n) one whole DNS message, by content alone (any port)? Every
 * section must parse, to the last byte, with sane counts: one question
 * (name, a type, class IN/CH/HS/NONE/ANY), at most DNS_SANE_RRS records,
 * an assigned opcode. A datagram of another protocol passing all that by
 * chance is not something we have met. */
#define DNS_SANE_RRS 256
bool dns_looks_like(const uint8_t *p, size_t n)
{
	struct dns_msg m = {p, n, DNS_OK};
	static struct sbuf scratch;
	size_t off = DNS_HDR_LEN;
	unsigned opcode, qd, rrs;

	if (n < DNS_HDR_LEN + 5)
		return false;
	opcode = (p[2] >> 3) & 0xf;
	qd = (unsigned)(p[4] << 8 | p[5]);
	rrs = (unsigned)(p[6] << 8 | p[7]) + (unsigned)(p[8] << 8 | p[9]) + (unsigned)(p[10] << 8 | p[11]);
	if (opcode == 3 || opcode > 6 || qd != 1 || rrs > DNS_SANE_RRS || (p[3] & 0x40))
		return false; /* the Z bit is zero */
	sb_reset(&scratch);
	if (dns_name(&m, &off, n, &scratch) != DNS_OK || off == DNS_NOEXTENT || off + 4 > n)
		return false;
	uint16_t qt = (uint16_t)(p[off] << 8 | p[off + 1]), qc = (uint16_t)((p[off + 2] << 8 | p[off + 3]) & 0x7fff);
	if (qt == 0 || (qc != 1 && qc != 3 && qc != 4 && qc != 254 && qc != 255))
		return false;
	off += 4;
	for (unsigned i = 0; i < rrs; i++) {
		sb_reset(&scratch);
		if (dns_name(&m, &off, n, &scratch) != DNS_OK || off == DNS_NOEXTENT || off + 10 > n)
			return false;
		uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);
		size_t rdlen = (size_t)(p[off + 8] << 8 | p[off + 9]);
		if (type == 0 || rdlen > n - off - 10)
			return false;
		off += 10 + rdlen;
	}
	return off == n;
}

