/* For scripts/bench-ebpf.sh: attach every program of an object built from
 * scripts/bench-emptyhooks.bpf.c (cgroup programs to the cgroup named),
 * say "attached" on stdout, and hold them until SIGINT/SIGTERM. The floor
 * of pp-trace's cost: the same hooks with programs that do nothing. With
 * SECTIONS (comma-separated section names), only those: what each hook
 * costs by itself. */
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

/* Is sec one of the comma-separated names of list? */
static int listed(const char *list, const char *sec)
{
	size_t n = strlen(sec);
	for (const char *p = list;; p++) {
		if (!strncmp(p, sec, n) && (p[n] == ',' || !p[n]))
			return 1;
		if (!(p = strchr(p, ',')))
			return 0;
	}
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int cg, n = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: bench-emptyhooks OBJECT CGROUP_DIR [SECTIONS]\n");
		return 2;
	}
	cg = open(argv[2], O_RDONLY | O_DIRECTORY);
	obj = bpf_object__open_file(argv[1], NULL);
	if (cg < 0 || !obj || bpf_object__load(obj)) {
		fprintf(stderr, "bench-emptyhooks: cannot load %s or open %s\n", argv[1], argv[2]);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		const char *sec = bpf_program__section_name(p);
		/* the sendmsg4/recvmsg4 pair is the UDP floor's, attached by bpftool */
		if (argc == 3 && (!strcmp(sec, "cgroup/sendmsg4") || !strcmp(sec, "cgroup/recvmsg4")))
			continue;
		if (argc == 4 && !listed(argv[3], sec))
			continue;
		if (!(strncmp(sec, "cgroup", 6) && strcmp(sec, "sockops")
		          ? bpf_program__attach(p) : bpf_program__attach_cgroup(p, cg))) {
			fprintf(stderr, "bench-emptyhooks: %s does not attach\n", sec);
			return 1;
		}
		n++;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached %d\n", n);
	fflush(stdout);
	while (!stop)
		pause();
	return 0; /* the links go with the process */
}
