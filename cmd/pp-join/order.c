/* Event time: records are taken into the tables in the order of their
 * time stamps and each one is decided once everything up to its time plus
 * the horizon (--delay) is known, whatever order they arrive in. Files and
 * pipes go through the same path, so live output is file-mode output.
 *
 * How far each source is: on every input, each producer that writes marks
 * (pp-records(5): {"type":"mark","ts":W,"producer":"pp-trace:PID"}) has
 * promised that nothing older than its last W follows, except what ends a
 * flow; records of a kind no producer on that input marks (sock records and
 * those with "source" are pp-trace's kind, the others pp-sniff's) are as
 * far as their latest time
 * less GRACE_US. A record is taken in once every source is past it; one
 * older than its producer's promise ("trailing": a flow's end, what its
 * last bytes give) is decided as the others, as of its time plus the
 * horizon, but changes nothing that decides other records (table.c), so
 * that when it arrives does not matter. In a live run a source that says
 * nothing for --idle seconds is no longer waited for (and named on stderr);
 * what comes from it then, older than what was already taken in, is
 * decided at once and counted "late". Memory: at most MAX_PENDING records
 * wait; beyond that the oldest goes in before its time ("forced"). */
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "pool.h"
#include "pp.h"

#define GRACE_US 1000000
#define MAX_PENDING (1u << 20)
/* Expiry of old entries runs each time event time passes a second. */
#define EXPIRE_STEP_US 1000000

enum { KIND_TRACE, KIND_SNIFF, KIND_N };

struct item {
	struct jrec j;
	struct jkeep k;    /* what ingest() reads, kept from arrival */
	uint64_t seq;      /* arrival ordinal: the last tie-break */
	uint32_t len;      /* of the line; the kept bytes follow its NUL */
	uint32_t bytes;    /* the whole item's, for pool_put */
	int input;
	char line[];
};

static inline const char *item_kept(const struct item *it)
{
	return it->line + it->len + 1;
}

static void item_free(struct item *it)
{
	pool_put(it, it->bytes);
}

struct prod {
	char *name;
	int kind;
	int64_t mark;
	double seen;       /* monotonic time of its last mark */
	bool out;          /* timed out: not waited for */
};

struct osrc {
	const char *name;
	struct prod *p;
	int np, cap;
	int64_t maxts[KIND_N]; /* latest record time, per kind */
	double seen[KIND_N];
	bool has[KIND_N], out[KIND_N];
	int64_t last_ts;       /* for records without a time */
	double caught;         /* when we last had read all it had written */
	double opened;
	bool any, eof, out_empty;
};

static struct osrc *src;
static int nsrc;
static bool live;
static double idle_secs;
/* An item where it waits, with its time and type beside it: most
 * comparisons end there, without a look at the item itself. */
struct slot {
	int64_t ts;
	int type;
	struct item *it;
};

/* A FIFO of slots (capacity a power of two). */
struct ring {
	struct slot *v;
	size_t head, len, cap;
};

/* Waiting to be taken in, in canonical order: what arrives in order (most
 * records, from one producer) is appended to run, in O(1); the others go
 * to the heap. The next to go is the lesser of their firsts. */
static struct slot *heap;
static size_t nheap, capheap;
static struct ring run;
static struct ring dq;              /* taken in, not yet decided */
static struct slot ring_pop(struct ring *r);
static struct item **held;          /* came after their place: wait for ts + horizon */
static size_t nheld, capheld;
static uint64_t seq;
static uint64_t rec_no;
static int64_t frontier = INT64_MIN; /* time of the last record taken in */
static int64_t next_expire = INT64_MIN;
static struct jtab *tab; /* where records are taken in */

void (*order_emit_hook)(const char *line, const struct jrec *j);
void (*order_progress_hook)(int64_t event_now);

void order_init(struct jtab *t, int n, const char *const *names, bool is_live, double idle, double now)
{
	tab = t;
	nsrc = n;
	src = xcalloc((size_t)n, sizeof(*src));
	for (int i = 0; i < n; i++) {
		src[i].name = names[i];
		src[i].opened = src[i].caught = now;
		src[i].last_ts = 0;
	}
	live = is_live;
	idle_secs = idle;
}

void order_free(void)
{
	for (int i = 0; i < nsrc; i++) {
		for (int k = 0; k < src[i].np; k++)
			free(src[i].p[k].name);
		free(src[i].p);
	}
	free(src);
	for (size_t i = 0; i < nheap; i++)
		item_free(heap[i].it);
	free(heap);
	while (run.len)
		item_free(ring_pop(&run).it);
	free(run.v);
	while (dq.len)
		item_free(ring_pop(&dq).it);
	free(dq.v);
	for (size_t i = 0; i < nheld; i++)
		item_free(held[i]);
	free(held);
}

/* --- canonical order: time, type, then the bytes (identical lines are
 * interchangeable), then input and arrival ------------------------------- */

static int item_cmp(const struct slot *x, const struct slot *y)
{
	const struct item *a = x->it, *b = y->it;
	int c;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = memcmp(a->line, b->line, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	if (a->input != b->input)
		return a->input < b->input ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void heap_push(struct slot x)
{
	size_t i;
	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 1024;
		heap = xreallocarray(heap, capheap, sizeof(*heap));
	}
	i = nheap++;
	while (i > 0 && item_cmp(&x, &heap[(i - 1) / 2]) < 0) {
		heap[i] = heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	heap[i] = x;
}

static struct slot heap_pop(void)
{
	struct slot top = heap[0], last = heap[--nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= nheap)
			break;
		if (c + 1 < nheap && item_cmp(&heap[c + 1], &heap[c]) < 0)
			c++;
		if (item_cmp(&heap[c], &last) >= 0)
			break;
		heap[i] = heap[c];
		i = c;
	}
	if (nheap)
		heap[i] = last;
	return top;
}

static void ring_push(struct ring *r, struct slot x)
{
	if (r->len == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 1024;
		struct slot *n = xreallocarray(NULL, ncap, sizeof(*n));
		for (size_t i = 0; i < r->len; i++)
			n[i] = r->v[(r->head + i) & (r->cap - 1)];
		free(r->v);
		r->v = n;
		r->cap = ncap;
		r->head = 0;
	}
	r->v[(r->head + r->len++) & (r->cap - 1)] = x;
}

static inline struct slot *ring_first(const struct ring *r)
{
	return &r->v[r->head];
}

static inline struct slot *ring_last(const struct ring *r)
{
	return &r->v[(r->head + r->len - 1) & (r->cap - 1)];
}

static struct slot ring_pop(struct ring *r)
{
	struct slot x = r->v[r->head];
	r->head = (r->head + 1) & (r->cap - 1);
	r->len--;
	return x;
}

static void wait_push(struct item *it)
{
	struct slot x = {it->j.ts, it->j.type, it};
	if (!run.len || item_cmp(ring_last(&run), &x) < 0)
		ring_push(&run, x);
	else
		heap_push(x);
}

/* The next to take in (NULL: none waits). */
static inline const struct slot *wait_first(void)
{
	if (!run.len)
		return nheap ? &heap[0] : NULL;
	if (!nheap || item_cmp(ring_first(&run), &heap[0]) < 0)
		return ring_first(&run);
	return &heap[0];
}

static struct item *wait_pop(const struct slot *first)
{
	if (run.len && first == ring_first(&run))
		return ring_pop(&run).it;
	return heap_pop().it;
}

/* --- sources ------------------------------------------------------------------ */

/* Whose marks a record is judged by: pp-trace's for its sock records and
 * its kernel dns records (they carry "source"), pp-sniff's for the rest. */
static int kind_of(const struct jrec *j)
{
	return j->type == JT_SOCK || j->traced ? KIND_TRACE : KIND_SNIFF;
}

static bool kind_marked(const struct osrc *s, int kind, int64_t *minmark)
{
	bool any = false;
	*minmark = INT64_MAX;
	for (int k = 0; k < s->np; k++)
		if (s->p[k].kind == kind) {
			any = true;
			if (s->p[k].mark < *minmark)
				*minmark = s->p[k].mark;
		}
	return any;
}

/* How far input i is: nothing older will come from it (but trailing). */
int64_t order_input_progress(int i)
{
	const struct osrc *s = &src[i];
	int64_t w = INT64_MAX;
	bool known = false;
	if (s->eof)
		return INT64_MAX;
	for (int k = 0; k < s->np; k++) {
		known = true;
		if (!s->p[k].out && s->p[k].mark < w)
			w = s->p[k].mark;
	}
	for (int kind = 0; kind < KIND_N; kind++) {
		int64_t mm;
		if (!s->has[kind])
			continue;
		known = true;
		if (kind_marked(s, kind, &mm) || s->out[kind])
			continue;
		if (s->maxts[kind] - GRACE_US < w)
			w = s->maxts[kind] - GRACE_US;
	}
	if (!known && !s->any && !s->out_empty)
		return INT64_MIN; /* nothing yet: wait for it */
	return w;
}

static int64_t progress(void)
{
	int64_t w = INT64_MAX;
	for (int i = 0; i < nsrc; i++) {
		int64_t x = order_input_progress(i);
		if (x < w)
			w = x;
	}
	return w;
}

int order_lagging_input(void)
{
	int best = -1;
	int64_t bw = INT64_MAX;
	for (int i = 0; i < nsrc; i++) {
		int64_t x;
		if (src[i].eof)
			continue;
		x = order_input_progress(i);
		if (best < 0 || x < bw) {
			best = i;
			bw = x;
		}
	}
	return best;
}

static void mark_in(struct osrc *s, const struct jrec *j, const struct jkeep *kp, const char *kept,
                    double now)
{
	/* summarize() made sure the producer is a string: its text. */
	const char *name = kept + kp->producer.off;
	size_t nlen = kp->producer.len;
	struct prod *p = NULL;
	for (int k = 0; k < s->np; k++)
		if (strlen(s->p[k].name) == nlen && !memcmp(s->p[k].name, name, nlen))
			p = &s->p[k];
	if (!p) {
		if (s->np == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 4;
			s->p = xreallocarray(s->p, (size_t)s->cap, sizeof(*s->p));
		}
		p = &s->p[s->np++];
		memset(p, 0, sizeof(*p));
		p->name = xmemdup(name, nlen);
		p->kind = nlen >= 8 && !memcmp(name, "pp-trace", 8) ? KIND_TRACE : KIND_SNIFF;
		p->mark = INT64_MIN;
	}
	if (j->ts > p->mark)
		p->mark = j->ts;
	p->seen = now;
	p->out = false;
}

void order_caught_up(int i, double now)
{
	src[i].caught = now;
}

/* Silence counts from the last time we had read everything an input had:
 * a backlog we are slow to read (a loaded machine) is not a silent source. */
void order_idle(double now)
{
	if (!live || idle_secs <= 0)
		return;
	for (int i = 0; i < nsrc; i++) {
		struct osrc *s = &src[i];
		if (s->eof)
			continue;
		now = s->caught;
		for (int k = 0; k < s->np; k++)
			if (!s->p[k].out && now - s->p[k].seen > idle_secs) {
				s->p[k].out = true;
				jstats.sources_timed_out++;
				pp_warn("%s: %s silent for %g s: not waited for", s->name, s->p[k].name,
				        idle_secs);
			}
		for (int kind = 0; kind < KIND_N; kind++)
			if (s->has[kind] && !s->out[kind] && now - s->seen[kind] > idle_secs) {
				int64_t mm;
				s->out[kind] = true;
				if (!kind_marked(s, kind, &mm)) {
					jstats.sources_timed_out++;
					pp_warn("%s: no %s records for %g s: not waited for", s->name,
					        kind == KIND_TRACE ? "sock" : "sniffed", idle_secs);
				}
			}
		if (!s->any && !s->out_empty && now - s->opened > idle_secs) {
			s->out_empty = true;
			jstats.sources_timed_out++;
			pp_warn("%s: nothing for %g s: not waited for", s->name, idle_secs);
		}
	}
}

void order_eof(int i)
{
	src[i].eof = true;
}

/* --- taking in, deciding ------------------------------------------------------- */

static void decide(struct item *it)
{
	it->j.asof = it->j.ts > INT64_MAX - jconf.horizon ? INT64_MAX : it->j.ts + jconf.horizon;
	if (order_emit_hook)
		order_emit_hook(it->line, &it->j);
	item_free(it);
}

/* Decide what waits whose time plus the horizon is before x. */
static void decide_before(int64_t x)
{
	while (dq.len > 0) {
		if (x != INT64_MAX && ring_first(&dq)->ts + jconf.horizon >= x)
			break;
		decide(ring_pop(&dq).it);
	}
}

/* Into the tables, with what was kept of the record at arrival (parsing
 * the line twice would cost as much as everything else). */
static void take_in(struct item *it)
{
	it->j.rec_no = ++rec_no;
	ingest(tab, &it->j, &it->k, item_kept(it), 0);
	if (!it->j.trailing && it->j.ts > frontier && it->j.type != JT_OTHER)
		frontier = it->j.ts;
	if (frontier != INT64_MIN && frontier >= next_expire) {
		next_expire = frontier + EXPIRE_STEP_US;
		if (order_progress_hook)
			order_progress_hook(frontier);
	}
}

/* Records that came after their place in time order, decided (as of
 * their time plus the horizon, table.c) once every source is past that. */
static void decide_held(int64_t w)
{
	size_t k = 0;
	for (size_t i = 0; i < nheld; i++) {
		struct item *it = held[i];
		if (w == INT64_MAX || it->j.ts + jconf.horizon < w)
			decide(it);
		else
			held[k++] = it;
	}
	nheld = k;
}

void order_run(void)
{
	int64_t w = progress();
	const struct slot *first;
	while ((first = wait_first()) && (first->ts < w || nheap + run.len > MAX_PENDING)) {
		struct item *it;
		if (first->ts >= w)
			jstats.forced++;
		it = wait_pop(first);
		decide_before(it->j.ts);
		take_in(it);
		ring_push(&dq, (struct slot){it->j.ts, it->j.type, it});
	}
	decide_before(w);
	decide_held(w);
}

void order_finish(void)
{
	for (int i = 0; i < nsrc; i++)
		src[i].eof = true;
	order_run();
	decide_before(INT64_MAX);
	decide_held(INT64_MAX);
}

size_t order_pending(void)
{
	return nheap + run.len + dq.len;
}

void order_add(int input, const char *line, size_t len, const struct jrec *jin, const struct jkeep *k,
               const char *kept, size_t klen, double now)
{
	struct osrc *s = &src[input];
	struct item *it;
	struct jrec j = *jin;
	int kind;

	s->any = true;
	s->out_empty = false;
	if (j.type == JT_MARK) {
		/* The producer's name is in what was kept. */
		mark_in(s, &j, k, kept, now);
		return;
	}
	if (j.has_ts)
		s->last_ts = j.ts;
	else
		j.ts = s->last_ts; /* keeps its place among its neighbours */
	if (j.type != JT_OTHER) {
		int64_t mm, ahead;
		kind = kind_of(&j);
		ahead = s->maxts[kind];
		if (kind_marked(s, kind, &mm)) {
			j.trailing = j.ts < mm;
			if (mm > ahead || !s->has[kind])
				ahead = mm;
		} else if (s->has[kind]) {
			j.trailing = j.ts < s->maxts[kind] - GRACE_US;
		}
		if (!s->has[kind] || j.ts > s->maxts[kind])
			s->maxts[kind] = j.ts;
		s->has[kind] = true;
		s->seen[kind] = now;
		s->out[kind] = false;
		if (j.trailing)
			jstats.trailing++;
		/* So far behind its own source that what it would match may be
		 * gone from the tables (expiry follows event time): it gets no
		 * match, whenever it is decided, so that both modes agree. */
		if (j.trailing && j.ts < ahead - (jconf.linger - jconf.window - jconf.horizon)) {
			j.stale = true;
			jstats.stale++;
		}
	}
	/* The line, then what was kept of it (only records that can be
	 * taken into the tables keep anything). */
	size_t bytes = sizeof(*it) + len + 1 + (j.type != JT_OTHER ? klen : 0);
	it = pool_get(bytes);
	it->bytes = (uint32_t)bytes;
	it->k = *k;
	if (j.type != JT_OTHER)
		memcpy(it->line + len + 1, kept, klen);
	it->j = j;
	it->seq = ++seq;
	it->len = (uint32_t)len;
	it->input = input;
	memcpy(it->line, line, len);
	it->line[len] = '\0';
	if (frontier != INT64_MIN && j.ts < frontier) {
		/* Older than what went in already: it cannot take its place.
		 * Decided as of its time once every source is past that;
		 * only a trailing record is expected to be here. */
		if (!j.trailing && j.type != JT_OTHER)
			jstats.late++;
		take_in(it);
		if (nheld == capheld) {
			capheld = capheld ? capheld * 2 : 64;
			held = xreallocarray(held, capheld, sizeof(*held));
		}
		held[nheld++] = it;
		return;
	}
	wait_push(it);
}
