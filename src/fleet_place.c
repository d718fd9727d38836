// SPDX-License-Identifier: MIT
/*
 * fleet_place.c - a fleet rank's plan: its share of its host's CPUs
 * (fleet_impl.h)
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "fleet_impl.h"

/*
 * The ranks on this host (an MPI_COMM_TYPE_SHARED split) that may run on
 * the CPUs this one may: this one's place among them and their number,
 * for dgen_fleet_cpus. Unbound ranks all have the host's mask and share
 * its cores; ranks a launcher bound each to CPUs of their own are alone.
 * The split's colour is a hash (FNV-1a) of the mask: two masks that
 * collide only make those ranks' shares smaller. Collective.
 */
void fleet_share_get(struct fleet_share *h)
{
	uint64_t hash = 0xcbf29ce484222325ull;
	const unsigned char *b = (const unsigned char *)&h->mask;
	MPI_Comm host, same;
	int r = 0, n = 1;

	CPU_ZERO(&h->mask);
	if (sched_getaffinity(0, sizeof(h->mask), &h->mask) < 0)
		CPU_ZERO(&h->mask);
	for (size_t i = 0; i < sizeof(h->mask); i++)
		hash = (hash ^ b[i]) * 0x100000001b3ull;
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
				MPI_INFO_NULL, &host) == MPI_SUCCESS) {
		if (MPI_Comm_split(host, (int)(hash & 0x7fffffff), 0,
				   &same) == MPI_SUCCESS) {
			MPI_Comm_rank(same, &r);
			MPI_Comm_size(same, &n);
			MPI_Comm_free(&same);
		}
		MPI_Comm_free(&host);
	}
	h->local = (unsigned int)r;
	h->nlocal = (unsigned int)n;
}

/* The CPUs @p's threads run on, sorted, as a list for the report. */
static void plan_cpus(const struct dgen_plan *p, char *buf, size_t len)
{
	unsigned int *c = calloc(p->nthreads, sizeof(*c)), n = 0;

	buf[0] = '\0';
	if (!c)
		return;
	for (unsigned int i = 0; i < p->nthreads; i++) {
		unsigned int cpu = p->threads[i].cpu, k = n;

		while (k && c[k - 1] > cpu)
			k--;
		if (k && c[k - 1] == cpu)
			continue;
		memmove(c + k + 1, c + k, (n - k) * sizeof(*c));
		c[k] = cpu;
		n++;
	}
	if (dgen_cpulist_format(buf, len, c, n) >= len && len > 4)
		snprintf(buf + strnlen(buf, len - 4), 4, "...");
	free(c);
}

/*
 * This rank's plan, as a plain run makes it (tools/dgen-uring.c
 * place_plan) but on its share of the host (dgen_fleet_cpus): the threads
 * asked, or one per core of the share; --bs and --qd as given, else the
 * plan's pools. @o's writer options follow it; the plan and the topology
 * must outlive the run. Returns 0 or -errno with @msg: this rank refuses.
 */
int fleet_rank_plan(const struct dgen_run_opts *j, const struct fleet_share *h,
		    struct dgen_fleet_rank *m, struct dgen_run_opts *o,
		    struct dgen_topology **topo, struct dgen_plan **plan,
		    char *msg, size_t msglen)
{
	struct dgen_plan_opts po = {
		.io_size = j->writer.io_size,
		.queue_depth = j->writer.queue_depth,
		.one_request = !!(j->writer.ring_flags & DGEN_RING_IOPOLL),
		.cpus_shared = j->cpus_shared,
	};
	struct dgen_plan_paths pp = {
		.paths = o->paths, .n = o->npaths, .size = o->size,
		.offset = o->offset,
	};
	unsigned int *allowed = NULL, n = 0, ncores = 0;
	char *list = NULL;
	size_t len;
	int r;

	r = dgen_topology_new(topo, msg, msglen);
	if (r < 0)
		return r;
	if (!(*topo)->this_system) {
		snprintf(msg, msglen, "the topology is a pretend machine (%s): a rank plans on the machine it runs on",
			 (*topo)->source);
		return -EINVAL;
	}
	len = (size_t)(*topo)->npus * 12 + 1;
	allowed = calloc(CPU_SETSIZE, sizeof(*allowed));
	list = malloc(len);
	r = -ENOMEM;
	if (!allowed || !list)
		goto out;
	for (unsigned int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &h->mask))
			allowed[n++] = c;
	r = dgen_fleet_cpus(*topo, n ? allowed : NULL, n, h->local, h->nlocal,
			    list, len, &ncores);
	if (r < 0) {
		snprintf(msg, msglen, "cannot find this rank's CPUs (local rank %u of %u): %s",
			 h->local, h->nlocal, strerror(-r));
		goto out;
	}
	po.cpus = list;
	po.threads = j->writer.threads ? j->writer.threads : ncores;
	if (!o->npaths || dgen_run_opts_objects(o)) {
		/* Trees and objects plan nothing: as many unpinned threads
		 * (objects: the run's own depth, and no I/O size). */
		o->writer.threads = po.threads;
		if (!o->writer.io_size && !dgen_run_opts_objects(o))
			o->writer.io_size = DGEN_IO_SIZE_DEFAULT;
		if (!o->writer.queue_depth && !dgen_run_opts_objects(o))
			o->writer.queue_depth = DGEN_QUEUE_DEPTH_DEFAULT;
		snprintf(m->cpus, sizeof(m->cpus), "%s", list);
	} else {
		r = dgen_plan_new_paths(plan, *topo, &pp, &po, msg, msglen);
		if (r < 0)
			goto out;
		o->writer.plan = *plan;
		o->writer.threads = (*plan)->nthreads;
		o->writer.io_size = (*plan)->targets[0].pool.io_size;
		o->writer.queue_depth = (*plan)->targets[0].pool.queue_depth;
		plan_cpus(*plan, m->cpus, sizeof(m->cpus));
	}
	m->threads = o->writer.threads;
	m->io_size = o->writer.io_size;
	m->queue_depth = o->writer.queue_depth;
	r = 0;
out:
	free(allowed);
	free(list);
	return r;
}
