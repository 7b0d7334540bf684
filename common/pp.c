/* Messages, checked numbers and time for every command. */
#include "pp.h"
#include "wfail.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sbuf.h"
#include "termsafe.h"

const char *pp_progname = "pp";

void pp_setprog(const char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	if (argv0)
		pp_progname = slash ? slash + 1 : argv0;
}

/* Messages quote values from records, files and the command line: they go
 * out terminal-safe (termsafe.h). An out-of-memory while making one safe
 * comes back here; that message is our own text and goes out as it is. */
static void put_msg(const char *file, unsigned long line, const char *msg, int errnum)
{
	static bool busy;
	struct sbuf b;
	if (busy) {
		fprintf(stderr, "%s: %s\n", pp_progname, msg);
		return;
	}
	busy = true;
	sb_init(&b);
	ts_puts(&b, pp_progname);
	sb_puts(&b, ": ");
	if (file) {
		ts_puts(&b, file);
		sb_printf(&b, ":%lu: ", line);
	}
	ts_puts(&b, msg);
	if (errnum)
		sb_printf(&b, ": %s", strerror(errnum));
	sb_putc(&b, '\n');
	fputs(b.s, stderr);
	sb_free(&b);
	busy = false;
}

static void vwarn(int errnum, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	put_msg(NULL, 0, msg, errnum);
}

void pp_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
}

void pp_warn_errno(const char *fmt, ...)
{
	int e = errno;
	va_list ap;
	va_start(ap, fmt);
	vwarn(e, fmt, ap);
	va_end(ap);
}

void pp_die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
	exit(status);
}

void pp_usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(0, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", pp_progname);
	exit(PP_EXIT_USAGE);
}

void pp_warn_at(const char *file, unsigned long line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_msg(file, line, msg, 0);
}

int pp_parse_ll(const char *s, long long min, long long max, long long *out, const char **errstr)
{
	char *end;
	long long v;

	*errstr = NULL;
	if (!s || !*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9'))) {
		*errstr = "invalid";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		*errstr = "too small";
		return -1;
	}
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

int pp_parse_duration(const char *s, double *secs)
{
	char *end;
	double v, mul = 1;

	if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -1;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		mul = 1;
	else if (!strcmp(end, "ms"))
		mul = 1e-3;
	else if (!strcmp(end, "us"))
		mul = 1e-6;
	else if (!strcmp(end, "m"))
		mul = 60;
	else if (!strcmp(end, "h"))
		mul = 3600;
	else
		return -1;
	*secs = v * mul;
	return 0;
}

long long pp_opt_ll(const char *opt, const char *s, long long min, long long max)
{
	long long v;
	const char *e;
	if (pp_parse_ll(s, min, max, &v, &e) < 0)
		pp_usage_error("invalid value for %s: '%s' (%s; expected %lld..%lld)", opt, s, e, min, max);
	return v;
}

double pp_opt_duration(const char *opt, const char *s)
{
	double v;
	if (pp_parse_duration(s, &v) < 0)
		pp_usage_error("invalid duration for %s: '%s' (expected e.g. 0.5, 2s, 250ms, 5m)", opt, s);
	return v;
}

uint64_t pp_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double pp_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void pp_fmt_time(double ts, bool utc, int decimals, char *buf, size_t len)
{
	struct tm tm;
	time_t t;
	char base[64];

	if (!isfinite(ts) || ts < 0 || ts > 253402300799.0) {
		snprintf(buf, len, "%.6f", ts);
		return;
	}
	/* Work in whole microseconds so that 1.1 prints as .100, not .099. */
	long long us = llround(ts * 1e6);
	t = (time_t)(us / 1000000);
	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	if (decimals <= 0) {
		snprintf(buf, len, "%s", base);
		return;
	}
	if (decimals > 6)
		decimals = 6;
	long div = 1;
	for (int i = decimals; i < 6; i++)
		div *= 10;
	snprintf(buf, len, "%s.%0*lld", base, decimals, (us % 1000000) / div);
}

void pp_out_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

/* Stateless forms of common/wfail.h, for a caller that keeps its own. */
static int wfail_code(const struct pp_wfail *w)
{
	return w->state == PP_WF_OK ? 0 : w->state == PP_WF_GONE ? -1 : -2;
}

int pp_out_flush(FILE *f)
{
	struct pp_wfail w = {PP_WF_OK};
	pp_wfail_flush(&w, f);
	return wfail_code(&w);
}

int pp_out_close(FILE *f)
{
	struct pp_wfail w = {PP_WF_OK};
	pp_wfail_close(&w, f);
	return wfail_code(&w);
}

void pp_print_version(void)
{
	printf("%s (PortPulse) %s\n", pp_progname, PP_VERSION);
}

bool pp_out_hup(short revents)
{
	return (revents & (POLLERR | POLLHUP)) != 0;
}

bool pp_out_gone(void)
{
	struct pollfd p = {.fd = STDOUT_FILENO, .events = 0};
	return poll(&p, 1, 0) == 1 && pp_out_hup(p.revents);
}
