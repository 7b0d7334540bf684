/* The /proc parsers of common/proc.c on arbitrary bytes: stat (hostile
 * comms), cmdline (bounds and redaction: no argument longer than the
 * bound, no more arguments than the bound), cgroup files and paths. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = malloc(size ? size : 1), comm[16], out[128];
	pid_t ppid;
	uint64_t start;
	char **argv;

	memcpy(b, data, size);
	if (proc_parse_stat(b, size, comm, &ppid, &start) == 0 && strlen(comm) > 15)
		abort();
	int argc = proc_parse_cmdline(b, size, &argv);
	if (argc > PROC_ARGS_MAX)
		abort();
	for (int i = 0; i < argc; i++)
		if (strlen(argv[i]) > PROC_ARG_MAX)
			abort();
	proc_free_argv(argv, argc);
	char *cg = proc_cgroup_v2(b, size);
	if (cg) {
		proc_container_from_cgroup(cg, out, sizeof(out));
		free(cg);
	}
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	if (proc_container_from_cgroup(s, out, sizeof(out)) && strlen(out) >= sizeof(out))
		abort();
	free(s);
	free(b);
	return 0;
}
