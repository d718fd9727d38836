/* SPDX-License-Identifier: MIT */
/*
 * dgen/fleet_mpi.h - one run across the ranks of an MPI job
 *
 * Built only with the meson feature 'mpi', into a static library of its
 * own that dgen-uring links (libdgen itself never depends on MPI); like
 * dgen/inspect.h this header is not installed. The rules of names, stream
 * ids, slices and the summary are dgen/fleet.h's; this adds the talking:
 * the seed from rank 0, every rank's refusals before anything is written,
 * a barrier before the run, a meeting before each pass and read-back, a
 * stop that one rank's error (or, with stonewall, its end) sends to the
 * others, and every rank's figures gathered on rank 0. Each rank's own
 * work is one run of dgen/run.h, and the fleet's report is dgen/report.h's
 * of the reporting rank's run, whose result carries the fleet's.
 */
#ifndef DGEN_FLEET_MPI_H
#define DGEN_FLEET_MPI_H

#include <stdint.h>

#include <dgen/fleet.h>
#include <dgen/run.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What came of a fleet's run on this rank. */
struct dgen_fleet_out {
	unsigned int rank, size;
	char host[DGEN_FLEET_HOST_MAX];
	int refused;			/* some rank refused: nothing written */
	char *refusals;			/* rank 0: one line per refusing rank */
	int signalled;			/* a signal stopped this rank: it left
					   without waiting for the others; the
					   reporter has ranks, the silent ones
					   lost */
	int reports;			/* signalled: this rank prints the
					   fleet's report (rank 0, or rank 1
					   when rank 0 is lost) */
	int acked;			/* signalled, not reporting: the
					   reporter has its figures */
	double last_s;			/* signalled: when it began to leave */
	struct dgen_fleet_rank mine;
	struct dgen_fleet_rank *ranks;	/* rank 0 (or the reporter): every
					   rank's, by rank */
	double report_s;		/* rank 0: gathering the figures */
	/* This rank's run and its result, until dgen_fleet_mpi_leave; on the
	   reporting rank res.fleet is @fleet. NULL: no run (refused). */
	struct dgen_run *run;
	struct dgen_run_result res;
	struct dgen_fleet_result fleet;
	/* What the run refers to: its options, paths (or the tree's
	   directory, paths[0]) and plan. */
	struct dgen_run_opts o;
	char paths[DGEN_FLEET_TARGETS_MAX][DGEN_FLEET_PATH_MAX];
	const char *pv[DGEN_FLEET_TARGETS_MAX];
	struct dgen_topology *topo;
	struct dgen_plan *plan;
};

/*
 * dgen_fleet_mpi_join - join the MPI job (MPI_Init_thread); rank and size
 * into @out. Returns 0 or -EIO.
 */
int dgen_fleet_mpi_join(int *argc, char ***argv, struct dgen_fleet_out *out);

/*
 * dgen_fleet_mpi_seed - rank 0's seed and whether it drew it
 * (DGEN_RUN_SEED_DRAWN), into @o on every rank.
 */
void dgen_fleet_mpi_seed(struct dgen_run_opts *o);

/*
 * dgen_fleet_mpi_run - run @o on this rank as one of the fleet: its paths
 * (%r, %h, %% expanded), its stream ids after the lower ranks', its slice
 * of one stream (DGEN_RUN_SHARED), its share of @o->rate and of the host's
 * CPUs. @o must outlive @out. Returns 0 (see @out: refused, signalled,
 * the figures) or -ENOMEM.
 */
int dgen_fleet_mpi_run(const struct dgen_run_opts *o,
		       struct dgen_fleet_out *out);

/* dgen_fleet_mpi_status - rank 0's exit status @rc, on every rank. */
int dgen_fleet_mpi_status(int rc);

/*
 * dgen_fleet_mpi_leave - free the run, and MPI_Finalize unless @abandon
 * (a signalled rank: rank 0 after its report, the others waiting a moment
 * for it to be out).
 */
void dgen_fleet_mpi_leave(struct dgen_fleet_out *out, int abandon);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_FLEET_MPI_H */
