/* See rec_ref.h. */
#include <string.h>

#include "rec_ref.h"

bool rec_same_as_ref(struct rec *a, struct rec *b, const char *s, size_t n)
{
	const char *ea = NULL, *eb = NULL;
	int ra = rec_parse(a, s, n, &ea), rb = rec_parse_ref(b, s, n, &eb);
	if (ra != rb || (ra < 0 && strcmp(ea, eb)))
		return false;
	if (ra < 0)
		return true;
	if (a->ntok != b->ntok || a->has_esc != b->has_esc)
		return false;
	for (unsigned i = 0; i < a->ntok; i++) {
		const jsmntok_t *x = &a->tok[i], *y = &b->tok[i];
		if (x->type != y->type || x->start != y->start || x->end != y->end ||
		    x->size != y->size || x->parent != y->parent || rec_skip(a, (int)i) != rec_skip(b, (int)i))
			return false;
	}
	return true;
}
