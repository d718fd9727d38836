/* SPDX-License-Identifier: MIT */
/*
 * fleet.h - dgen-uring as one rank of an MPI job: its report (tools/fleet.c)
 */
#ifndef DGEN_TOOLS_FLEET_H
#define DGEN_TOOLS_FLEET_H

#include <stdint.h>

#include <dgen/dgen.h>

#include "burnin.h"
#include "jobs.h"

/* What main() parsed that a fleet run needs. */
struct fleet_cli {
	const char *const *dev;
	unsigned int ndev;
	const struct job *tree;		/* --dir (dir unexpanded), or NULL */
	uint64_t size, offset, seed, stream;
	int seed_set, force, json, shared, stonewall;
	struct dgen_stream_params params;
	struct dgen_writer_opts writer;	/* threads, bs, qd 0: each rank's plan */
	struct burnin_opts b;
};

/*
 * fleet_main - when built with MPI and started by an MPI launcher, run
 * @c as one rank of the job and set *@rc to the exit status; returns 1.
 * Otherwise returns 0 (a plain run), and MPI is never initialized.
 */
int fleet_main(const struct fleet_cli *c, int *rc);

#endif /* DGEN_TOOLS_FLEET_H */
