/* pp-nft internals: selectors, the evidence they gather, and the script. */
#ifndef PP_NFT_H
#define PP_NFT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "rec.h"
#include "tuple.h"

enum sel_kind { SEL_PID, SEL_COMM, SEL_EXE, SEL_UID, SEL_CGROUP, SEL_CONTAINER, SEL_DST, SEL_NAME };

struct selector {
	enum sel_kind kind;
	const char *text;      /* as given, e.g. "pid=1234" */
	const char *value;     /* after '=' */
	long long num;         /* pid, uid */
	struct pp_addr addr;   /* dst */
	int prefix;            /* dst prefix length */
};

/* Parse "key=value"; on error returns -1 with a message in err. */
int selector_parse(const char *s, struct selector *sel, char *err, size_t errlen);
bool selector_is_process(const struct selector *sel);
/* Does record r belong to the process this selector names? */
bool selector_matches_process(const struct selector *sel, struct rec *r);

#define MAX_ADDRS 4096

struct evidence {
	unsigned long records;          /* records that were evidence */
	unsigned long by_type[8];       /* sock, flow, dns, tls, http, ssh, quic, other */
	double first_ts, last_ts;
	struct pp_addr addrs[MAX_ADDRS]; /* destinations (host addresses) */
	int prefix[MAX_ADDRS];
	int naddrs;
	bool addrs_truncated;
	/* What the records say of the selected process(es): kept when unique. */
	long long uid; int uid_state;   /* 0 unseen, 1 one value, 2 several */
	char *cgroup; int cgroup_state;
	char *comm, *exe; long long pid;
	char **names; int nnames;        /* DNS names seen for destinations */
};

void evidence_init(struct evidence *ev);
void evidence_free(struct evidence *ev);
/* Feed one record; sels decide whether it is evidence. */
void evidence_add(struct evidence *ev, struct rec *r, const struct selector *sels, int nsels);

enum nft_action { ACT_DROP, ACT_REJECT, ACT_LOG };

struct script_opts {
	const char *table;      /* default pp_quarantine */
	enum nft_action action;
	bool input;             /* also an input chain */
	const char *cgroup_root; /* where nft resolves cgroupv2 paths */
	bool cgroup_usable;     /* cgroup v2 mounted where nft looks for it */
};

/* Write the whole nft script; returns the number of rules, or -1 when
 * writing failed. */
int script_write(FILE *f, const struct evidence *ev, const struct selector *sels, int nsels,
                 const struct script_opts *o);

/* Text made safe for an nft comment line or a quoted nft string: printable
 * ASCII only, no quotes or backslashes; others shown as \xHH. */
void nft_safe(const char *in, char *out, size_t outlen);
/* A cgroup path nft can take in quotes verbatim, or false. */
bool nft_path_ok(const char *path);

#endif
