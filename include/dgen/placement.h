/* SPDX-License-Identifier: MIT */
/*
 * dgen/placement.h - which threads run where, and which targets they write
 *
 * A plan is a pure function of the machine (struct dgen_topology), where
 * each target lives (its NUMA node) and the user's overrides. By default it
 * runs one generator thread per physical core of the nodes local to the
 * targets, each pinned to one hardware thread of its core, so no two
 * generators ever share a core's execution units; targets on different
 * nodes each get their own node's cores. The writer follows the plan; the
 * tool prints it for --dry-run.
 */
#ifndef DGEN_PLACEMENT_H
#define DGEN_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/pool.h>
#include <dgen/topology.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== CPU lists ===== */

/*
 * dgen_cpulist_parse - parse a CPU list such as "0-3,8,10-11" (OS indexes,
 * as taskset and /sys/devices/system/cpu/online write them) against the
 * PUs of @t.
 *
 * Returns the number of CPUs (> 0) and sets *@cpus to a malloc()ed array in
 * the order given (the caller frees it), or -EINVAL with a sentence in @msg
 * for an empty list or item, a non-number, a reversed range, a CPU that @t
 * does not have, or a CPU listed twice; -ENOMEM.
 */
int dgen_cpulist_parse(const struct dgen_topology *t, const char *list,
		       unsigned int **cpus, char *msg, size_t msglen);

/*
 * dgen_cpulist_format - @n CPUs @cpus as a CPU list that
 * dgen_cpulist_parse() reads back in the same order: each run of
 * consecutive ascending numbers as a range ("0-3,8,10-11"). Sort them
 * first for the set (a report); keep the order for a plan's --cpus.
 *
 * Writes at most @len bytes (NUL-terminated; "" for no CPUs; a list cut
 * short ends at a whole item) to @buf and returns the length the whole
 * list needs, like snprintf().
 */
size_t dgen_cpulist_format(char *buf, size_t len, const unsigned int *cpus,
			   unsigned int n);

/* ===== Plans ===== */

#define DGEN_PLAN_THREADS_MAX		4096u

struct dgen_plan_target_spec {
	const char *name;		/* for the report; not copied: must
					   outlive the plan */
	int node;			/* NUMA node OS index (dgen_device_probe),
					   -1: not known */
	uint64_t weight;		/* its share of the work, e.g. bytes to
					   write; 0 counts as 1 */
	const struct dgen_device_limits *limits; /* NULL: a file's defaults */
};

struct dgen_plan_opts {
	unsigned int threads;		/* --threads N; 0: one per core */
	const char *cpus;		/* --cpus LIST; NULL: the plan chooses */
	uint32_t io_size;		/* --bs; 0: derived (dgen_pool_size) */
	uint32_t queue_depth;		/* --qd; 0: derived */
	int one_request;		/* --iopoll: each I/O fits one request
					   (dgen_pool_request.one_request) */
	int cpus_shared;		/* --cpus-policy shared: see
					   dgen_plan.cpus_shared */
};

struct dgen_plan_thread {
	unsigned int cpu;		/* PU OS index: dgen_thread_pin(cpu) */
	unsigned int core;		/* index into topology->cores */
	int node;			/* its core's node: its ring and buffers
					   go there (-1: no node known) */
	unsigned int ntargets;		/* >= 1 */
	const unsigned int *targets;	/* indexes into plan->targets */
	uint64_t pool_bytes;		/* its buffers, all targets together */
};

struct dgen_plan_target {
	const char *name;
	int node;			/* as given */
	int local;			/* 1: all its threads are on its node */
	uint64_t weight;
	unsigned int first_thread;	/* its threads: plan->threads[first_thread
					   .. + nthreads); the writer splits the
					   target among them */
	unsigned int nthreads;
	struct dgen_pool_sizing pool;	/* per thread of this target */
};

struct dgen_plan {
	unsigned int nthreads;
	struct dgen_plan_thread *threads;
	unsigned int ntargets;
	struct dgen_plan_target *targets;
	unsigned int cores_used;	/* distinct cores with a thread */
	unsigned int oversubscribed;	/* threads beyond one per core (> 0 only
					   when more threads than cores were
					   asked for) */
	uint64_t bytes_in_flight;	/* all threads, all targets */
	/* 0 (--cpus-policy split, fio's cpus_allowed_policy=split): each
	   thread runs on its own CPU alone. 1 (shared): each may run on the
	   CPUs of all the plan's threads on its node, so the scheduler can
	   move it off a CPU where the kernel's own I/O work (a loop or dm
	   worker, softirq completions) needs to run; its memory stays on
	   the node (the writer pins each thread so, src/writer_place.c). */
	int cpus_shared;
	char why[256];			/* how the threads were chosen */
};

/*
 * dgen_plan_new - plan threads, CPUs and pools for @ntargets targets on @t.
 *
 * Threads: one per physical core of the targets' nodes (all nodes when no
 * target's node is known), or @opts->threads of them, or one per CPU of
 * @opts->cpus. Targets on different nodes each get threads from their own
 * node's cores, in proportion to the cores; a target whose node is not known
 * joins the node group with the least work per core. Within a group the
 * threads go to targets in proportion to weight (each at least one), or, with
 * fewer threads than targets, each target goes to the least loaded thread.
 * More threads than cores wrap around to the cores' other PUs, then to the
 * same PUs again; plan->oversubscribed counts them.
 *
 * Returns 0 and sets *@out, -EINVAL with a sentence in @msg (no targets,
 * more than DGEN_PLAN_THREADS_MAX threads, a bad CPU list, a bad I/O size or
 * depth), or -ENOMEM.
 */
int dgen_plan_new(struct dgen_plan **out, const struct dgen_topology *t,
		  const struct dgen_plan_target_spec *targets,
		  unsigned int ntargets, const struct dgen_plan_opts *opts,
		  char *msg, size_t msglen);

/* dgen_plan_free - release @p; NULL is allowed. */
void dgen_plan_free(struct dgen_plan *p);

/*
 * dgen_plan_describe - the plan as --dry-run prints it: the machine, each
 * thread (CPU, core, node, targets, buffers), each target (node, threads,
 * I/O size, depth, bytes in flight and why) and the totals.
 *
 * Writes at most @len bytes (NUL-terminated) to @buf and returns the length
 * the whole text needs, like snprintf(): call with len 0 to size a buffer.
 */
size_t dgen_plan_describe(const struct dgen_plan *p,
			  const struct dgen_topology *t, char *buf, size_t len);

/* ===== Plans for targets named by path ===== */

struct dgen_target;

struct dgen_plan_paths {
	const char *const *paths;	/* the targets; DGEN_TARGET_NULL_PATH
					   ("null") has no device; the plan
					   names them: they must outlive it */
	unsigned int n;
	/* The same targets opened, in the same order: each one's size is its
	 * weight and its O_DIRECT alignment the block the I/O size must
	 * fill. NULL for a dry run (nothing is opened for writing). */
	struct dgen_target *const *targets;
	uint64_t size;			/* dry run: bytes per target; 0: each
					   one's size past @offset, else 1 */
	uint64_t offset;		/* dry run: where writing starts */
};

/*
 * dgen_plan_new_paths - dgen_plan_new() for targets named by path: each
 * one's node and queue limits from dgen_device_probe() of the path (of its
 * directory when the file is not made yet) and dgen_device_limits_read(),
 * its weight its bytes (see struct dgen_plan_paths). An NVMe generic
 * device (/dev/ngXnY) is planned as its namespace's block device, and its
 * commands, never split, each fit one request (as with opts->one_request).
 * Only stat(), sysfs and, for a dry run's block device, a read-only open
 * to learn its size.
 *
 * Returns 0 and sets *@out, or -errno with the reason in @msg: the errno
 * of a path whose device cannot be found (message "PATH: cannot find its
 * device: ..."), -EINVAL for no paths, or dgen_plan_new()'s.
 */
int dgen_plan_new_paths(struct dgen_plan **out, const struct dgen_topology *t,
			const struct dgen_plan_paths *p,
			const struct dgen_plan_opts *opts, char *msg,
			size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_PLACEMENT_H */
