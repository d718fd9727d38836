// SPDX-License-Identifier: MIT
/*
 * fleet.c - dgen-uring as one rank of an MPI job: the fleet's one report
 * on the rank that reports, a line from a rank a signal stopped, the exit
 * status every rank returns. The run itself is libdgen_fleet_mpi's
 * (dgen/fleet_mpi.h), each rank's share one run of libdgen; the report is
 * dgen/report.h's.
 */
#include <stdio.h>

#include "fleet.h"

#ifndef DGEN_HAVE_MPI

/* Without MPI every process runs plainly, launched or not. */
int fleet_main(struct dgen_run_opts *o, int json,
	       struct dgen_report_progress *st, int *rc)
{
	(void)json;
	(void)st;
	if (!(o->flags & (DGEN_RUN_SHARED | DGEN_RUN_STONEWALL)))
		return 0;
	fprintf(stderr, "dgen-uring: --shared and --stonewall need a build with MPI (meson feature 'mpi', libopenmpi-dev)\n");
	*rc = DGEN_EXIT_USAGE;
	return 1;
}

#else

#include <dgen/fleet_mpi.h>

#include "util.h"

/* The reporting rank: what failed, the fleet's report, the exit status. */
static int report(struct dgen_fleet_out *out, int json)
{
	const char *status;
	int rc = dgen_report_status(out->run, &out->res, &status);

	int err;

	dgen_report_errors(stderr, "dgen-uring: ", out->run, &out->res);
	err = (json ? dgen_report_json : dgen_report_human)(stdout, out->run,
							    &out->res);
	/* A report that did not get out fails the fleet's run too. */
	if (out_check(stdout, err, "the report to standard output"))
		rc = DGEN_EXIT_IO;
	return rc;
}

int fleet_main(struct dgen_run_opts *o, int json,
	       struct dgen_report_progress *st, int *rc)
{
	struct dgen_fleet_out out;
	int err;

	*rc = 0;
	if (dgen_fleet_mpi_join(NULL, NULL, &out)) {
		fprintf(stderr, "dgen-uring: cannot join the MPI job\n");
		*rc = DGEN_EXIT_USAGE;
		return 1;
	}
	dgen_fleet_mpi_seed(o);
	err = dgen_fleet_mpi_run(o, &out);
	dgen_report_progress_clear(stderr, st);
	if (err) {
		fprintf(stderr, "dgen-uring: rank %u (%s): out of memory\n",
			out.rank, out.host);
		*rc = DGEN_EXIT_IO;
	} else if (out.signalled) {
		/* No collectives from here: the others may be gone. Rank 0
		 * (rank 1 if rank 0 is lost) reports what came; a rank whose
		 * figures it did not take says what it did itself. */
		if (out.reports && out.ranks) {
			*rc = report(&out, json);
		} else {
			if (!out.acked)
				fprintf(stderr, "dgen-uring: rank %u (%s): stopped by a signal after writing %llu bytes and reading %llu\n",
					out.rank, out.host,
					(unsigned long long)out.mine.written,
					(unsigned long long)out.mine.read);
			*rc = DGEN_EXIT_INTERRUPTED;
		}
		fflush(stdout);
		fflush(stderr);
		dgen_fleet_mpi_leave(&out, 1);
		return 1;
	} else if (out.refused) {
		if (out.rank == 0)
			fprintf(stderr, "dgen-uring: refused, nothing written on any rank:\n%s",
				out.refusals ? out.refusals : "");
		*rc = DGEN_EXIT_USAGE;
	} else if (out.rank == 0 && out.ranks) {
		*rc = report(&out, json);
	}
	/* Every rank exits with rank 0's status; mpirun may end rank 0 as
	 * soon as another exits non-zero, so the report is out first. */
	fflush(stdout);
	fflush(stderr);
	if (!out.refused)
		*rc = dgen_fleet_mpi_status(*rc);
	dgen_fleet_mpi_leave(&out, 0);
	return 1;
}

#endif
