// SPDX-License-Identifier: MIT
/*
 * run_place.c - where a run's threads run: the machine, the plan for its
 * targets (dgen/placement.h), what each planned thread did; and the
 * defaults of a run that plans nothing
 *
 * The machine is read before any target is touched, so a pretend one
 * (hwloc synthetic or XML), which can only plan, and a bad CPU list are
 * refused with nothing created. The plan is made for the targets once
 * they are open: their O_DIRECT alignment is the block each I/O must
 * fill, their sizes their weights. A dry run plans for the paths alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run_impl.h"

int run_place_machine(struct dgen_run *r, char *msg, size_t msglen)
{
	unsigned int *cpus;
	char why[512];
	int err;

	err = dgen_topology_new(&r->topo, why, sizeof(why));
	if (err < 0) {
		snprintf(msg, msglen, "cannot read the machine's topology: %s",
			 why);
		return err;
	}
	if (!r->topo->this_system && !(r->o.flags & DGEN_RUN_DRY)) {
		snprintf(msg, msglen, "the topology is a pretend machine (%s, from %s or %s): its CPUs and nodes are not this one's, so it can only be used with --dry-run",
			 r->topo->source, DGEN_ENV_HWLOC_SYNTHETIC,
			 DGEN_ENV_HWLOC_XML);
		return -EINVAL;
	}
	if (!r->o.cpus)
		return 0;
	err = dgen_cpulist_parse(r->topo, r->o.cpus, &cpus, why, sizeof(why));
	if (err < 0) {
		snprintf(msg, msglen, "--cpus: %s", why);
		return err;
	}
	free(cpus);
	return 0;
}

int run_place_plan(struct dgen_run *r, struct dgen_target *const *targets,
		   char *msg, size_t msglen)
{
	struct dgen_writer_opts *w = &r->o.writer;
	const struct dgen_plan_opts po = {
		.threads = w->threads,
		.cpus = r->o.cpus,
		.io_size = w->io_size,
		.queue_depth = w->queue_depth,
		.one_request = !!(w->ring_flags & DGEN_RING_IOPOLL),
		.cpus_shared = r->o.cpus_shared,
	};
	const struct dgen_plan_paths pp = {
		.paths = r->o.paths, .n = r->o.npaths,
		.targets = targets,
		.size = r->o.size, .offset = r->o.offset,
	};
	int err;

	err = dgen_plan_new_paths(&r->plan, r->topo, &pp, &po, msg, msglen);
	if (err < 0)
		return err;
	/* The report's job line: the first target's pool (all share --bs
	 * and --qd when given). */
	w->plan = r->plan;
	w->threads = r->plan->nthreads;
	w->io_size = r->plan->targets[0].pool.io_size;
	w->queue_depth = r->plan->targets[0].pool.queue_depth;
	r->threads = calloc(r->plan->nthreads, sizeof(*r->threads));
	if (!r->threads) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/*
 * A run without a plan (trees, stdout, or a caller's choice) takes what
 * it was not given from the unplaced defaults: a thread per online CPU,
 * 1 MiB I/Os, depth 32.
 */
void run_place_defaults(struct dgen_run *r)
{
	struct dgen_writer_opts *w = &r->o.writer;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (!w->threads)
		w->threads = cpus > 0 ? (uint32_t)cpus : 1;
	if (!w->io_size)
		w->io_size = DGEN_IO_SIZE_DEFAULT;
	if (!w->queue_depth)
		w->queue_depth = DGEN_QUEUE_DEPTH_DEFAULT;
}

void run_place_threads(struct dgen_run *r, const struct dgen_writer *w)
{
	for (unsigned int t = 0; r->threads && t < r->plan->nthreads; t++)
		r->threads[t].started = dgen_writer_thread_info(w, t,
						&r->threads[t].info) == 0;
}
