/* A sniff_ctx for the dissector unit tests: records go to a memory buffer
 * that the test reads back line by line. */
#ifndef SNIFF_TEST_CTX_H
#define SNIFF_TEST_CTX_H

#include "../../cmd/pp-sniff/dissect.h"
#include "rec.h"

struct tctx {
	struct sniff_ctx c;
	struct jw w;
	struct pp_tuple t;
	const char *app;
	char *buf;  /* everything written so far */
	size_t len;
};

/* proto is IPPROTO_UDP or IPPROTO_TCP; 192.0.2.1:sport -> 192.0.2.2:dport. */
void tctx_init(struct tctx *t, int proto, int sport, int dport);
void tctx_free(struct tctx *t);
/* Forget the output so far. */
void tctx_clear(struct tctx *t);
/* The output so far (NUL-terminated), and its number of lines. */
const char *tctx_out(struct tctx *t);
int tctx_lines(struct tctx *t);
/* Line i (0-based) into a static buffer, or NULL. */
const char *tctx_line(struct tctx *t, int i);
/* Does every line parse as one JSON object with our record reader? */
int tctx_all_valid(struct tctx *t);
/* Does line i parse as a record (into r)? Does the output contain s? */
bool tctx_line_parses(struct tctx *t, struct rec *r, int i);
bool tctx_has(struct tctx *t, const char *s);

/* Feed n bytes to a fresh flow state of a stream dissector in direction
 * orig, in one go or growing a byte at a time (as segments arrive); the
 * state is freed; returns the last result. */
typedef int (*tctx_stream_fn)(struct sniff_ctx *c, void **state, const uint8_t *buf, size_t len,
                              bool capped);
int tctx_feed(struct tctx *t, tctx_stream_fn fn, void (*free_fn)(void *), const void *s, size_t n,
              bool orig, bool bytewise, bool capped);

#endif
