/* What -s, -g and -n need: records kept until the input ends (sorting), or
 * folded into groups as they come (grouping), then written in order. */
#ifndef PP_FMT_COLLECT_H
#define PP_FMT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"
#include "rec.h"

struct sortkey {
	const char *field;
	bool desc;
};

/* Kept record lines, in arrival order until rb_sort. */
struct recbuf {
	char *data;
	size_t len, cap;
	struct rb_ent *e;
	size_t n, ecap;
};

void rb_init(struct recbuf *b);
void rb_free(struct recbuf *b);
void rb_add(struct recbuf *b, const char *line, size_t len);
/* Stable sort by the keys: numbers numerically and before text, text by
 * bytes, records without the field last whatever the direction. */
void rb_sort(struct recbuf *b, const struct sortkey *k, int nk);
const char *rb_line(const struct recbuf *b, size_t i, size_t *len);

/* -g: groups keyed by the text of the fields, with aggregates. */
struct groups;
struct groups *grp_new(char **fields, int nfields);
void grp_add(struct groups *g, struct rec *r);
/* One JSON object per group (group fields, count, bytes, first, last,
 * dests) into b, in first-seen order. */
void grp_emit(struct groups *g, struct recbuf *b);
void grp_free(struct groups *g);
/* Columns of a group row when -f is not given. */
void grp_default_columns(char **fields, int nfields, const char ***cols, int *ncols);

/* Split "a,-b" into sort keys (usage error on an empty name). */
int sortkeys_parse(char *list, struct sortkey **out);

#endif
