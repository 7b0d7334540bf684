/* Reading ahead: see ahead.h. A ring of NBATCH batches between the reader
 * (producer) and the joining side (consumer); each batch holds up to
 * BATCH_LINES parsed lines and their bytes, so that the two sides meet
 * once a batch, not once a line. Memory: NBATCH batches of at most
 * BATCH_BYTES plus one line each. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>

#include "ahead.h"
#include "pp.h"
#include "sbuf.h"

#define NBATCH 4
#define BATCH_LINES 1024
#define BATCH_BYTES (256u << 10)

struct ent {
	struct ahead_line l;
	size_t off, koff; /* of the line and what was kept, in bytes */
};

struct batch {
	struct ent v[BATCH_LINES];
	size_t n;
	struct sbuf bytes;
};

struct ahead {
	struct lr *lr;
	struct batch b[NBATCH];
	/* The consumer takes b[head % NBATCH] .. while full > 0; the producer
	 * fills b[(head + full) % NBATCH] while full < NBATCH. */
	unsigned head, full;
	size_t next;       /* the consumer's position in b[head] */
	bool holding;      /* the consumer is in b[head] */
	bool ended;        /* the consumer had the end */
	bool threaded, stop;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch filled, or one freed, or stop */
	/* the producer's parsing state */
	struct rec r;
	struct sbuf keep;
};

/* Read and parse into b until it is full or the input ends. */
static void fill(struct ahead *a, struct batch *b)
{
	b->n = 0;
	sb_reset(&b->bytes);
	while (b->n < BATCH_LINES && b->bytes.len < BATCH_BYTES) {
		struct ent *e = &b->v[b->n++];
		char *line;
		size_t len;
		int t = lr_next(a->lr, &line, &len);
		memset(&e->l, 0, sizeof(e->l));
		e->l.kind = t;
		e->l.lineno = a->lr->lineno;
		if (t == LR_ERROR)
			e->l.err_no = errno;
		if (t == LR_EOF || t == LR_ERROR)
			return;
		if (t != LR_LINE)
			continue;
		e->off = b->bytes.len;
		e->l.len = len;
		sb_put(&b->bytes, line, len);
		e->l.ok = jparse(&a->r, line, len, &e->l.j, &e->l.k, &a->keep, &e->l.err);
		if (e->l.ok) {
			e->koff = b->bytes.len;
			e->l.klen = a->keep.len;
			sb_put(&b->bytes, a->keep.s, a->keep.len);
		}
	}
}

/* The batch's last line ends the input. */
static bool ends(const struct batch *b)
{
	return b->n > 0 && (b->v[b->n - 1].l.kind == LR_EOF || b->v[b->n - 1].l.kind == LR_ERROR);
}

static void *producer(void *arg)
{
	struct ahead *a = arg;
	for (;;) {
		struct batch *b;
		pthread_mutex_lock(&a->mu);
		while (a->full == NBATCH && !a->stop)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		b = &a->b[(a->head + a->full) % NBATCH];
		pthread_mutex_unlock(&a->mu);
		fill(a, b);
		pthread_mutex_lock(&a->mu);
		a->full++;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (ends(b))
			return NULL;
	}
}

/* A thread pays only with a second CPU to run it on. */
static bool two_cpus(void)
{
	cpu_set_t set;
	return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 2;
}

struct ahead *ahead_start(struct lr *lr)
{
	struct ahead *a = xcalloc(1, sizeof(*a));
	a->lr = lr;
	for (int i = 0; i < NBATCH; i++)
		sb_init(&a->b[i].bytes);
	rec_init(&a->r);
	sb_init(&a->keep);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	a->threaded = two_cpus() && pthread_create(&a->th, NULL, producer, a) == 0;
	return a;
}

const struct ahead_line *ahead_next(struct ahead *a)
{
	static const struct ahead_line end = {.kind = LR_EOF};
	struct batch *b = &a->b[a->head % NBATCH];
	struct ent *e;

	if (a->ended)
		return &end; /* nothing is read after the end */
	if (a->holding && a->next == b->n) {
		/* This batch is done: give it back. */
		a->holding = false;
		if (a->threaded) {
			pthread_mutex_lock(&a->mu);
			a->head++;
			a->full--;
			pthread_cond_broadcast(&a->cv);
			pthread_mutex_unlock(&a->mu);
		} else {
			a->head++;
		}
		b = &a->b[a->head % NBATCH];
	}
	if (!a->holding) {
		if (a->threaded) {
			pthread_mutex_lock(&a->mu);
			while (a->full == 0)
				pthread_cond_wait(&a->cv, &a->mu);
			pthread_mutex_unlock(&a->mu);
		} else {
			fill(a, b);
		}
		a->holding = true;
		a->next = 0;
	}
	e = &b->v[a->next++];
	a->ended = e->l.kind == LR_EOF || e->l.kind == LR_ERROR;
	if (e->l.kind == LR_LINE) {
		e->l.line = b->bytes.s + e->off;
		e->l.kept = e->l.ok ? b->bytes.s + e->koff : NULL;
	}
	return &e->l;
}

void ahead_free(struct ahead *a)
{
	if (!a)
		return;
	if (a->threaded) {
		pthread_mutex_lock(&a->mu);
		a->stop = true;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->th, NULL);
	}
	for (int i = 0; i < NBATCH; i++)
		sb_free(&a->b[i].bytes);
	rec_free(&a->r);
	sb_free(&a->keep);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
}
