// SPDX-License-Identifier: MIT
/*
 * writer_place.c - the writer's side of a placement plan
 *
 * The plan (placement.c) says which CPU, node and targets each thread has;
 * this file turns that into what a worker does: the units of a target it
 * owns (the target's units shared among the target's threads only, so each
 * offset is still written once), the size of its pool, and, on the thread
 * itself, pin -> prefer node -> (ring) -> buffers touched on the node. Both
 * the affinity and the pages' node are read back from the kernel, so the
 * report says what happened rather than what was asked.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numaif.h>

#include "refuse.h"
#include "target_impl.h"
#include "writer_place.h"

/* move_pages() takes this many pages per call: bounded stack arrays. */
#define PAGES_PER_CALL	512u

int place_opts(struct dgen_writer_opts *out, const struct dgen_writer_opts *o,
	       struct dgen_target *const *targets, unsigned int n,
	       char *msg, size_t msglen)
{
	const struct dgen_plan *p = o->plan;
	uint32_t io = 0, qd = 0;

	if (p->ntargets != n)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "the plan is for %u targets, the writer has %u",
				   p->ntargets, n);
	if (!p->nthreads || p->nthreads > DGEN_THREADS_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "the plan's %u threads are out of range: 1 to %u",
				   p->nthreads, DGEN_THREADS_MAX);
	for (unsigned int k = 0; k < n; k++) {
		const struct dgen_plan_target *pt = &p->targets[k];
		const struct dgen_target_info *i = &targets[k]->info;

		if (!pt->nthreads || pt->first_thread + pt->nthreads > p->nthreads ||
		    !pt->pool.io_size || !pt->pool.queue_depth)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "the plan gives %s no thread or no pool",
					   i->path);
		if (pt->pool.io_size % i->dio_offset_align)
			return dgen_refuse(-EINVAL, msg, msglen,
					   "I/O size %u is not a multiple of %u bytes, the O_DIRECT alignment of %s",
					   pt->pool.io_size, i->dio_offset_align,
					   i->path);
		if (pt->pool.io_size > io)
			io = pt->pool.io_size;
	}
	for (unsigned int t = 0; t < p->nthreads; t++)
		if (place_depth(p, t) > qd)
			qd = place_depth(p, t);
	*out = *o;
	out->threads = p->nthreads;
	out->io_size = io;
	out->queue_depth = qd;
	return 0;
}

int place_walk(const struct dgen_plan *p, unsigned int t, unsigned int k,
	       uint64_t *first, uint64_t *step, uint32_t *io)
{
	const struct dgen_plan_target *pt = &p->targets[k];

	if (t < pt->first_thread || t >= pt->first_thread + pt->nthreads)
		return 0;
	*first = t - pt->first_thread;
	*step = pt->nthreads;
	*io = pt->pool.io_size;
	return 1;
}

uint32_t place_depth(const struct dgen_plan *p, unsigned int t)
{
	const struct dgen_plan_thread *th = &p->threads[t];
	uint32_t qd = 0;

	for (unsigned int j = 0; j < th->ntargets; j++)
		qd += p->targets[th->targets[j]].pool.queue_depth;
	return qd;
}

uint32_t place_io_max(const struct dgen_plan *p, unsigned int t)
{
	const struct dgen_plan_thread *th = &p->threads[t];
	uint32_t io = 0;

	for (unsigned int j = 0; j < th->ntargets; j++)
		if (p->targets[th->targets[j]].pool.io_size > io)
			io = p->targets[th->targets[j]].pool.io_size;
	return io;
}

/*
 * --cpus-policy shared: @th may run on the CPUs of every thread of @p on
 * its node (the plan chose them, one per core by default). Each thread
 * still starts on its own CPU, so the threads begin spread; the scheduler
 * may then move one off a CPU the kernel's own I/O work needs.
 */
static int pin_shared(const struct dgen_plan *p,
		      const struct dgen_plan_thread *th)
{
	unsigned int top = 0;
	cpu_set_t *set;
	size_t size;
	int r;

	r = dgen_thread_pin(th->cpu);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < p->nthreads; i++)
		if (p->threads[i].cpu > top)
			top = p->threads[i].cpu;
	set = CPU_ALLOC(top + 1);
	if (!set)
		return -ENOMEM;
	size = CPU_ALLOC_SIZE(top + 1);
	CPU_ZERO_S(size, set);
	for (unsigned int i = 0; i < p->nthreads; i++)
		if (p->threads[i].node == th->node)
			CPU_SET_S(p->threads[i].cpu, size, set);
	r = pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return -r;
}

int place_enter(struct place_state *ps, const struct dgen_plan *p,
		unsigned int t)
{
	const struct dgen_plan_thread *th = &p->threads[t];
	cpu_set_t set;
	int r;

	memset(ps, 0, sizeof(*ps));
	ps->active = 1;
	ps->cpu = (int)th->cpu;
	ps->node = th->node;
	ps->cpu_seen = -1;
	ps->mem_node = -1;
	/* The pin first: the node preference, the ring and the buffers all
	 * follow from where the thread runs. A failed pin fails the run,
	 * since the plan said where. */
	r = p->cpus_shared ? pin_shared(p, th) : dgen_thread_pin(th->cpu);
	if (r < 0)
		return r;
	r = dgen_thread_prefer_node(th->node);
	if (r < 0)
		return r;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		ps->cpus_allowed = (unsigned int)CPU_COUNT(&set);
	ps->cpu_seen = sched_getcpu();
	return 0;
}

/* Where the pages of the pool are: every page (every 2 MiB for huge ones). */
static void check_pages(struct place_state *ps)
{
	const struct dgen_numa_buf *b = &ps->buf;
	size_t step = b->pages == DGEN_MEM_NORMAL ?
		      (size_t)sysconf(_SC_PAGESIZE) : DGEN_HUGE_PAGE_SIZE;
	void *pages[PAGES_PER_CALL];
	int status[PAGES_PER_CALL];
	int first = INT_MIN, mixed = 0;

	for (size_t off = 0; off < b->mapped;) {
		unsigned int n = 0;

		while (n < PAGES_PER_CALL && off < b->mapped) {
			pages[n++] = (char *)b->addr + off;
			off += step;
		}
		/* No NUMA in the kernel (ENOSYS) or a filter: not known. */
		if (move_pages(0, n, pages, NULL, status, 0) < 0) {
			ps->mem_node = -1;
			ps->pages_checked = ps->pages_off_node = 0;
			return;
		}
		for (unsigned int i = 0; i < n; i++) {
			if (first == INT_MIN)
				first = status[i];
			else if (status[i] != first)
				mixed = 1;
			if (ps->node >= 0 && status[i] != ps->node)
				ps->pages_off_node++;
		}
		ps->pages_checked += n;
	}
	/* A negative status is a page the kernel could not place: unknown. */
	ps->mem_node = mixed ? -2 : first >= 0 ? first : -1;
}

void *place_alloc(struct place_state *ps, size_t len, unsigned int flags,
		  int *err)
{
	*err = dgen_numa_alloc(&ps->buf, len, ps->node, flags);
	if (*err < 0)
		return NULL;
	check_pages(ps);
	return ps->buf.addr;
}

void place_free(struct place_state *ps)
{
	dgen_numa_free(&ps->buf);
}
