/* SPDX-License-Identifier: MIT */
/*
 * dgen/fleet.h - runs of many processes (MPI ranks) as one: their targets'
 * names and stream ids, slices of one shared stream, one merged summary
 *
 * Nothing here talks to other processes: the transport (MPI in
 * dgen-uring) carries struct dgen_fleet_rank as plain bytes and calls
 * these on each side. The rules:
 *
 * Names: in a target path "%r" is the rank, "%h" the short host name (up
 * to the first '.'), "%%" a '%'; any other '%' sequence is refused.
 *
 * Stream ids: with T targets per rank (every rank runs the same command
 * line, so the same T), rank r's target k gets stream id
 * base + r T + k. Rank 0's are those one process with the same options
 * uses; no two (r, k) share an id.
 *
 * Shared targets: all ranks write one stream of S bytes to one target,
 * rank r the slice [r S' / n, (r + 1) S' / n) of it in units of the
 * alignment (S' = S / align units, the last rank takes the remainder), so
 * the target holds the stream a single process writes, byte for byte.
 * The alignment is the dedup window when every rank gets at least one
 * (each slice then carries the dedup ratio exactly), else the block size.
 *
 * Summary: bytes add up; the wall time runs from the first rank's start to
 * the last rank's end and the start skew is the spread of the starts (on
 * each host's CLOCK_REALTIME); latency histograms are merged, never their
 * percentiles averaged; a rank is slow by dgen/verdict.h's rule, ranks
 * being the cohort (its GB/s over its own time less its waits for the
 * others, its p99). A lost rank (no
 * figures came from it) counts in none of these, only in sum->lost.
 */
#ifndef DGEN_FLEET_H
#define DGEN_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/latency.h>
#include <dgen/run.h>
#include <dgen/topology.h>
#include <dgen/verdict.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DGEN_FLEET_HOST_MAX	64
#define DGEN_FLEET_PATH_MAX	256
#define DGEN_FLEET_TARGETS_MAX	16	/* targets per rank */
#define DGEN_FLEET_CPUS_MAX	128	/* a rank's CPU list in the report */

/*
 * dgen_fleet_launched - the process was started by an MPI launcher
 * (mpirun/mpiexec of Open MPI or MPICH, a PMIx or PMI launcher, Slurm's
 * srun): one of OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE, PMI_RANK,
 * MPI_LOCALNRANKS, or SLURM_PROCID together with SLURM_STEP_ID is set.
 */
int dgen_fleet_launched(void);

/*
 * dgen_fleet_opts_check - what a fleet's ranks cannot take of @o (run
 * options as every rank is given them): a descriptor, a dry run, a
 * discard, a CPU list or the per-target options of a plain run
 * (DGEN_GIVEN_WATCH), and --shared with a tree. Returns 0, or -EINVAL
 * with a sentence in @msg.
 */
int dgen_fleet_opts_check(const struct dgen_run_opts *o, char *msg,
			  size_t msglen);

/* dgen_fleet_host - this host's short name (up to the first '.'). */
void dgen_fleet_host(char *buf, size_t len);

/*
 * dgen_fleet_expand - @in with "%r", "%h" and "%%" replaced, into @out.
 * Returns 0, -EINVAL (another '%' sequence, with a sentence in @msg) or
 * -ENAMETOOLONG.
 */
int dgen_fleet_expand(char *out, size_t len, const char *in,
		      unsigned int rank, const char *host,
		      char *msg, size_t msglen);

/*
 * dgen_fleet_stream_id - the stream id of rank @rank's target @k of
 * @ntargets, from @base. Returns 0, or -ERANGE when it would pass 2^64.
 */
int dgen_fleet_stream_id(uint64_t base, unsigned int rank, uint64_t k,
			 uint64_t ntargets, uint64_t *out);

/*
 * dgen_fleet_slice - rank @rank's slice of @total bytes among @nranks in
 * units of @align bytes: its first byte and length. Returns 0, or -EINVAL
 * when some rank would get nothing (@total under @nranks x @align).
 */
int dgen_fleet_slice(uint64_t total, unsigned int nranks, unsigned int rank,
		     uint64_t align, uint64_t *off, uint64_t *len);

/*
 * dgen_fleet_align - the alignment dgen_fleet_slice uses: @window when
 * @total holds @nranks of them, else @unit.
 */
uint64_t dgen_fleet_align(uint64_t total, unsigned int nranks,
			  uint64_t window, uint64_t unit);

/*
 * dgen_fleet_cpus - the CPUs a rank plans its threads on: local rank
 * @local of the @nlocal ranks on this host that may run on the same CPUs,
 * @allowed (@nallowed of them, OS indexes: sched_getaffinity; NULL: all of
 * @t's PUs; those @t does not have are left out).
 *
 * The share: with C cores holding an allowed CPU and @nlocal <= C, cores
 * [local C / nlocal, (local + 1) C / nlocal) in @t's order (neighbours in
 * the caches), each with its allowed CPUs; with more ranks than cores,
 * core local % C alone, and of its allowed CPUs the (local / C) % n-th, so
 * ranks that share a core take its hardware threads in turn. A launcher
 * that bound each rank to CPUs of its own makes each rank the only one
 * (@nlocal 1) on its CPUs: its share is all of them. Ranks started
 * unbound share the host's cores.
 *
 * The list names one CPU of each core of the share first, then the
 * cores' other CPUs, for struct dgen_plan_opts.cpus: a plan of *@ncores
 * threads (one per core of the share) runs one per core, more threads
 * take the cores' other hardware threads before doubling up.
 *
 * Returns the number of CPUs in the list (> 0), written to @list
 * (dgen_cpulist_format()) with the share's cores in *@ncores; -EINVAL
 * (@local not under @nlocal, or no allowed CPU on @t), -ENOSPC (@len
 * too short for the list) or -ENOMEM.
 */
int dgen_fleet_cpus(const struct dgen_topology *t, const unsigned int *allowed,
		    unsigned int nallowed, unsigned int local,
		    unsigned int nlocal, char *list, size_t len,
		    unsigned int *ncores);

/* One target of a rank, as the report gives it. */
struct dgen_fleet_target {
	char path[DGEN_FLEET_PATH_MAX];
	uint64_t stream_id;
	uint64_t offset, size;		/* on the target */
	uint64_t stream_origin;		/* shared: the slice's first stream byte */
	uint64_t mismatches;		/* bad blocks among those listed */
	uint64_t first_bad;		/* target offset of the first listed, or
					   UINT64_MAX */
	uint64_t first_bad_file;	/* a tree: that block's file, by index */
};

/* What one rank did: fixed size, sent between processes as bytes. */
struct dgen_fleet_rank {
	uint32_t rank;
	char host[DGEN_FLEET_HOST_MAX];
	double start_s, end_s;		/* CLOCK_REALTIME around its run */
	double seconds;			/* its run's own time */
	double waited_s;		/* of which, waiting for the others
					   before its passes and read-backs */
	uint64_t written, read;		/* bytes */
	uint64_t passes;
	uint64_t mismatches;		/* bad blocks */
	int32_t error;			/* -errno of its first I/O error, 0 */
	int32_t error_target;		/* its target (a tree: file) index, -1 */
	uint64_t error_offset;
	int32_t stopped;		/* cut short: a stop, deadline or stonewall */
	int32_t stonewalled;		/* another rank's stonewall stopped it */
	int32_t stopped_by;		/* the rank whose error or stonewall
					   stopped it, -1: none */
	int32_t signalled;		/* a signal (the launcher's) stopped it */
	int32_t lost;			/* no figures came from it: it died or
					   did not answer (set by the gatherer) */
	uint64_t files, file_size;	/* a tree (targets[0] its directory,
					   stream_id its first file's), 0: paths */
	/* Its plan (dgen_fleet_cpus): threads, where they run (a CPU list,
	   sorted; "...": cut short), its first target's pool. */
	uint32_t threads;
	char cpus[DGEN_FLEET_CPUS_MAX];
	uint32_t io_size, queue_depth;
	uint32_t ntargets;
	struct dgen_fleet_target targets[DGEN_FLEET_TARGETS_MAX];
	struct dgen_latency latency;	/* every I/O, writes and reads */
};

/* The fleet as one. */
struct dgen_fleet_summary {
	unsigned int nranks;
	uint64_t written, read, mismatches;
	double wall_s;			/* first start to last end */
	double skew_s;			/* last start - first start */
	double gbps;			/* (written + read) / wall_s */
	unsigned int errors, stopped, slow, lost;	/* ranks */
	struct dgen_latency latency;	/* all ranks' merged */
};

/*
 * A fleet's result, on the rank that reports (dgen_run_result.fleet):
 * what every rank did, for the fleet's report (dgen/report.h).
 */
struct dgen_fleet_result {
	const struct dgen_run_opts *o;	/* as every rank was given them: paths
					   and tree unexpanded, the fleet's
					   rate, the shared stream's size */
	unsigned int nranks;
	const struct dgen_fleet_rank *ranks;	/* by rank; lost ones marked */
	const struct dgen_fleet_rank *mine;	/* the reporting rank's */
	double report_s;		/* gathering the figures */
	int signalled;			/* a signal ended the job */
};

/*
 * dgen_fleet_rank_gbps - a rank's (written + read) GB/s over its own time
 * less its waits for the others: a rank that waits is not slow for it.
 */
double dgen_fleet_rank_gbps(const struct dgen_fleet_rank *r);

/*
 * dgen_fleet_merge - the summary of @n ranks @ranks, and a verdict per
 * rank in @verdicts (@n entries; NULL: none) by the slow rule.
 */
void dgen_fleet_merge(const struct dgen_fleet_rank *ranks, unsigned int n,
		      struct dgen_fleet_summary *sum,
		      struct dgen_target_verdict *verdicts);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_FLEET_H */
