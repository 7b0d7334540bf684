/* sniff_rec_begin/sniff_rec_end for the dissector unit tests (the real
 * ones live in pp-sniff's record.c, which needs the whole core): the
 * record has type and ts only; the test reads what the dissector added. */
#include "../../cmd/pp-sniff/dissect.h"

void sniff_rec_begin(struct sniff_ctx *c, const char *type)
{
	jw_rec_begin(c->w, type, c->ts_us);
}

void sniff_rec_end(struct sniff_ctx *c)
{
	jw_rec_end(c->w, c->out);
}
