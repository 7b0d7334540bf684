/* Program-wide helpers: messages as "prog: ...", checked numbers, time. */
#ifndef PP_H
#define PP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Exit status contract shared by every command (see each man page). */
enum { PP_EXIT_OK = 0, PP_EXIT_RUNTIME = 1, PP_EXIT_USAGE = 2 };

extern const char *pp_progname;
void pp_setprog(const char *argv0);

/* "prog: message" on stderr; pp_warn_errno appends ": strerror(errno)". */
void pp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pp_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, then exit(status). */
void pp_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* "prog: usage error text" then "Try 'prog --help'." and exit(2). */
void pp_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Input error tied to a place: "prog: FILE:LINE: message". */
void pp_warn_at(const char *file, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* strtonum-style: whole string, base 10, within [min,max]. Returns 0 and sets
 * *out, or -1 with *errstr = "invalid", "too small" or "too large". */
int pp_parse_ll(const char *s, long long min, long long max, long long *out, const char **errstr);
/* A number of seconds: "0.25", "3", "2s", "500ms", "5m", "1h". -1 on error. */
int pp_parse_duration(const char *s, double *secs);
/* Option helpers that exit 2 with "prog: invalid value for -x: 'v' (reason)". */
long long pp_opt_ll(const char *opt, const char *s, long long min, long long max);
double pp_opt_duration(const char *opt, const char *s);

/* Wall clock in microseconds since the epoch, and monotonic seconds. */
uint64_t pp_now_us(void);
double pp_mono(void);
/* "2026-11-23 07:08:46.123456" (local time, or UTC when utc) into buf. */
void pp_fmt_time(double ts, bool utc, int decimals, char *buf, size_t len);

/* Output handling shared by all commands: SIGPIPE ignored, so that a write
 * to a closed pipe fails with EPIPE, which means "reader went away" and is
 * a quiet, successful end (see DESIGN.md). The commands keep the state in
 * a struct pp_wfail (wfail.h); these two are its stateless forms. */
void pp_out_init(void);
int pp_out_flush(FILE *f);       /* 0 ok, -1 EPIPE (quiet end), -2 other error (reported) */
int pp_out_close(FILE *f);       /* fflush+ferror+fclose of stdout at exit; same codes */

/* Has the reader of standard output gone away? A pipe whose reader closed
 * shows POLLERR on our end (a socket POLLHUP) without anything written, so
 * an idle command can end with its pipeline ("| pp-fmt --top", then q).
 * pp_out_hup tests the revents of {STDOUT_FILENO, .events = 0} in a poll
 * set; pp_out_gone polls fd 1 now, without waiting. */
bool pp_out_hup(short revents);
bool pp_out_gone(void);

/* --version text for every command. */
void pp_print_version(void);

/* Unknown option or missing value: getopt has already said which (as
 * "prog: ...", once argv[0] is set to pp_progname); then the synopsis and
 * "Try 'prog --help'", exit 2. Not the whole help: the mistake stays
 * visible. */
void pp_bad_option(const char *synopsis) __attribute__((noreturn));

/* End-of-run summaries (counts, not problems) go to stderr only with -v or
 * when a person is looking (stderr is a terminal), not into every cron
 * mail. Drops, skipped input and errors are said whatever this says. */
bool pp_summary_wanted(bool verbose);

/* Value of a hex digit, or -1. */
static inline int pp_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* src into dst[size] (size > 0), cut to size - 1 bytes, NUL-terminated:
 * snprintf(dst, size, "%s", src) without the format parsing, for the
 * record paths (a comm into its cache entry). */
static inline void pp_strcpy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define PP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* "%llu record%s", n, PP_S(n): 1 record, 2 records. */
#define PP_S(n) ((n) == 1 ? "" : "s")

#endif
