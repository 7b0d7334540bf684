/* Reading ahead: see ahead.h. A ring of NBATCH batches between the reader
 * (producer) and the joining side (consumer); each batch holds up to
 * BATCH_LINES parsed lines and their bytes, so that the two sides meet
 * once a batch, not once a line. Memory: NBATCH batches of at most
 * BATCH_BYTES plus one line each; a full ring stops the reading (a pipe's
 * writer then waits, as it would for a slow reader). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
	bool threaded, live, stop;
	bool waiting;      /* live: the producer has published all it read and waits for input */
	bool draining;     /* live: read what is there without waiting, then end (atomic) */
	int drained;       /* reads since */
	int wake;          /* live: an eventfd that wakes the producer to stop */
	int notify;        /* live: the consumer's eventfd, written once a batch is out */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* a batch filled, or one freed, or stop */
	/* the producer's parsing state */
	struct rec r;
	struct sbuf keep;
};

/* One line from the reader (t: what lr_next/lr_take said) into b. */
static void put(struct ahead *a, struct batch *b, int t, char *line, size_t len)
{
	struct ent *e = &b->v[b->n++];
	memset(&e->l, 0, sizeof(e->l));
	e->l.kind = t;
	e->l.lineno = a->lr->lineno;
	if (t == LR_ERROR)
		e->l.err_no = errno;
	if (t != LR_LINE)
		return;
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

/* A batch to fill again. */
static void batch_reset(struct batch *b)
{
	b->n = 0;
	sb_reset(&b->bytes);
}

static bool room(const struct batch *b)
{
	return b->n < BATCH_LINES && b->bytes.len < BATCH_BYTES;
}

/* File mode: read (blocking) and parse into b until it is full or the
 * input ends. */
static void fill(struct ahead *a, struct batch *b)
{
	batch_reset(b);
	while (room(b)) {
		char *line;
		size_t len;
		int t = lr_next(a->lr, &line, &len);
		put(a, b, t, line, len);
		if (t == LR_EOF || t == LR_ERROR)
			return;
	}
}

/* Reads of what is there once draining (ahead_drain): a writer that goes
 * on cannot keep us. */
#define DRAIN_READS 16

/* Live mode: what is there, up to a batch; waits only while b is empty,
 * so that a line goes on as soon as nothing follows it at once. */
static void fill_live(struct ahead *a, struct batch *b)
{
	batch_reset(b);
	while (room(b)) {
		char *line;
		size_t len;
		int t = lr_take(a->lr, &line, &len);
		struct pollfd p[2] = {{.fd = a->lr->fd, .events = POLLIN}, {.fd = a->wake, .events = POLLIN}};
		bool drain;
		int r;

		if (t != LR_AGAIN) {
			put(a, b, t, line, len);
			if (t == LR_EOF)
				return;
			continue;
		}
		/* No whole line buffered: more now, or wait for it. */
		if (b->n == 0) {
			pthread_mutex_lock(&a->mu);
			a->waiting = true;
			pthread_mutex_unlock(&a->mu);
		}
		drain = __atomic_load_n(&a->draining, __ATOMIC_ACQUIRE);
		r = poll(p, 2, b->n || drain ? 0 : -1);
		if (b->n == 0) {
			pthread_mutex_lock(&a->mu);
			a->waiting = false;
			pthread_mutex_unlock(&a->mu);
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			put(a, b, LR_ERROR, NULL, 0);
			return;
		}
		if (p[1].revents && !drain) {
			if (__atomic_load_n(&a->draining, __ATOMIC_ACQUIRE))
				continue; /* told to drain: again, without waiting */
			return;           /* stopping (ahead_free): nobody reads this batch */
		}
		if (drain && (!p[0].revents || ++a->drained > DRAIN_READS)) {
			/* all that was there: the end (a last line without its
			 * newline, still coming, is not taken) */
			put(a, b, LR_EOF, NULL, 0);
			return;
		}
		if (!p[0].revents)
			return; /* nothing more at once: out with what we have */
		if (lr_fill(a->lr) == LR_ERROR) {
			put(a, b, LR_ERROR, NULL, 0);
			return;
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
		if (a->live)
			fill_live(a, b);
		else
			fill(a, b);
		pthread_mutex_lock(&a->mu);
		if (a->stop) {
			pthread_mutex_unlock(&a->mu);
			return NULL;
		}
		a->full++;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (a->live) {
			uint64_t one = 1;
			if (write(a->notify, &one, sizeof(one)) < 0) {
				/* full counter: the consumer has been told already */
			}
		}
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

/* The producer with every signal blocked: they are the joining thread's
 * to take (SIGINT, SIGTERM, SIGHUP). */
static bool start_thread(struct ahead *a)
{
	sigset_t all, old;
	bool ok;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ok = pthread_create(&a->th, NULL, producer, a) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

static struct ahead *ahead_new(struct lr *lr)
{
	struct ahead *a = xcalloc(1, sizeof(*a));
	a->lr = lr;
	a->wake = a->notify = -1;
	for (int i = 0; i < NBATCH; i++)
		sb_init(&a->b[i].bytes);
	rec_init(&a->r);
	sb_init(&a->keep);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	return a;
}

struct ahead *ahead_start(struct lr *lr)
{
	struct ahead *a = ahead_new(lr);
	a->threaded = two_cpus() && start_thread(a);
	return a;
}

struct ahead *ahead_start_live(struct lr *lr, int notify)
{
	struct ahead *a = ahead_new(lr);
	a->live = true;
	a->notify = notify;
	a->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (a->wake < 0 || !start_thread(a))
		pp_die(2, "cannot start a reader thread: %s", strerror(errno));
	a->threaded = true;
	return a;
}

/* The next line; NULL if none is ready and wait is false. */
static const struct ahead_line *take(struct ahead *a, bool wait)
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
			while (a->full == 0 && wait)
				pthread_cond_wait(&a->cv, &a->mu);
			if (a->full == 0) {
				pthread_mutex_unlock(&a->mu);
				return NULL;
			}
			pthread_mutex_unlock(&a->mu);
		} else {
			fill(a, b);
		}
		a->holding = true;
		a->next = 0;
		if (b->n == 0) /* (a live batch cut short: cannot happen) */
			return take(a, wait);
	}
	e = &b->v[a->next++];
	a->ended = e->l.kind == LR_EOF || e->l.kind == LR_ERROR;
	if (e->l.kind == LR_LINE) {
		e->l.line = b->bytes.s + e->off;
		e->l.kept = e->l.ok ? b->bytes.s + e->koff : NULL;
	}
	return &e->l;
}

const struct ahead_line *ahead_next(struct ahead *a)
{
	return take(a, true);
}

const struct ahead_line *ahead_ready(struct ahead *a)
{
	return take(a, false);
}

void ahead_drain(struct ahead *a)
{
	uint64_t one = 1;
	__atomic_store_n(&a->draining, true, __ATOMIC_RELEASE);
	if (write(a->wake, &one, sizeof(one)) < 0) {
		/* cannot fail on a fresh eventfd */
	}
}

bool ahead_caught_up(struct ahead *a)
{
	bool r;
	if (a->holding && a->next < a->b[a->head % NBATCH].n)
		return false;
	pthread_mutex_lock(&a->mu);
	/* (the held batch, all taken, is still counted in full) */
	r = a->waiting && a->full == (a->holding ? 1u : 0u);
	pthread_mutex_unlock(&a->mu);
	return r;
}

void ahead_free(struct ahead *a)
{
	if (!a)
		return;
	if (a->threaded) {
		uint64_t one = 1;
		pthread_mutex_lock(&a->mu);
		a->stop = true;
		pthread_cond_broadcast(&a->cv);
		pthread_mutex_unlock(&a->mu);
		if (a->wake >= 0 && write(a->wake, &one, sizeof(one)) < 0) {
			/* cannot fail on a fresh eventfd; the join would wait */
		}
		pthread_join(a->th, NULL);
	}
	if (a->wake >= 0)
		close(a->wake);
	for (int i = 0; i < NBATCH; i++)
		sb_free(&a->b[i].bytes);
	rec_free(&a->r);
	sb_free(&a->keep);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a);
}
