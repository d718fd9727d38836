/* SPDX-License-Identifier: MIT */
/*
 * writer_place.h - the writer's side of a placement plan: which units a
 * thread writes, how big its pool is, pinning and buffers on its node
 */
#ifndef DGEN_WRITER_PLACE_H
#define DGEN_WRITER_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/numa.h>
#include <dgen/placement.h>
#include <dgen/writer.h>

/* One thread's placement, as carried out and read back. */
struct place_state {
	int active;			/* the thread followed a plan */
	int cpu, node, cpu_seen, mem_node;
	unsigned int cpus_allowed;
	uint64_t pages_checked, pages_off_node;
	struct dgen_numa_buf buf;
};

/*
 * place_opts - check @o->plan against the @n targets (one plan target each,
 * I/O sizes on their O_DIRECT alignment) and fill @out: @o with threads =
 * the plan's, io_size = the largest I/O and queue_depth = the deepest
 * thread's pool, so the engine's own range and memory checks still apply.
 * Returns 0 or -EINVAL with a sentence in @msg.
 */
int place_opts(struct dgen_writer_opts *out, const struct dgen_writer_opts *o,
	       struct dgen_target *const *targets, unsigned int n,
	       char *msg, size_t msglen);

/*
 * place_walk - thread @t's share of target @k: units first, first + step,
 * ... of @io bytes each. Returns 0 when @t writes none of @k.
 */
int place_walk(const struct dgen_plan *p, unsigned int t, unsigned int k,
	       uint64_t *first, uint64_t *step, uint32_t *io);

/* place_depth - thread @t's buffers: the sum of its targets' depths. */
uint32_t place_depth(const struct dgen_plan *p, unsigned int t);

/* place_io_max - the largest I/O size among thread @t's targets. */
uint32_t place_io_max(const struct dgen_plan *p, unsigned int t);

/*
 * place_enter - on the calling worker thread @t of @p: pin it to its CPU
 * (with p->cpus_shared, to the CPUs of all @p's threads on its node) and
 * prefer its node for the kernel's allocations, then read the affinity
 * back. Must run before the ring is made. Returns 0 or -errno (the pin
 * failed).
 */
int place_enter(struct place_state *ps, const struct dgen_plan *p,
		unsigned int t);

/*
 * place_alloc - @len bytes of buffers on the thread's node, touched by this
 * thread, then every page's node read back with move_pages(2). Returns the
 * address or NULL (-ENOMEM in *@err).
 */
void *place_alloc(struct place_state *ps, size_t len, unsigned int flags,
		  int *err);

/* place_free - unmap the buffers; a zeroed @ps is allowed. */
void place_free(struct place_state *ps);

#endif /* DGEN_WRITER_PLACE_H */
