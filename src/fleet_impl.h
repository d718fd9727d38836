/* SPDX-License-Identifier: MIT */
/*
 * fleet_impl.h - what the parts of a fleet run (fleet_mpi.c, fleet_place.c,
 * fleet_last.c) share; private to the MPI library
 */
#ifndef DGEN_FLEET_IMPL_H
#define DGEN_FLEET_IMPL_H

#include <sched.h>
#include <time.h>

#include <dgen/dgen.h>
#include <dgen/fleet_mpi.h>

/* fleet_now - CLOCK_REALTIME in seconds: ranks on many hosts compare it. */
static inline double fleet_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ===== This rank's plan (fleet_place.c) ===== */

/* Where the launcher lets this rank run, and the ranks that share it. */
struct fleet_share {
	cpu_set_t mask;			/* empty: not known */
	unsigned int local, nlocal;	/* among the ranks on this host with
					   the same mask */
};

/*
 * fleet_share_get - the ranks on this host that may run on the CPUs this
 * one may: this one's place among them and their number. Collective.
 */
void fleet_share_get(struct fleet_share *h);

/*
 * fleet_rank_plan - this rank's plan, as a plain run makes it but on its
 * share of the host: @o's writer options follow it, the CPUs and pools go
 * in @m; the plan and the topology must outlive the run. Returns 0 or
 * -errno with @msg: this rank refuses.
 */
int fleet_rank_plan(const struct dgen_run_opts *j, const struct fleet_share *h,
		    struct dgen_fleet_rank *m, struct dgen_run_opts *o,
		    struct dgen_topology **topo, struct dgen_plan **plan,
		    char *msg, size_t msglen);

/* ===== A signalled rank's figures (fleet_last.c) ===== */

/* fleet_last_open - the errors-return duplicate of the world. Collective. */
void fleet_last_open(void);

/* fleet_last_close - free it (before MPI_Finalize). */
void fleet_last_close(void);

/*
 * fleet_last_exchange - a signalled rank: its figures to the gatherers
 * (ranks 0 and 1), and on those, every rank's that come in time
 * (out->ranks, the others lost); out->reports on the one that reports.
 */
void fleet_last_exchange(struct dgen_fleet_out *out);

/* fleet_last_leave - the reporter says its report is out; the others wait
 * for that (a moment) before they exit. */
void fleet_last_leave(struct dgen_fleet_out *out);

#endif /* DGEN_FLEET_IMPL_H */
