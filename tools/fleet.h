/* SPDX-License-Identifier: MIT */
/*
 * fleet.h - dgen-uring as one rank of an MPI job (tools/fleet.c)
 */
#ifndef DGEN_TOOLS_FLEET_H
#define DGEN_TOOLS_FLEET_H

#include <dgen/dgen.h>

/*
 * fleet_main - when built with MPI and started by an MPI launcher, run
 * @o as one rank of the job (rank 0 keeps its status lines, @st the live
 * one's state), print the fleet's report on the rank that reports (JSON
 * with @json), set *@rc to the exit status and return 1. Otherwise
 * returns 0 (a plain run), and MPI is never initialized.
 */
int fleet_main(struct dgen_run_opts *o, int json,
	       struct dgen_report_progress *st, int *rc);

#endif /* DGEN_TOOLS_FLEET_H */
