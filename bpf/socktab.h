/* socktrace.bpf.c's table of live TCP sockets (`socks`): kernel socket
 * address -> struct owner, from the socket's birth (SYN-SENT, LISTEN, a
 * listener's child) to CLOSE. Included by socktrace.bpf.c after struct
 * owner and counts().
 *
 * Why not a BPF hash: a connection puts two entries in and takes two out,
 * and each hash update or delete takes its bucket's lock and the free
 * list's, which were about 40 % of the state program's time under connection
 * churn. Here the table is an array of slots with open addressing: a slot
 * is claimed by compare-and-swap of its key (0: free), a lookup reads up
 * to SOCK_PROBES consecutive slots from the key's hash, and a delete
 * clears the key. No lock, no allocation. A socket's own events come one
 * after another (its birth happens before anything else can look for it),
 * so a slot's value is written before anyone reads it. As with the hash, a
 * full neighbourhood is counted (sock_full), never pushes out a live
 * socket.
 *
 * Kernels without BPF atomics (before 5.12) run the probe-read object
 * (socktrace_probe.bpf.c), which keeps the hash. */
#ifndef PP_BPF_SOCKTAB_H
#define PP_BPF_SOCKTAB_H

#ifdef PP_PROBE_READ

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct owner);
} socks SEC(".maps");

static __always_inline struct owner *sock_find(__u64 key)
{
	return bpf_map_lookup_elem(&socks, &key);
}

static __always_inline bool sock_put(__u64 key, const struct owner *o)
{
	return bpf_map_update_elem(&socks, &key, o, BPF_ANY) == 0;
}

static __always_inline void sock_forget(__u64 key, struct owner *o)
{
	bpf_map_delete_elem(&socks, &key);
}

#else

#define SOCK_SLOTS_LOG 17 /* 131072 slots of 64 bytes: twice the hash's 65536 entries */
#define SOCK_SLOTS (1U << SOCK_SLOTS_LOG)
#define SOCK_PROBES 8

struct sock_slot {
	__u64 key; /* the socket's address; 0: free */
	struct owner o;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SOCK_SLOTS);
	__type(key, __u32);
	__type(value, struct sock_slot);
} socks SEC(".maps");

/* Socket addresses are slab objects of a few KiB: the high bits of a
 * Fibonacci product spread them. */
static __always_inline __u32 sock_home(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ULL) >> (64 - SOCK_SLOTS_LOG));
}

static __always_inline struct sock_slot *sock_slot(__u32 home, __u32 i)
{
	__u32 idx = (home + i) & (SOCK_SLOTS - 1);
	return bpf_map_lookup_elem(&socks, &idx);
}

static __always_inline struct owner *sock_find(__u64 key)
{
	__u32 home = sock_home(key);

	for (__u32 i = 0; i < SOCK_PROBES; i++) {
		struct sock_slot *s = sock_slot(home, i);
		if (s && s->key == key)
			return &s->o;
	}
	return NULL;
}

/* In the key's own slot if it has one (a socket born again at the same
 * address, its CLOSE missed), else in the first free one. */
static __always_inline bool sock_put(__u64 key, const struct owner *o)
{
	__u32 home = sock_home(key);

	for (__u32 i = 0; i < SOCK_PROBES; i++) {
		struct sock_slot *s = sock_slot(home, i);
		if (!s)
			continue;
		if (s->key == key || (s->key == 0 && __sync_val_compare_and_swap(&s->key, 0, key) == 0)) {
			s->o = *o;
			return true;
		}
	}
	return false;
}

/* o: what sock_find returned for key. */
static __always_inline void sock_forget(__u64 key, struct owner *o)
{
	struct sock_slot *s = (struct sock_slot *)((char *)o - __builtin_offsetof(struct sock_slot, o));

	__sync_val_compare_and_swap(&s->key, key, 0);
}

#endif
#endif
