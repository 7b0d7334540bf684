/* Selectors: what the user asks to quarantine, and which records show it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft.h"
#include "pp.h"

static const struct {
	const char *key;
	enum sel_kind kind;
} keys[] = {
	{"pid", SEL_PID}, {"comm", SEL_COMM}, {"exe", SEL_EXE}, {"uid", SEL_UID},
	{"cgroup", SEL_CGROUP}, {"container", SEL_CONTAINER}, {"dst", SEL_DST}, {"name", SEL_NAME},
};

int selector_parse(const char *s, struct selector *sel, char *err, size_t errlen)
{
	const char *eq = strchr(s, '=');
	const char *e;
	size_t kl;

	memset(sel, 0, sizeof(*sel));
	sel->text = s;
	if (!eq || eq == s || !eq[1]) {
		snprintf(err, errlen, "'%s': a selector is KEY=VALUE (pid, comm, exe, uid, cgroup, container, dst, name)", s);
		return -1;
	}
	kl = (size_t)(eq - s);
	sel->value = eq + 1;
	for (size_t i = 0; i < PP_ARRAY_LEN(keys); i++)
		if (strlen(keys[i].key) == kl && !strncmp(s, keys[i].key, kl)) {
			sel->kind = keys[i].kind;
			goto found;
		}
	snprintf(err, errlen, "'%s': unknown selector key (pid, comm, exe, uid, cgroup, container, dst, name)", s);
	return -1;
found:
	switch (sel->kind) {
	case SEL_PID:
	case SEL_UID:
		if (pp_parse_ll(sel->value, 0, 4294967295LL, &sel->num, &e) < 0) {
			snprintf(err, errlen, "'%s': %s number", s, e);
			return -1;
		}
		break;
	case SEL_DST: {
		char buf[64];
		const char *slash = strchr(sel->value, '/');
		size_t al = slash ? (size_t)(slash - sel->value) : strlen(sel->value);
		if (al >= sizeof(buf)) {
			snprintf(err, errlen, "'%s': not an address", s);
			return -1;
		}
		memcpy(buf, sel->value, al);
		buf[al] = '\0';
		if (pp_addr_parse(buf, &sel->addr) < 0) {
			snprintf(err, errlen, "'%s': not an IPv4 or IPv6 address", s);
			return -1;
		}
		pp_addr_unmap(&sel->addr);
		sel->prefix = sel->addr.family == 2 /* AF_INET */ ? 32 : 128;
		if (slash) {
			long long p;
			if (pp_parse_ll(slash + 1, 0, sel->prefix, &p, &e) < 0) {
				snprintf(err, errlen, "'%s': prefix length %s (0..%d)", s, e, sel->prefix);
				return -1;
			}
			sel->prefix = (int)p;
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

bool selector_is_process(const struct selector *sel)
{
	return sel->kind != SEL_DST && sel->kind != SEL_NAME;
}

static bool str_is(struct rec *r, const char *key, const char *want)
{
	const char *v = rec_str(r, key);
	return v && !strcmp(v, want);
}

bool selector_matches_process(const struct selector *sel, struct rec *r)
{
	long long v;
	switch (sel->kind) {
	case SEL_PID: return rec_i64(r, "pid", &v) && v == sel->num;
	case SEL_UID: return rec_i64(r, "uid", &v) && v == sel->num;
	case SEL_COMM: return str_is(r, "comm", sel->value);
	case SEL_EXE: return str_is(r, "exe", sel->value);
	case SEL_CGROUP: {
		/* The cgroup itself or one below it. */
		const char *c = rec_str(r, "cgroup");
		size_t n = strlen(sel->value);
		while (n > 1 && sel->value[n - 1] == '/')
			n--;
		return c && !strncmp(c, sel->value, n) && (c[n] == '\0' || c[n] == '/');
	}
	case SEL_CONTAINER: {
		/* Full id or a unique prefix of at least 12 characters, as docker. */
		const char *c = rec_str(r, "container");
		size_t n = strlen(sel->value);
		return c && (!strcmp(c, sel->value) || (n >= 12 && !strncmp(c, sel->value, n)));
	}
	default: return false;
	}
}
