/* The table of application dissectors (SNIFF_DISSECTORS in dissect.h):
 * each row names a descriptor defined in the dissector's own file. */
#include "dissect.h"

#define DIS_ROW(ID, name) [APP_##ID - 1] = &dis_##name,
const struct dissector *const sniff_dissectors[APP_COUNT] = {SNIFF_DISSECTORS(DIS_ROW)};
#undef DIS_ROW

/* app ids are bits of struct flow's tried mask */
_Static_assert(APP_NONE < 32, "too many dissectors for flow.tried");
