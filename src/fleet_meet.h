/* SPDX-License-Identifier: MIT */
/*
 * fleet_meet.h - the ranks of a fleet meeting before each pass and phase,
 * by small messages, never a collective
 *
 * A collective barrier per pass would hang when ranks run different
 * numbers of passes (each has its own --time deadline) or one stops
 * early; so each rank tells every other the step it has reached (a
 * number that only grows) and watches theirs. A rank has met the others
 * at step s when each has reached s or ended its run (the caller knows
 * which have ended: fleet_mpi.c's end messages). Steps and messages stay
 * among the ranks of MPI_COMM_WORLD, tag TAG_STEP.
 */
#ifndef DGEN_FLEET_MEET_H
#define DGEN_FLEET_MEET_H

#include <stdint.h>

#include <mpi.h>

struct fleet_meet {
	unsigned int n, self;
	uint64_t *seen;			/* the highest step each rank reached */
	uint64_t *in, *sent;		/* receive and send buffers, per rank */
	MPI_Request *rreq, *sreq;
};

/* fleet_meet_begin - start listening to the @n - 1 other ranks. 0 or
 * -ENOMEM. */
int fleet_meet_begin(struct fleet_meet *m, unsigned int n, unsigned int self);

/* fleet_meet_reach - tell every other rank this one reached @step. */
void fleet_meet_reach(struct fleet_meet *m, uint64_t step);

/* fleet_meet_poll - take in the steps come so far. */
void fleet_meet_poll(struct fleet_meet *m);

/* fleet_meet_met - every rank reached @step, or is in @ended (n flags,
 * may be NULL). */
int fleet_meet_met(const struct fleet_meet *m, uint64_t step,
		   const int *ended);

/*
 * fleet_meet_end - stop listening, once every rank's run has ended (no
 * step can come any more). With @abandon (the others may be gone), only
 * the memory is freed.
 */
void fleet_meet_end(struct fleet_meet *m, int abandon);

#endif /* DGEN_FLEET_MEET_H */
