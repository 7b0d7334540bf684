/* Human units. Two significant digits below 10, whole numbers above: as
 * wide as a table cell needs and no wider. */
#include "human.h"

#include <math.h>

void hum_bytes(double b, struct sbuf *out)
{
	static const char *const unit[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = -1;
	if (!isfinite(b) || b < 0) {
		sb_printf(out, "%g", b);
		return;
	}
	if (b < 1024) {
		sb_printf(out, "%.0fB", b);
		return;
	}
	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	/* 9.96 would print as "10.0": switch to the whole-number form there. */
	if (b < 9.95)
		sb_printf(out, "%.1f%s", b, unit[u]);
	else
		sb_printf(out, "%.0f%s", b, unit[u]);
}

void hum_duration(double s, struct sbuf *out)
{
	long long t;
	if (!isfinite(s) || s < 0) {
		sb_printf(out, "%g", s);
		return;
	}
	if (s < 0.0009995) {
		sb_printf(out, "%.0fus", s * 1e6);
		return;
	}
	if (s < 0.9995) {
		sb_printf(out, "%.0fms", s * 1e3);
		return;
	}
	if (s < 59.95) {
		sb_printf(out, "%.1fs", s);
		return;
	}
	t = llround(s);
	if (t < 3600)
		sb_printf(out, "%lldm%02llds", t / 60, t % 60);
	else if (t < 86400)
		sb_printf(out, "%lldh%02lldm", t / 3600, t / 60 % 60);
	else
		sb_printf(out, "%lldd%02lldh", t / 86400, t / 3600 % 24);
}
