/* Human units for tables and the live view: 5.0KiB, 1.4s, 2m03s. */
#ifndef PP_FMT_HUMAN_H
#define PP_FMT_HUMAN_H

#include "sbuf.h"

/* 517B, 5.0KiB, 12KiB, 1.2MiB ... (binary prefixes). */
void hum_bytes(double bytes, struct sbuf *out);
/* 850us, 12ms, 1.4s, 2m03s, 1h02m, 3d04h. */
void hum_duration(double secs, struct sbuf *out);

#endif
