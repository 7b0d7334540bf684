/* rec_parse held to the reference reader (rec_parse_ref): the unit test
 * and fuzz_rec use it. */
#ifndef PP_TEST_REC_REF_H
#define PP_TEST_REC_REF_H

#include <stdbool.h>
#include <stddef.h>

#include "rec.h"

/* Line s[0..n) through both readers (a by rec_parse, b by the reference):
 * the same verdict and message, and for a good line the same tokens
 * (jsmn's fields, subtree ends) and escape flag. */
bool rec_same_as_ref(struct rec *a, struct rec *b, const char *s, size_t n);

#endif
