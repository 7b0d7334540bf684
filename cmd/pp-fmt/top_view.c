/* --top's screen: two views over the model (top_model.c), the way RustNet,
 * htop and nethogs users know them.
 *
 *   processes    one row per program (g: pid, container, user, destination)
 *   connections  one row per connection side: protocol, local, remote,
 *                state, service, DPI, bandwidth down/up, bytes, process,
 *                idle time; closed ones stay as history, dimmed
 *
 * Columns are laid out for the terminal's width: each has a minimum, a
 * maximum and a priority; on a narrow terminal the least important go first
 * (they are still in the detail pane), on a wide one the flexible columns
 * grow to their content. Everything from a record is printed through
 * termsafe. The selected row is marked with '>' (and reverse video when
 * colours are on), so the view works without colours too. */
#include "top_view.h"

#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "fmt.h"
#include "htab.h"
#include "human.h"
#include "pp.h"
#include "termsafe.h"
#include "xalloc.h"
#include "top_model.h"

enum { VIEW_PROCS, VIEW_CONNS };
enum { G_PROGRAM, G_PID, G_CONTAINER, G_USER, G_DEST, G_N };
static const char *const group_name[G_N] = {"program", "pid", "container", "user",
                                            "destination"};
static const char *const group_title[G_N] = {"PROGRAM", "PID", "CONTAINER", "USER",
                                             "DESTINATION"};

#define STALE_IDLE 30.0 /* an open connection idle this long is shown yellow */

struct colspec {
	const char *title;
	int min, max;
	bool right;
	int drop; /* 0: always shown; else the highest goes first when narrow */
	bool num; /* sorts as a number, descending first */
};

enum { P_NAME, P_PROCS, P_CONNS, P_OPEN, P_LISTEN, P_DOWN, P_UP, P_RX, P_TX, P_IDLE, P_DEST, P_N };
static const struct colspec pcols[P_N] = {
	{"PROGRAM", 12, 32, false, 0, false}, {"PROCS", 6, 6, true, 9, true},
	{"CONNS", 6, 7, true, 0, true},       {"OPEN", 5, 6, true, 0, true},
	{"LISTEN", 7, 7, true, 8, true},      {"DOWN/s", 8, 9, true, 0, true},
	{"UP/s", 8, 9, true, 0, true},        {"RX", 7, 8, true, 0, true},
	{"TX", 7, 8, true, 0, true},          {"IDLE", 6, 7, true, 7, true},
	{"LAST DESTINATION", 12, 48, false, 1, false},
};

enum { C_PROTO, C_LOCAL, C_REMOTE, C_STATE, C_SERVICE, C_DPI, C_DOWN, C_UP, C_RX, C_TX,
       C_PROCESS, C_IDLE, C_N };
static const struct colspec ccols[C_N] = {
	{"PROTO", 5, 6, false, 0, false},       {"LOCAL", 21, 47, false, 9, false},
	{"REMOTE", 21, 47, false, 0, false},    {"STATE", 8, 12, false, 0, false},
	{"SERVICE", 8, 12, false, 6, false},    {"DPI", 10, 48, false, 0, false},
	{"DOWN/s", 7, 9, true, 0, true},        {"UP/s", 7, 9, true, 0, true},
	{"RX", 7, 8, true, 8, true},            {"TX", 7, 8, true, 8, true},
	{"PROCESS", 8, 28, false, 0, false},    {"IDLE", 6, 7, true, 7, true},
};

struct tgroup {
	char name[160];
	unsigned long procs, conns, open, listen;
	double down, up, rx, tx, last_seen, dest_seen;
	char dest[160];
	long long lastpid;
};

struct trow {
	struct tconn *c;
	struct tgroup *g;
	size_t skey; /* text columns: the sort key's offset in topview.skeys */
	double nkey;
};

/* A cell of the frame: its safe text (offset and length in
 * topview.cellbuf) and its columns, made once per frame for the layout
 * and the drawing both. */
struct tcell {
	size_t off, len;
	size_t width;
	unsigned gen; /* == topview.gen: made in this frame */
};

#define MEASURED_ROWS 2000 /* the layout fits columns to this many rows */
#define NCOLS_MAX ((int)C_N > (int)P_N ? (int)C_N : (int)P_N)

struct topview {
	struct tmodel m;
	struct fmt_opts o;
	int view, group;
	int sort[2];
	bool desc[2];
	int sel[2], top[2];
	bool vis[2][16]; /* columns shown at the last frame: s cycles those */
	bool detail, help, hide_closed;
	int detail_top;
	int page; /* rows of the table or detail at the last frame */
	/* Enter on a process row: the connection view shows only that group. */
	bool restricted;
	int restrict_group;
	char restrict_key[160];
	/* The live filter and its prompt. */
	struct filter live;
	bool prompt;
	char ftext[512], fsaved[512], ferr[200];
	/* Per frame. */
	struct tgroup *groups;
	size_t ngroups;
	struct trow *rows;
	size_t nrows;
	uint64_t selected_key; /* the selection follows its row when rows move */
	double down, up;
	unsigned long open;
	/* Buffers kept from frame to frame (a frame is drawn at every key):
	 * the sort keys, the cells, and scratch for raw and safe text. */
	struct sbuf skeys, cellbuf, raw, safe;
	struct tcell *cells; /* MEASURED_ROWS x NCOLS_MAX at most */
	size_t cellcap;
	unsigned gen;
	long long clock_sec; /* the clock of line 1, made once a second */
	char clock[64];
	/* hum_bytes' text of recent values (a printf of a double each, for
	 * every byte and rate cell of every frame, most of them the same). */
	struct bytes_memo {
		uint64_t bits;
		unsigned char len; /* 0: empty */
		char text[15];
	} bytes_memo[64];
};

struct topview *tv_new(bool numeric, bool utc, bool color)
{
	struct topview *v = xcalloc(1, sizeof(*v));
	tm_init(&v->m);
	v->o.human = true;
	v->o.numeric = numeric;
	v->o.utc = utc;
	v->o.color = color;
	v->sort[VIEW_PROCS] = P_DOWN;
	v->sort[VIEW_CONNS] = C_DOWN;
	v->desc[0] = v->desc[1] = true;
	v->page = 10;
	v->clock_sec = -1;
	memset(v->vis, 1, sizeof(v->vis));
	return v;
}

static void free_rows(struct topview *v)
{
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
	free(v->groups);
	v->groups = NULL;
	v->ngroups = 0;
}

void tv_free(struct topview *v)
{
	free_rows(v);
	tm_free(&v->m);
	filter_free(&v->live);
	sb_free(&v->skeys);
	sb_free(&v->cellbuf);
	sb_free(&v->raw);
	sb_free(&v->safe);
	free(v->cells);
	free(v);
}

void tv_record(struct topview *v, struct rec *r)
{
	tm_record(&v->m, r);
}

/* ---- groups ------------------------------------------------------------------- */

static const char *user_of(const struct tconn *c, char *buf, size_t len)
{
	static struct {
		long uid;
		char name[160];
	} cache[64];
	static int ncache;
	const char *u = tc_get(c, "user"), *uid = tc_get(c, "uid");
	long id;
	if (u)
		return u;
	if (!uid)
		return "(unknown)";
	id = strtol(uid, NULL, 10);
	for (int i = 0; i < ncache; i++)
		if (cache[i].uid == id)
			return cache[i].name;
	{
		struct passwd pw, *res = NULL;
		char pwbuf[1024];
		if (getpwuid_r((uid_t)id, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
			snprintf(buf, len, "%s", res->pw_name);
		else
			snprintf(buf, len, "uid %ld", id);
	}
	if (ncache < 64) {
		cache[ncache].uid = id;
		snprintf(cache[ncache].name, sizeof(cache[ncache].name), "%s", buf);
		ncache++;
	}
	return buf;
}

static void dest_of(const struct tconn *c, char *buf, size_t len)
{
	const char *name = tc_get(c, "dst_name"), *sni = tc_get(c, "sni");
	const char *addr = c->side == SIDE_IN ? tc_get(c, "src") : tc_get(c, "dst");
	if (c->side == SIDE_LISTEN)
		tm_cat(buf, len, "(listening)", NULL);
	else if (c->side == SIDE_OUT && (name || sni))
		tm_cat(buf, len, name ? name : sni, NULL);
	else
		tm_cat(buf, len, addr ? addr : "(unknown)", NULL);
}

static void group_key(const struct tconn *c, int g, char *buf, size_t len)
{
	const char *comm = tc_get(c, "comm"), *pid = tc_get(c, "pid"), *ct;
	char tmp[160];
	switch (g) {
	case G_PROGRAM:
		tm_cat(buf, len, comm ? comm : "(unknown)", NULL);
		break;
	case G_PID:
		if (pid)
			tm_cat(buf, len, pid, " ", comm ? comm : "", NULL);
		else
			tm_cat(buf, len, "(unknown)", NULL);
		break;
	case G_CONTAINER:
		ct = tc_get(c, "container");
		snprintf(buf, len, "%.12s", ct && *ct ? ct : "(host)");
		break;
	case G_USER:
		tm_cat(buf, len, user_of(c, tmp, sizeof(tmp)), NULL);
		break;
	default:
		dest_of(c, buf, len);
	}
}

static bool visible(const struct topview *v, const struct tconn *c)
{
	return c->match == 1;
}

static bool same_name(const void *item, const void *key)
{
	return !strcmp(((const struct tgroup *)item)->name, key);
}

static void build_groups(struct topview *v)
{
	/* Groups by name, and the set of (group, pid) pairs for the distinct
	 * processes of each (keyed by the hash alone: pp_hash_u64 is a
	 * bijection, so equal hashes are equal pairs). At most one group per
	 * entry: the array never moves while the table points into it. */
	struct htab byname, pids;
	ht_init(&byname);
	ht_init(&pids);
	v->groups = xreallocarray(NULL, v->m.n, sizeof(*v->groups));
	v->ngroups = 0;
	for (size_t i = 0; i < v->m.n; i++) {
		struct tconn *c = v->m.c[i];
		char key[160], dest[160];
		uint64_t h;
		struct tgroup *g;
		const char *pid;
		if (!visible(v, c))
			continue;
		group_key(c, v->group, key, sizeof(key));
		h = pp_hash(key, strlen(key));
		if (!(g = ht_get(&byname, h, same_name, key))) {
			g = &v->groups[v->ngroups++];
			memset(g, 0, sizeof(*g));
			tm_cat(g->name, sizeof(g->name), key, NULL);
			g->lastpid = -1;
			ht_put(&byname, h, g);
		}
		pid = tc_get(c, "pid");
		if (pid) {
			uint64_t k = pp_hash_u64((uint64_t)(g - v->groups) << 32 |
			                         (uint64_t)strtoul(pid, NULL, 10));
			if (!ht_get(&pids, k, NULL, NULL)) {
				ht_put(&pids, k, g);
				g->procs++;
			}
		}
		if (c->retired) {
			g->conns += c->folded;
		} else if (c->side == SIDE_LISTEN) {
			if (!c->closed)
				g->listen++;
		} else {
			g->conns++;
			if (!c->closed)
				g->open++;
		}
		g->down += c->down;
		g->up += c->up;
		g->rx += c->rx;
		g->tx += c->tx;
		if (c->last_seen > g->last_seen)
			g->last_seen = c->last_seen;
		if (c->side != SIDE_LISTEN && !c->retired && c->last_seen >= g->dest_seen) {
			char r[160];
			dest_of(c, dest, sizeof(dest));
			tc_remote(c, r, sizeof(r));
			if (strcmp(dest, r) && c->side == SIDE_OUT) {
				const char *port = strrchr(r, ':');
				tm_cat(g->dest, sizeof(g->dest), dest, port ? port : "", NULL);
			} else {
				tm_cat(g->dest, sizeof(g->dest), r, NULL);
			}
			g->dest_seen = c->last_seen;
		}
	}
	ht_free(&byname);
	ht_free(&pids);
}

/* ---- cells -------------------------------------------------------------------- */

static void idle_text(double now, double t, struct sbuf *out)
{
	if (t <= 0) {
		sb_puts(out, "-");
		return;
	}
	if (now - t < 60)
		sb_printf(out, "%.0fs", now - t < 0 ? 0 : floor(now - t));
	else
		hum_duration(floor(now - t), out);
}

static void bytes_text(struct topview *v, double b, struct sbuf *out)
{
	uint64_t bits;
	size_t at = out->len, len;
	struct bytes_memo *m;
	memcpy(&bits, &b, sizeof(bits));
	m = &v->bytes_memo[pp_hash_u64(bits) % PP_ARRAY_LEN(v->bytes_memo)];
	if (m->len && m->bits == bits) {
		sb_put(out, m->text, m->len);
		return;
	}
	hum_bytes(b, out);
	len = out->len - at;
	if (len > 0 && len <= sizeof(m->text)) {
		m->bits = bits;
		m->len = (unsigned char)len;
		memcpy(m->text, out->s + at, len);
	}
}

/* Raw (not yet terminal-safe) text of a cell. */
static void cell_text(struct topview *v, const struct trow *row, int col, double now,
                      struct sbuf *out)
{
	char buf[512];
	if (v->view == VIEW_PROCS) {
		const struct tgroup *g = row->g;
		switch (col) {
		case P_NAME: sb_puts(out, g->name); break;
		case P_PROCS: sb_printf(out, "%lu", g->procs); break;
		case P_CONNS: sb_printf(out, "%lu", g->conns); break;
		case P_OPEN: sb_printf(out, "%lu", g->open); break;
		case P_LISTEN: sb_printf(out, "%lu", g->listen); break;
		case P_DOWN: bytes_text(v, g->down, out); break;
		case P_UP: bytes_text(v, g->up, out); break;
		case P_RX: bytes_text(v, g->rx, out); break;
		case P_TX: bytes_text(v, g->tx, out); break;
		case P_IDLE: idle_text(now, g->last_seen, out); break;
		case P_DEST: sb_puts(out, g->dest); break;
		}
		return;
	}
	{
		const struct tconn *c = row->c;
		switch (col) {
		case C_PROTO:
			sb_puts(out, tc_get(c, "proto") ? tc_get(c, "proto") : "-");
			break;
		case C_LOCAL: tc_local(c, buf, sizeof(buf)); sb_puts(out, buf); break;
		case C_REMOTE: tc_remote(c, buf, sizeof(buf)); sb_puts(out, buf); break;
		case C_STATE: sb_puts(out, tc_state(c)); break;
		case C_SERVICE: tc_service(c, v->o.numeric, buf, sizeof(buf)); sb_puts(out, buf); break;
		case C_DPI: tc_dpi(c, buf, sizeof(buf)); sb_puts(out, buf); break;
		case C_DOWN: bytes_text(v, c->down, out); break;
		case C_UP: bytes_text(v, c->up, out); break;
		case C_RX: bytes_text(v, c->rx, out); break;
		case C_TX: bytes_text(v, c->tx, out); break;
		case C_PROCESS: tc_process(c, buf, sizeof(buf)); sb_puts(out, buf); break;
		case C_IDLE: idle_text(now, c->closed ? c->closed_at : c->last_seen, out); break;
		}
	}
}

static double num_key(const struct topview *v, const struct trow *row, int col, double now)
{
	if (v->view == VIEW_PROCS) {
		const struct tgroup *g = row->g;
		switch (col) {
		case P_PROCS: return (double)g->procs;
		case P_CONNS: return (double)g->conns;
		case P_OPEN: return (double)g->open;
		case P_LISTEN: return (double)g->listen;
		case P_DOWN: return g->down;
		case P_UP: return g->up;
		case P_RX: return g->rx;
		case P_TX: return g->tx;
		case P_IDLE: return g->last_seen > 0 ? now - g->last_seen : 1e300;
		}
		return 0;
	}
	switch (col) {
	case C_DOWN: return row->c->down;
	case C_UP: return row->c->up;
	case C_RX: return row->c->rx;
	case C_TX: return row->c->tx;
	case C_IDLE:
		return now - (row->c->closed ? row->c->closed_at : row->c->last_seen);
	}
	return 0;
}

static const struct colspec *cols_of(const struct topview *v, int *n)
{
	*n = v->view == VIEW_PROCS ? P_N : C_N;
	return v->view == VIEW_PROCS ? pcols : ccols;
}

/* ---- sorting ------------------------------------------------------------------- */

static const struct topview *sort_view; /* qsort has no context argument */

static int cmp_rows(const void *pa, const void *pb)
{
	const struct trow *a = pa, *b = pb;
	const struct topview *v = sort_view;
	int ncols, col = v->sort[v->view];
	const struct colspec *cs = cols_of(v, &ncols);
	bool desc = v->desc[v->view];
	int r = 0;
	if (cs[col].num) {
		if (a->nkey != b->nkey)
			r = a->nkey < b->nkey ? -1 : 1;
		/* Numbers: the biggest first by default; IDLE: the freshest. */
		if (col != (v->view == VIEW_PROCS ? P_IDLE : C_IDLE))
			r = -r;
	} else {
		r = strcmp(v->skeys.s + a->skey, v->skeys.s + b->skey);
	}
	if (r)
		return desc ? r : -r;
	/* Ties: open before closed, the most recent first, then bytes. */
	if (a->c && b->c) {
		if (a->c->closed != b->c->closed)
			return a->c->closed ? 1 : -1;
		if (a->c->last_seen != b->c->last_seen)
			return a->c->last_seen > b->c->last_seen ? -1 : 1;
		return a->c->seq > b->c->seq ? -1 : a->c->seq < b->c->seq;
	}
	if (a->g && b->g) {
		double ta = a->g->rx + a->g->tx, tb = b->g->rx + b->g->tx;
		if (ta != tb)
			return ta > tb ? -1 : 1;
		return strcmp(a->g->name, b->g->name);
	}
	return 0;
}

static uint64_t row_id(const struct trow *r)
{
	uint64_t h = 1469598103934665603ULL;
	if (r->c)
		return r->c->key ^ r->c->seq;
	for (const char *p = r->g->name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void cells_reset(struct topview *v);

static void build_rows(struct topview *v, double now)
{
	int ncols;
	const struct colspec *cs = cols_of(v, &ncols);
	int col = v->sort[v->view];

	free_rows(v);
	tm_filter(&v->m, &v->live);
	v->down = v->up = 0;
	v->open = 0;
	for (size_t i = 0; i < v->m.n; i++) {
		struct tconn *c = v->m.c[i];
		if (!visible(v, c))
			continue;
		v->down += c->down;
		v->up += c->up;
		v->open += !c->closed && c->side != SIDE_LISTEN;
	}
	if (v->view == VIEW_PROCS) {
		build_groups(v);
		v->rows = xcalloc(v->ngroups, sizeof(*v->rows));
		for (size_t i = 0; i < v->ngroups; i++)
			v->rows[v->nrows++].g = &v->groups[i];
	} else {
		v->rows = xcalloc(v->m.n, sizeof(*v->rows));
		for (size_t i = 0; i < v->m.n; i++) {
			struct tconn *c = v->m.c[i];
			char key[160];
			if (!visible(v, c) || c->retired || (v->hide_closed && c->closed))
				continue;
			if (v->restricted) {
				group_key(c, v->restrict_group, key, sizeof(key));
				if (strcmp(key, v->restrict_key))
					continue;
			}
			v->rows[v->nrows++].c = c;
		}
	}
	/* Text keys one after the other in one buffer, NUL-separated. */
	sb_reset(&v->skeys);
	for (size_t i = 0; i < v->nrows; i++) {
		if (cs[col].num) {
			v->rows[i].nkey = num_key(v, &v->rows[i], col, now);
		} else {
			v->rows[i].skey = v->skeys.len;
			cell_text(v, &v->rows[i], col, now, &v->skeys);
			sb_put(&v->skeys, "", 1);
		}
	}
	sort_view = v;
	qsort(v->rows, v->nrows, sizeof(*v->rows), cmp_rows);
	/* Keep the selection on the same row when it moved. */
	if (v->selected_key)
		for (size_t i = 0; i < v->nrows; i++)
			if (row_id(&v->rows[i]) == v->selected_key) {
				v->sel[v->view] = (int)i;
				break;
			}
	if (v->sel[v->view] >= (int)v->nrows)
		v->sel[v->view] = v->nrows ? (int)v->nrows - 1 : 0;
	if (v->sel[v->view] < 0)
		v->sel[v->view] = 0;
	cells_reset(v);
}

/* ---- drawing ------------------------------------------------------------------- */

static void sgr(const struct topview *v, struct sbuf *out, const char *code)
{
	if (v->o.color)
		sb_puts(out, code);
}

static void pad(struct sbuf *out, size_t n)
{
	static const char spaces[] = "                                                                ";
	while (n > 0) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		sb_put(out, spaces, k);
		n -= k;
	}
}

/* Safe text s (len bytes, width columns) cut or padded to exactly w
 * columns; mid cuts the middle out, keeping the last ":port". */
static void put_fixed(struct sbuf *out, const char *s, size_t len, size_t width, int w, bool right,
                      bool mid)
{
	size_t used;
	if (right && width < (size_t)w)
		pad(out, (size_t)w - width);
	if (width <= (size_t)w) {
		sb_put(out, s, len);
		used = width;
	} else if (mid) {
		const char *colon = memrchr(s, ':', len);
		size_t keep = colon ? ts_width(colon, (size_t)(s + len - colon)) : 0;
		used = ts_put_cut_mid(out, s, len, (size_t)w, keep);
	} else {
		used = ts_put_cut(out, s, len, (size_t)w);
	}
	if (!right && used < (size_t)w)
		pad(out, (size_t)w - used);
}

static void endline(struct sbuf *out, bool last)
{
	/* The last row ends without a newline: the screen never scrolls. */
	sb_puts(out, last ? "\x1b[K" : "\x1b[K\r\n");
}

/* The safe form of raw in v->safe. */
static void make_safe(struct topview *v, const char *raw)
{
	sb_reset(&v->safe);
	ts_puts(&v->safe, raw);
}

/* A line of safe text cut to cols. */
static void put_line(struct topview *v, struct sbuf *out, const char *raw, int cols)
{
	make_safe(v, raw);
	ts_put_cut(out, v->safe.s, v->safe.len, (size_t)cols);
}

/* A new frame: no cell made yet. */
static void cells_reset(struct topview *v)
{
	size_t need = (v->nrows < MEASURED_ROWS ? v->nrows : MEASURED_ROWS) * NCOLS_MAX;
	if (need > v->cellcap) {
		v->cells = xreallocarray(v->cells, need, sizeof(*v->cells));
		memset(v->cells + v->cellcap, 0, (need - v->cellcap) * sizeof(*v->cells));
		v->cellcap = need;
	}
	if (++v->gen == 0) { /* wrapped: gen 0 is "never made" */
		memset(v->cells, 0, v->cellcap * sizeof(*v->cells));
		v->gen = 1;
	}
	sb_reset(&v->cellbuf);
}

/* Row r's cell in column col, made once per frame (rows past
 * MEASURED_ROWS, drawn only when scrolled to, each time): its safe text,
 * valid until the next call, its length and columns. */
static const char *cell(struct topview *v, size_t r, int col, double now, size_t *len,
                        size_t *width)
{
	struct tcell tmp, *cc = &tmp;
	if (r < MEASURED_ROWS) {
		cc = &v->cells[r * NCOLS_MAX + (size_t)col];
		if (cc->gen == v->gen)
			goto made;
	}
	sb_reset(&v->raw);
	cell_text(v, &v->rows[r], col, now, &v->raw);
	cc->off = v->cellbuf.len;
	ts_put(&v->cellbuf, v->raw.s ? v->raw.s : "", v->raw.len);
	cc->len = v->cellbuf.len - cc->off;
	cc->width = ts_width(v->cellbuf.s + cc->off, cc->len);
	cc->gen = v->gen;
made:
	*len = cc->len;
	*width = cc->width;
	return v->cellbuf.s + cc->off;
}

static void layout(struct topview *v, int cols, bool *vis, int *w, double now)
{
	int ncols, total;
	const struct colspec *cs = cols_of(v, &ncols);
	for (int c = 0; c < ncols; c++) {
		vis[c] = true;
		w[c] = cs[c].min;
	}
	for (;;) {
		int nvis = 0, worst = -1;
		total = 1;
		for (int c = 0; c < ncols; c++)
			if (vis[c]) {
				total += w[c];
				nvis++;
				if (cs[c].drop && (worst < 0 || cs[c].drop > cs[worst].drop))
					worst = c;
			}
		total += nvis - 1;
		if (total <= cols || worst < 0)
			break;
		vis[worst] = false;
	}
	/* Grow toward the content of the rows, a column at a time in turn, so
	 * that one long value does not take all the room. */
	{
		int want[NCOLS_MAX];
		bool more = true;
		for (int c = 0; c < ncols; c++) {
			want[c] = cs[c].min;
			if (!vis[c] || cs[c].min == cs[c].max)
				continue;
			for (size_t i = 0; i < v->nrows && i < MEASURED_ROWS; i++) {
				size_t len, tw;
				cell(v, i, c, now, &len, &tw);
				if (tw > (size_t)want[c])
					want[c] = tw > (size_t)cs[c].max ? cs[c].max : (int)tw;
			}
			if (want[c] > cs[c].max)
				want[c] = cs[c].max;
		}
		while (more && total < cols) {
			more = false;
			for (int c = 0; c < ncols && total < cols; c++)
				if (vis[c] && w[c] < want[c]) {
					w[c]++;
					total++;
					more = true;
				}
		}
	}
}

static int first_col(const bool *vis)
{
	int c = 0;
	while (!vis[c])
		c++;
	return c;
}

static void draw_table(struct topview *v, struct sbuf *out, int nlines, int cols, double now)
{
	int ncols, w[NCOLS_MAX];
	bool vis[NCOLS_MAX];
	const struct colspec *cs = cols_of(v, &ncols);
	int *sel = &v->sel[v->view], *top = &v->top[v->view];
	int body = nlines - 1, first;

	layout(v, cols, vis, w, now);
	memcpy(v->vis[v->view], vis, sizeof(bool) * (size_t)ncols);
	first = first_col(vis);
	/* The header: the sort column marked with its direction. */
	sgr(v, out, "\x1b[1m");
	sb_putc(out, ' ');
	for (int c = 0; c < ncols; c++) {
		const char *title = v->view == VIEW_PROCS && c == P_NAME ? group_title[v->group]
		                                                         : cs[c].title;
		if (!vis[c])
			continue;
		if (c != first)
			sb_putc(out, ' ');
		if (c == v->sort[v->view])
			sgr(v, out, "\x1b[4m");
		/* The titles are ASCII, the arrow one column. */
		sb_reset(&v->safe);
		sb_puts(&v->safe, title);
		if (c == v->sort[v->view])
			sb_puts(&v->safe, v->desc[v->view] ? "\xe2\x96\xbc" : "\xe2\x96\xb2");
		put_fixed(out, v->safe.s, v->safe.len, strlen(title) + (c == v->sort[v->view]), w[c],
		          cs[c].right, false);
		if (c == v->sort[v->view])
			sgr(v, out, "\x1b[24m");
	}
	sgr(v, out, "\x1b[0m");
	endline(out, false);

	if (body < 1)
		return;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + body)
		*top = *sel - body + 1;
	if (*top > (int)v->nrows - body)
		*top = (int)v->nrows - body;
	if (*top < 0)
		*top = 0;
	for (int i = 0; i < body; i++) {
		size_t r = (size_t)(*top + i);
		bool selected = (int)r == *sel;
		if (r >= v->nrows) {
			endline(out, false);
			continue;
		}
		if (selected)
			sgr(v, out, "\x1b[7m");
		else if (v->rows[r].c && v->rows[r].c->closed)
			sgr(v, out, "\x1b[2m");
		sb_putc(out, selected ? '>' : ' ');
		for (int c = 0; c < ncols; c++) {
			bool stale = false;
			const char *s;
			size_t len, width;
			if (!vis[c])
				continue;
			if (c != first)
				sb_putc(out, ' ');
			s = cell(v, r, c, now, &len, &width);
			if (v->view == VIEW_CONNS && c == C_IDLE && !v->rows[r].c->closed &&
			    now - v->rows[r].c->last_seen > STALE_IDLE && !selected)
				stale = true;
			if (stale)
				sgr(v, out, "\x1b[33m");
			put_fixed(out, s, len, width, w[c], cs[c].right,
			          v->view == VIEW_CONNS && (c == C_LOCAL || c == C_REMOTE));
			if (stale)
				sgr(v, out, "\x1b[39m");
		}
		sgr(v, out, "\x1b[0m");
		endline(out, false);
	}
}

static void detail_line(struct sbuf *lines, const char *label, const char *value)
{
	size_t n = strlen(label);
	/* "%-14s %s\0" */
	sb_put(lines, label, n);
	if (n < 14)
		pad(lines, 14 - n);
	sb_putc(lines, ' ');
	sb_put(lines, value, strlen(value) + 1);
}

/* Every field of the selected connection, as lines separated by NULs. */
static size_t detail_lines(struct topview *v, const struct tconn *c, double now,
                           struct sbuf *lines)
{
	char a[512], b[512];
	struct sbuf t;
	size_t n = 0;
	sb_init(&t);
	tc_local(c, a, sizeof(a));
	tc_remote(c, b, sizeof(b));
	sb_printf(&t, "%s %s %s %s (%s)", tc_get(c, "proto") ? tc_get(c, "proto") : "-", a,
	          c->side == SIDE_IN ? "<-" : "->", b,
	          c->side == SIDE_IN ? "accepted" : c->side == SIDE_LISTEN ? "listening" : "outgoing");
	detail_line(lines, "connection", t.s);
	n++;
	tc_process(c, a, sizeof(a));
	detail_line(lines, "process", a), n++;
	sb_reset(&t);
	sb_printf(&t, "%s%s%s", tc_state(c), c->states[0] ? "   history " : "", c->states);
	detail_line(lines, "state", t.s), n++;
	tc_service(c, v->o.numeric, a, sizeof(a));
	detail_line(lines, "service", a), n++;
	tc_dpi(c, a, sizeof(a));
	if (a[0])
		detail_line(lines, "dpi", a), n++;
	sb_reset(&t);
	sb_puts(&t, "rx ");
	bytes_text(v, c->rx, &t);
	sb_puts(&t, "  tx ");
	bytes_text(v, c->tx, &t);
	sb_puts(&t, "  down ");
	bytes_text(v, c->down, &t);
	sb_puts(&t, "/s  up ");
	bytes_text(v, c->up, &t);
	sb_printf(&t, "/s  (%s)", c->sock_bytes ? "socket counts" : "wire counts");
	detail_line(lines, "bytes", t.s), n++;
	if (c->first_ts > 0) {
		char t1[64], t2[64];
		pp_fmt_time(c->first_ts, v->o.utc, 3, t1, sizeof(t1));
		pp_fmt_time(c->last_ts, v->o.utc, 3, t2, sizeof(t2));
		sb_reset(&t);
		sb_printf(&t, "first %s  last %s  idle ", t1, t2);
		idle_text(now, c->closed ? c->closed_at : c->last_seen, &t);
		sb_puts(&t, c->closed ? " (closed)" : "");
		detail_line(lines, "seen", t.s), n++;
	}
	sb_putc(lines, '\0'), n++;
	for (int i = 0; i < c->nkv; i++) {
		detail_line(lines, c->kv[i].key, c->kv[i].text);
		n++;
	}
	sb_free(&t);
	return n;
}

static void draw_detail(struct topview *v, struct sbuf *out, int nlines, int cols, double now)
{
	struct sbuf lines;
	const struct tconn *c;
	size_t n, at = 0;
	int shown = 0;
	if (v->nrows == 0 || !v->rows[v->sel[VIEW_CONNS]].c) {
		for (int i = 0; i < nlines; i++) {
			if (i == 0)
				put_line(v, out, " (no connection selected)", cols);
			endline(out, false);
		}
		return;
	}
	c = v->rows[v->sel[VIEW_CONNS]].c;
	sb_init(&lines);
	n = detail_lines(v, c, now, &lines);
	if (v->detail_top > (int)n - 1)
		v->detail_top = (int)n - 1;
	if (v->detail_top < 0)
		v->detail_top = 0;
	sgr(v, out, "\x1b[1m");
	put_line(v, out, " DETAIL (Up/Down: other connections, PgUp/PgDn: scroll, Esc: back)", cols);
	sgr(v, out, "\x1b[0m");
	endline(out, false);
	shown++;
	for (size_t i = 0; i < n; i++) {
		const char *l = lines.s + at;
		at += strlen(l) + 1;
		if ((int)i < v->detail_top)
			continue;
		if (shown >= nlines)
			break;
		sb_putc(out, ' ');
		put_line(v, out, l, cols - 1);
		endline(out, false);
		shown++;
	}
	for (; shown < nlines; shown++)
		endline(out, false);
	sb_free(&lines);
}

static const char *const help_text[] = {
	"KEYS",
	"  q, Ctrl-C      quit (the whole pipeline ends with it)",
	"  Tab, v         switch between the process and the connection view",
	"  g              group processes by program, pid, container, user, destination",
	"  Enter          processes: that group's connections; connections: detail",
	"  Esc, Backspace back (detail, help, a group's connections)",
	"  Up/Down, j/k   select; PgUp/PgDn, Home/End scroll",
	"  s / S          sort by the next column / reverse the order (marked ▼ ▲)",
	"  < >            sort by the column to the left / right",
	"  /              filter, pp-fmt -F language, applied as you type:",
	"                 port:443 process:curl sni:example.com state:ESTAB",
	"                 proto:udp dst:10.0.0.0/8 !comm:sshd /regex/",
	"                 Up/Down still move; Enter keeps it, Esc restores the",
	"                 previous one, Ctrl-U clears",
	"  x              hide / show closed connections (history)",
	"  ?, h           this help",
	"",
	"Rates come from byte counts while connections are open: pp-trace",
	"--update SECS (sock update records) and pp-sniff --update SECS (flows).",
	"IDLE: time since the connection's last record (closed: since it closed).",
};

static void draw_help(struct topview *v, struct sbuf *out, int nlines, int cols)
{
	for (int i = 0; i < nlines; i++) {
		if (i < (int)PP_ARRAY_LEN(help_text)) {
			sb_putc(out, ' ');
			put_line(v, out, help_text[i], cols - 1);
		}
		endline(out, false);
	}
}

void tv_render(struct topview *v, struct sbuf *out, int rows, int cols, unsigned long read,
               const char *status)
{
	double now = pp_mono();
	uint64_t us = pp_now_us();
	struct sbuf line;
	int body;

	tm_rates(&v->m, now);
	build_rows(v, now);
	sb_init(&line);
	sb_puts(out, "\x1b[H");

	/* Line 1: what is being read and the totals. */
	if ((long long)(us / 1000000) != v->clock_sec) { /* (the seconds are all it shows) */
		v->clock_sec = (long long)(us / 1000000);
		pp_fmt_time((double)us / 1e6, v->o.utc, 0, v->clock, sizeof(v->clock));
	}
	sb_printf(&line, "pp-fmt --top  %s  records %lu",
	          strlen(v->clock) > 11 ? v->clock + 11 : v->clock, read);
	sb_printf(&line, "  open %lu  down ", v->open);
	bytes_text(v, v->down, &line);
	sb_puts(&line, "/s  up ");
	bytes_text(v, v->up, &line);
	sb_printf(&line, "/s  %s", status);
	sgr(v, out, "\x1b[7m");
	{
		size_t used;
		make_safe(v, line.s);
		used = ts_put_cut(out, v->safe.s, v->safe.len, (size_t)cols);
		if (v->o.color && used < (size_t)cols)
			pad(out, (size_t)cols - used);
	}
	sgr(v, out, "\x1b[0m");
	endline(out, false);

	/* Line 2: the view, its grouping, the filter. */
	sb_reset(&line);
	if (v->view == VIEW_PROCS)
		sb_printf(&line, "PROCESSES by %s (%zu)", group_name[v->group], v->nrows);
	else if (v->restricted)
		sb_printf(&line, "CONNECTIONS of %s %s (%zu)", group_name[v->restrict_group],
		          v->restrict_key, v->nrows);
	else
		sb_printf(&line, "CONNECTIONS (%zu%s)", v->nrows, v->hide_closed ? ", closed hidden" : "");
	if (v->ftext[0] && !v->prompt)
		sb_printf(&line, "  filter: %s", v->ftext);
	if (v->m.evicted)
		sb_printf(&line, "  (%lu old closed connections folded per process)", v->m.evicted);
	sgr(v, out, "\x1b[1m");
	put_line(v, out, line.s, cols);
	sgr(v, out, "\x1b[0m");
	endline(out, false);

	body = rows - 3;
	if (body < 1)
		body = 1;
	v->page = body > 3 ? body - 2 : 1;
	if (v->help)
		draw_help(v, out, body, cols);
	else if (v->detail && v->view == VIEW_CONNS)
		draw_detail(v, out, body, cols, now);
	else
		draw_table(v, out, body, cols, now);

	/* The last line: the filter prompt, or the keys. */
	sb_reset(&line);
	if (v->prompt) {
		sb_printf(&line, "/%s", v->ftext);
		if (v->ferr[0])
			sb_printf(&line, "   [%s]", v->ferr);
		put_line(v, out, line.s, cols);
		endline(out, true);
	} else {
		sgr(v, out, "\x1b[7m");
		put_line(v, out,
		         cols >= 100 ? "q quit  ? help  Tab view  g group  s/S sort  / filter  Enter "
		                       "detail  x closed  Esc back"
		                     : "q quit ? help Tab view g group s/S sort / filter Enter detail",
		         cols);
		sgr(v, out, "\x1b[0m");
		endline(out, true);
	}
	sb_puts(out, "\x1b[J");
	sb_free(&line);
}

/* ---- keys ---------------------------------------------------------------------- */

static void apply_filter(struct topview *v)
{
	struct filter f = {0};
	int col;
	char err[160];
	if (filter_parse(&f, v->ftext, &col, err, sizeof(err)) < 0) {
		snprintf(v->ferr, sizeof(v->ferr), "column %d: %s", col, err);
		filter_free(&f);
		return;
	}
	v->ferr[0] = '\0';
	filter_free(&v->live);
	v->live = f;
	tm_filter_reset(&v->m);
}

static void move(struct topview *v, int by);

static void prompt_key(struct topview *v, int k)
{
	size_t n = strlen(v->ftext);
	/* Navigating while typing, as with fzf. */
	if (k == TK_UP || k == TK_DOWN || k == TK_PGUP || k == TK_PGDN) {
		move(v, k == TK_UP ? -1 : k == TK_DOWN ? 1 : k == TK_PGUP ? -v->page : v->page);
		return;
	}
	if (k == '\r' || k == '\n') {
		v->prompt = false;
		if (v->ferr[0]) {
			/* An expression that does not parse is not kept. */
			snprintf(v->ftext, sizeof(v->ftext), "%s", v->fsaved);
			v->ferr[0] = '\0';
			apply_filter(v);
		}
		return;
	}
	if (k == TK_ESC) {
		snprintf(v->ftext, sizeof(v->ftext), "%s", v->fsaved);
		v->prompt = false;
		apply_filter(v);
		v->ferr[0] = '\0';
		return;
	}
	if (k == 127 || k == 8) {
		while (n > 0 && ((unsigned char)v->ftext[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
		v->ftext[n] = '\0';
	} else if (k == 21) { /* Ctrl-U */
		v->ftext[0] = '\0';
	} else if (k >= 0x20 && k < 0x100 && k != 127 && n + 1 < sizeof(v->ftext)) {
		v->ftext[n] = (char)k;
		v->ftext[n + 1] = '\0';
	} else {
		return;
	}
	apply_filter(v);
}

static void move(struct topview *v, int by)
{
	int *sel = &v->sel[v->view];
	*sel += by;
	if (*sel >= (int)v->nrows)
		*sel = (int)v->nrows - 1;
	if (*sel < 0)
		*sel = 0;
	v->detail_top = 0;
	v->selected_key = v->nrows ? row_id(&v->rows[*sel]) : 0;
}

static void next_sort(struct topview *v, int dir)
{
	int ncols, c = v->sort[v->view];
	cols_of(v, &ncols);
	for (int i = 0; i < ncols; i++) {
		c = (c + dir + ncols) % ncols;
		if (v->vis[v->view][c])
			break;
	}
	v->sort[v->view] = c;
}

bool tv_key(struct topview *v, int k)
{
	if (v->prompt) {
		prompt_key(v, k);
		return false;
	}
	if (v->help && k != 'q' && k != 'Q') {
		v->help = false;
		return false;
	}
	switch (k) {
	case 'q': case 'Q': case 3:
		return true;
	case '?': case 'h':
		v->help = true;
		break;
	case '\t': case 'v': case TK_BTAB:
		v->view = v->view == VIEW_PROCS ? VIEW_CONNS : VIEW_PROCS;
		v->detail = false;
		v->selected_key = 0;
		break;
	case 'g':
		v->group = (v->group + 1) % G_N;
		v->sel[VIEW_PROCS] = v->top[VIEW_PROCS] = 0;
		if (v->view == VIEW_PROCS)
			v->selected_key = 0;
		break;
	case 's':
		next_sort(v, 1);
		break;
	case '>':
		next_sort(v, 1);
		break;
	case '<':
		next_sort(v, -1);
		break;
	case 'S':
		v->desc[v->view] = !v->desc[v->view];
		break;
	case 'x':
		v->hide_closed = !v->hide_closed;
		break;
	case '/':
		v->prompt = true;
		snprintf(v->fsaved, sizeof(v->fsaved), "%s", v->ftext);
		break;
	case '\r': case '\n':
		if (v->view == VIEW_PROCS) {
			/* (rows are of the other view when Tab came in the same read) */
			if (v->nrows && v->rows[v->sel[VIEW_PROCS]].g) {
				v->restricted = true;
				v->restrict_group = v->group;
				snprintf(v->restrict_key, sizeof(v->restrict_key), "%s",
				         v->rows[v->sel[VIEW_PROCS]].g->name);
				v->view = VIEW_CONNS;
				v->sel[VIEW_CONNS] = v->top[VIEW_CONNS] = 0;
				v->selected_key = 0;
			}
		} else {
			v->detail = !v->detail;
			v->detail_top = 0;
		}
		break;
	case TK_ESC: case 127: case 8:
		if (v->detail)
			v->detail = false;
		else if (v->view == VIEW_CONNS && v->restricted) {
			v->restricted = false;
			v->view = VIEW_PROCS;
		}
		break;
	case TK_UP: case 'k': move(v, -1); break;
	case TK_DOWN: case 'j': move(v, 1); break;
	case TK_PGUP:
		if (v->detail)
			v->detail_top -= v->page;
		else
			move(v, -v->page);
		break;
	case TK_PGDN:
		if (v->detail)
			v->detail_top += v->page;
		else
			move(v, v->page);
		break;
	case TK_HOME: move(v, -(int)v->nrows); break;
	case TK_END: move(v, (int)v->nrows); break;
	}
	return false;
}
