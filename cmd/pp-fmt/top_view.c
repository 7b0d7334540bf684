/* The model and the screen of --top: per-process connection counts and
 * bytes, and the newest events.
 *
 * Bytes come from sock close records (tx_bytes/rx_bytes, final totals) and
 * flow update/end records (orig_bytes/resp_bytes, running totals). Both
 * describe the same connection when pp-join merged the streams, so each
 * connection (by community_id, else by its 5-tuple) remembers what it has
 * counted already and only the growth is added: nothing is counted twice. */
#include "top_view.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "htab.h"
#include "human.h"
#include "pp.h"
#include "xalloc.h"

#define MAX_PROCS 4096
#define MAX_CONNS (1u << 15)
#define NEVENTS 256

struct proc {
	long long pid; /* -1: not attributed to a process */
	char comm[64];
	unsigned long conns, open, listen;
	double tx, rx, prev_total, rate;
	char last_dst[96];
};

struct conn {
	double tx, rx;
	bool open;
	unsigned owner; /* 1 + index of the process it belongs to, 0: none yet */
};

struct topview {
	struct fmt_opts o;
	struct proc *procs;
	size_t nprocs;
	struct htab conns; /* struct conn by the hash of its identity */
	char *events[NEVENTS]; /* ring, newest at (head - 1) */
	size_t head, nevents;
	unsigned long records;
	double last_draw;
	struct sbuf tmp;
};

struct topview *tv_new(bool numeric, bool utc, bool color)
{
	struct topview *v = xcalloc(1, sizeof(*v));
	v->o.human = true;
	v->o.numeric = numeric;
	v->o.utc = utc;
	v->o.color = color;
	v->procs = xcalloc(MAX_PROCS, sizeof(*v->procs));
	ht_init(&v->conns);
	v->last_draw = pp_mono();
	sb_init(&v->tmp);
	return v;
}

static void forget_conns(struct htab *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(ht_at(t, i));
	ht_free(t);
}

void tv_free(struct topview *v)
{
	for (size_t i = 0; i < NEVENTS; i++)
		free(v->events[i]);
	free(v->procs);
	forget_conns(&v->conns);
	sb_free(&v->tmp);
	free(v);
}

/* Terminal-safe copy: controls become '?'. */
static void safe_copy(char *dst, size_t cap, const char *s)
{
	size_t i;
	for (i = 0; s[i] && i + 1 < cap; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[i] = '\0';
}

static struct proc *proc_of(struct topview *v, struct rec *r)
{
	long long pid = -1;
	const char *comm = rec_str(r, "comm");
	char name[64];
	struct proc *p;

	if (!rec_i64(r, "pid", &pid))
		pid = -1;
	safe_copy(name, sizeof(name), comm ? comm : pid >= 0 ? "?" : "(unknown)");
	for (size_t i = 0; i < v->nprocs; i++)
		if (v->procs[i].pid == pid && !strcmp(v->procs[i].comm, name))
			return &v->procs[i];
	if (v->nprocs == MAX_PROCS) {
		/* Past the cap everything new shares the last row. */
		p = &v->procs[MAX_PROCS - 1];
		p->pid = -1;
		snprintf(p->comm, sizeof(p->comm), "(others)");
		return p;
	}
	p = &v->procs[v->nprocs++];
	p->pid = pid;
	memcpy(p->comm, name, sizeof(name));
	return p;
}

/* The connection a record is about, or NULL for records without one. */
static struct conn *conn_of(struct topview *v, struct rec *r)
{
	const char *cid = rec_str(r, "community_id");
	struct conn *c;
	uint64_t h;

	if (cid) {
		h = pp_hash(cid, strlen(cid));
	} else {
		static const char *const keys[] = {"proto", "src", "sport", "dst", "dport"};
		struct sbuf *b = &v->tmp;
		sb_reset(b);
		for (size_t k = 0; k < PP_ARRAY_LEN(keys); k++) {
			if (!fmt_key_text(r, keys[k], b))
				return NULL;
			sb_putc(b, '|');
		}
		h = pp_hash(b->s, b->len);
	}
	/* The 64-bit hash is the connection's identity. */
	if ((c = ht_get(&v->conns, h, NULL, NULL)) != NULL)
		return c;
	if (v->conns.n >= MAX_CONNS) {
		/* Bounded memory on endless streams: forget old connections
		 * (their later records then count as new ones). */
		forget_conns(&v->conns);
		ht_init(&v->conns);
	}
	c = xcalloc(1, sizeof(*c));
	ht_put(&v->conns, h, c);
	return c;
}

static void add_bytes(struct proc *p, struct conn *c, double tx, double rx)
{
	if (tx > c->tx) {
		p->tx += tx - c->tx;
		c->tx = tx;
	}
	if (rx > c->rx) {
		p->rx += rx - c->rx;
		c->rx = rx;
	}
}

/* An event is kept as its display fields separated by EV_SEP (controls are
 * made safe at render time, so the separator cannot come from a record). */
#define EV_SEP '\x1f'
#define EV_FIELDS 7

static void remember_event(struct topview *v, struct rec *r)
{
	static const char *const cols[] = {"time", "type", "event", "source", "destination"};
	struct sbuf line;
	const char *comm = rec_str(r, "comm");
	long long pid;
	size_t from;

	sb_init(&line);
	for (size_t c = 0; c < PP_ARRAY_LEN(cols); c++) {
		fmt_value(r, cols[c], &v->o, &line);
		sb_putc(&line, EV_SEP);
	}
	if (comm) {
		sb_puts(&line, comm);
		if (rec_i64(r, "pid", &pid))
			sb_printf(&line, "[%lld]", pid);
	}
	sb_putc(&line, EV_SEP);
	from = line.len;
	fmt_value(r, "info", &v->o, &line);
	sb_puts(&line, "");
	/* A separator byte inside a value would shift the columns. */
	for (size_t i = 0; i < line.len; i++)
		if (line.s[i] == EV_SEP && i >= from)
			line.s[i] = '?';
	free(v->events[v->head]);
	v->events[v->head] = sb_steal(&line);
	sb_free(&line);
	v->head = (v->head + 1) % NEVENTS;
	if (v->nevents < NEVENTS)
		v->nevents++;
}

/* Field f of an event: start and length. */
static const char *ev_field(const char *e, int f, size_t *len)
{
	for (; f > 0 && *e; f--) {
		const char *sep = strchr(e, EV_SEP);
		if (!sep)
			return e + strlen(e);
		e = sep + 1;
	}
	{
		const char *sep = strchr(e, EV_SEP);
		*len = sep ? (size_t)(sep - e) : strlen(e);
	}
	return e;
}

static size_t cp_width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

void tv_record(struct topview *v, struct rec *r)
{
	const char *type = rec_str(r, "type"), *ev = rec_str(r, "event");
	const char *dir = rec_str(r, "dir");
	struct proc *p;
	struct conn *c = NULL;
	double a, b;
	bool is_sock, is_flow;

	v->records++;
	remember_event(v, r);
	is_sock = type && !strcmp(type, "sock");
	is_flow = type && !strcmp(type, "flow");
	if ((is_sock && !(ev && !strcmp(ev, "listen"))) || is_flow)
		c = conn_of(v, r);
	/* A sniffed record that pp-join did not attribute belongs to the
	 * process whose socket the connection is, when that was seen. */
	if (c && c->owner && rec_find(r, "pid") < 0 && rec_find(r, "comm") < 0)
		p = &v->procs[c->owner - 1];
	else
		p = proc_of(v, r);
	if (c && !c->owner)
		c->owner = (unsigned)(p - v->procs) + 1;
	if (!type)
		return;
	if (rec_find(r, "dst") >= 0) {
		sb_reset(&v->tmp);
		fmt_value(r, "destination", &v->o, &v->tmp);
		sb_puts(&v->tmp, "");
		safe_copy(p->last_dst, sizeof(p->last_dst), v->tmp.s);
	}
	if (is_sock && ev && !strcmp(ev, "listen")) {
		p->listen++;
		return;
	}
	if (!is_sock && !is_flow)
		return;
	{
		bool ending = ev && (!strcmp(ev, "close") || !strcmp(ev, "end"));
		if (!c)
			return;
		if (!c->open && c->tx == 0 && c->rx == 0 && !ending) {
			p->conns++;
			p->open++;
			c->open = true;
		} else if (!c->open && c->tx == 0 && c->rx == 0 && ending) {
			p->conns++; /* its start was not seen */
		}
		if (is_sock) {
			bool has_tx = rec_num(r, "tx_bytes", &a), has_rx = rec_num(r, "rx_bytes", &b);
			if (has_tx || has_rx)
				add_bytes(p, c, has_tx ? a : 0, has_rx ? b : 0);
		} else {
			a = b = 0;
			rec_num(r, "orig_bytes", &a);
			rec_num(r, "resp_bytes", &b);
			/* The originator sends orig_bytes, unless the process
			 * is the side that accepted. */
			if (dir && !strcmp(dir, "in"))
				add_bytes(p, c, b, a);
			else
				add_bytes(p, c, a, b);
		}
		if (ending && c->open) {
			c->open = false;
			if (p->open)
				p->open--;
		}
	}
}

static int cmp_procs(const void *pa, const void *pb)
{
	const struct proc *a = pa, *b = pb;
	if (a->rate != b->rate)
		return a->rate > b->rate ? -1 : 1;
	if (a->tx + a->rx != b->tx + b->rx)
		return a->tx + a->rx > b->tx + b->rx ? -1 : 1;
	if (a->conns != b->conns)
		return a->conns > b->conns ? -1 : 1;
	return strcmp(a->comm, b->comm);
}

/* Append s cut to width columns (code points), padded when pad. */
static void cell(struct sbuf *out, const char *s, int width, bool pad, bool right)
{
	int n = 0;
	size_t k = 0;
	while (s[k] && n < width) {
		k++;
		while (((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		n++;
	}
	if (right)
		for (int i = n; i < width; i++)
			sb_putc(out, ' ');
	sb_put(out, s, k);
	if (pad && !right)
		for (int i = n; i < width; i++)
			sb_putc(out, ' ');
}

static void endline(struct sbuf *out)
{
	sb_puts(out, "\x1b[K\r\n");
}

void tv_render(struct topview *v, struct sbuf *out, int rows, int cols, unsigned long read,
               const char *status)
{
	double now = pp_mono(), dt = now - v->last_draw;
	int row = 0, prow;
	struct sbuf line, num;
	struct proc *sorted;
	char clock[64];

	if (dt <= 0)
		dt = 1e-9;
	for (size_t i = 0; i < v->nprocs; i++) {
		struct proc *p = &v->procs[i];
		p->rate = (p->tx + p->rx - p->prev_total) / dt;
		p->prev_total = p->tx + p->rx;
	}
	v->last_draw = now;
	sorted = xcalloc(v->nprocs ? v->nprocs : 1, sizeof(*sorted));
	memcpy(sorted, v->procs, v->nprocs * sizeof(*sorted));
	qsort(sorted, v->nprocs, sizeof(*sorted), cmp_procs);

	sb_init(&line);
	sb_init(&num);
	pp_fmt_time((double)pp_now_us() / 1e6, v->o.utc, 0, clock, sizeof(clock));
	sb_puts(out, "\x1b[H");
	sb_printf(&line, "pp-fmt --top  %s  records %lu", clock, read);
	if (read != v->records)
		sb_printf(&line, "  shown %lu", v->records);
	sb_printf(&line, "  processes %zu  %s", v->nprocs, status);
	if (v->o.color)
		sb_puts(out, "\x1b[7m");
	cell(out, line.s, cols, v->o.color, false);
	if (v->o.color)
		sb_puts(out, "\x1b[0m");
	endline(out);
	row++;

	/* The processes get up to half of the screen, the events the rest. */
	prow = (rows - 4) / 2;
	if (prow < 1)
		prow = 1;
	sb_reset(&line);
	sb_printf(&line, "%7s %-16s %6s %5s %6s %8s %8s %10s  %s", "PID", "PROCESS", "CONNS",
	          "OPEN", "LISTEN", "TX", "RX", "RATE", "LAST DESTINATION");
	if (v->o.color)
		sb_puts(out, "\x1b[1m");
	cell(out, line.s, cols, false, false);
	if (v->o.color)
		sb_puts(out, "\x1b[0m");
	endline(out);
	row++;
	for (size_t i = 0; i < v->nprocs && (int)i < prow && row < rows; i++) {
		struct proc *p = &sorted[i];
		char pid[24], tx[24], rx[24], rate[32];
		sb_reset(&num);
		hum_bytes(p->tx, &num);
		snprintf(tx, sizeof(tx), "%s", num.s);
		sb_reset(&num);
		hum_bytes(p->rx, &num);
		snprintf(rx, sizeof(rx), "%s", num.s);
		sb_reset(&num);
		hum_bytes(p->rate, &num);
		snprintf(rate, sizeof(rate), "%s/s", num.s);
		if (p->pid >= 0)
			snprintf(pid, sizeof(pid), "%lld", p->pid);
		else
			snprintf(pid, sizeof(pid), "-");
		sb_reset(&line);
		sb_printf(&line, "%7s %-16.16s %6lu %5lu %6lu %8s %8s %10s  %s", pid, p->comm, p->conns,
		          p->open, p->listen, tx, rx, rate, p->last_dst);
		cell(out, line.s, cols, false, false);
		endline(out);
		row++;
	}
	if (row < rows) {
		endline(out);
		row++;
	}
	if (row < rows) {
		sb_reset(&line);
		sb_printf(&line, "NEWEST EVENTS");
		if (v->o.color)
			sb_puts(out, "\x1b[1m");
		cell(out, line.s, cols, false, false);
		if (v->o.color)
			sb_puts(out, "\x1b[0m");
		endline(out);
		row++;
	}
	{
		/* Column widths from the events that are on the screen, capped
		 * so that one long address does not push the rest away. */
		static const size_t cap[EV_FIELDS] = {12, 6, 8, 28, 32, 24, 0};
		size_t w[EV_FIELDS] = {0};
		size_t shown = v->nevents < (size_t)(rows - row) ? v->nevents : (size_t)(rows - row);
		for (size_t i = 0; i < shown; i++) {
			const char *e = v->events[(v->head + NEVENTS - 1 - i) % NEVENTS];
			for (int f = 0; f < EV_FIELDS - 1; f++) {
				size_t n = 0;
				const char *fs = ev_field(e, f, &n);
				size_t cw = cp_width(fs, n);
				if (cw > cap[f])
					cw = cap[f];
				if (cw > w[f])
					w[f] = cw;
			}
		}
		for (size_t i = 0; i < shown; i++) {
			const char *e = v->events[(v->head + NEVENTS - 1 - i) % NEVENTS];
			sb_reset(&line);
			for (int f = 0; f < EV_FIELDS; f++) {
				size_t n = 0, at = line.len;
				const char *fs = ev_field(e, f, &n);
				char safe[512];
				snprintf(safe, sizeof(safe), "%.*s", (int)n, fs);
				safe_copy(safe, sizeof(safe), safe);
				if (f < EV_FIELDS - 1) {
					cell(&line, safe, (int)w[f], true, false);
					if (w[f] || line.len > at)
						sb_putc(&line, ' ');
				} else {
					sb_puts(&line, safe);
				}
			}
			sb_puts(&line, "");
			cell(out, line.s, cols, false, false);
			/* The last row ends without a newline: no scrolling. */
			if (row + 1 < rows)
				endline(out);
			else
				sb_puts(out, "\x1b[K");
			row++;
		}
	}
	sb_puts(out, "\x1b[J");
	sb_free(&line);
	sb_free(&num);
	free(sorted);
}
