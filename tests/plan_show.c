// SPDX-License-Identifier: MIT
/*
 * plan_show.c - print the plan --dry-run will print, until the tool has it
 *
 *   plan-show [--threads N] [--cpus LIST] TARGET...
 *
 * A TARGET is a path (probed for its node and queue limits) or NAME@NODE, a
 * pretend NVMe device on NODE (limits: 512 B blocks, 1280 KiB max I/O,
 * 1023 requests). DGEN_HWLOC_SYNTHETIC / DGEN_HWLOC_XML pick the machine.
 * Exit 2 on a bad argument, as the tool will.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/dgen.h>

#define TARGETS_MAX	64

static const struct dgen_device_limits pretend_nvme = {
	.logical_block_size = 512,
	.minimum_io_size = 512,
	.max_io_size = 1280 << 10,
	.queue_depth = 1023,
	.from_device = 1,
};

static int usage(void)
{
	fprintf(stderr, "usage: plan-show [--threads N] [--cpus LIST] TARGET...\n"
		"  TARGET: a path, or NAME@NODE for a pretend NVMe device on NODE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct dgen_plan_target_spec ts[TARGETS_MAX];
	struct dgen_device_limits lim[TARGETS_MAX];
	struct dgen_plan_opts o = { 0 };
	struct dgen_topology *t;
	struct dgen_plan *p;
	char msg[512], *text, *at;
	unsigned int n = 0;
	size_t len;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			o.threads = (unsigned int)strtoul(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			o.cpus = argv[++i];
		} else if (argv[i][0] == '-' || n == TARGETS_MAX) {
			return usage();
		} else if ((at = strchr(argv[i], '@'))) {
			*at = '\0';
			ts[n] = (struct dgen_plan_target_spec) {
				.name = argv[i], .node = atoi(at + 1),
				.limits = &pretend_nvme,
			};
			n++;
		} else {
			struct dgen_device dev;

			r = dgen_device_probe(argv[i], NULL, &dev);
			if (r < 0) {
				fprintf(stderr, "plan-show: %s: %s\n", argv[i],
					strerror(-r));
				return 2;
			}
			dgen_device_limits_read(&dev, &lim[n]);
			ts[n] = (struct dgen_plan_target_spec) {
				.name = argv[i], .node = dev.node,
				.limits = &lim[n],
			};
			n++;
		}
	}
	if (!n)
		return usage();

	r = dgen_topology_new(&t, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "plan-show: %s\n", msg);
		return 1;
	}
	r = dgen_plan_new(&p, t, ts, n, &o, msg, sizeof(msg));
	if (r < 0) {
		fprintf(stderr, "plan-show: %s\n", msg);
		dgen_topology_free(t);
		return r == -EINVAL ? 2 : 1;
	}
	len = dgen_plan_describe(p, t, NULL, 0) + 1;
	text = malloc(len);
	if (text) {
		dgen_plan_describe(p, t, text, len);
		fputs(text, stdout);
		free(text);
	}
	if (t->this_system) {
		dgen_numa_describe(msg, sizeof(msg));
		fputs(msg, stdout);
	}
	dgen_plan_free(p);
	dgen_topology_free(t);
	return 0;
}
