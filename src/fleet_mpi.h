/* SPDX-License-Identifier: MIT */
/*
 * fleet_mpi.h - one run of dgen-uring across the ranks of an MPI job
 *
 * Built only with the meson feature 'mpi', into a static library of its
 * own that dgen-uring links (libdgen itself never depends on MPI). The
 * rules of names, stream ids, slices and the summary are dgen/fleet.h's;
 * this adds the talking: the seed from rank 0, every rank's refusals
 * before anything is written, a barrier before the run, a stop that one
 * rank's error (or, with stonewall, its end) sends to the others, and
 * every rank's figures gathered on rank 0.
 */
#ifndef DGEN_FLEET_MPI_H
#define DGEN_FLEET_MPI_H

#include <stdint.h>

#include <dgen/dgen.h>

/* What the command line asks of the fleet's run. */
struct fleet_job {
	const char *const *dev;		/* unexpanded (%r, %h, %%) */
	unsigned int ndev;
	const struct dgen_run_tree *tree; /* or a tree per rank (its dir
					   unexpanded), dev NULL */
	uint64_t offset, size;
	int force, shared, stonewall;
	/* mode, params (seed, first stream id), passes, time, rate (the
	   fleet's: each rank takes rate / ranks), writer options */
	struct dgen_run_opts run;
};

/* What came of it. */
struct fleet_out {
	unsigned int rank, size;
	char host[DGEN_FLEET_HOST_MAX];
	int refused;			/* some rank refused: nothing written */
	char *refusals;			/* rank 0: one line per refusing rank */
	int signalled;			/* a signal stopped this rank: it left
					   without waiting for the others; the
					   reporter has out->ranks, the silent
					   ones lost */
	int reports;			/* signalled: this rank prints the
					   fleet's report (rank 0, or rank 1
					   when rank 0 is lost), out->ranks */
	int acked;			/* signalled, not reporting: the
					   reporter has its figures */
	double last_s;			/* signalled: when it began to leave */
	struct dgen_fleet_rank mine;
	struct dgen_fleet_rank *ranks;	/* rank 0: every rank's, by rank */
	double report_s;		/* rank 0: gathering the figures */
};

/*
 * fleet_mpi_join - join the MPI job (MPI_Init_thread); rank and size into
 * @out. Returns 0 or -EIO.
 */
int fleet_mpi_join(int *argc, char ***argv, struct fleet_out *out);

/* fleet_mpi_seed - rank 0's seed and whether it was given, to every rank. */
void fleet_mpi_seed(uint64_t *seed, int *seed_set);

/*
 * fleet_mpi_run - run @j on this rank as one of the fleet. Returns 0 (see
 * @out: refused, signalled, the figures) or -ENOMEM.
 */
int fleet_mpi_run(const struct fleet_job *j, struct fleet_out *out);

/* fleet_mpi_status - rank 0's exit status @rc, on every rank. */
int fleet_mpi_status(int rc);

/*
 * fleet_mpi_leave - MPI_Finalize, unless @abandon (a signalled rank: rank
 * 0 after its report, the others waiting a moment for it to be out).
 */
void fleet_mpi_leave(struct fleet_out *out, int abandon);

#endif /* DGEN_FLEET_MPI_H */
