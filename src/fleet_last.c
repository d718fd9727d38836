// SPDX-License-Identifier: MIT
/*
 * fleet_last.c - the figures of ranks a signal stopped (fleet_impl.h)
 *
 * A rank that dies takes no part in the run's exchanges, and the launcher
 * then stops the others with a signal (Open MPI: SIGTERM, and SIGKILL a
 * second later). So a signalled rank enters no collective: it sends its
 * figures to rank 0 and waits a moment for the receipt, and rank 0 waits
 * as long for every rank's; the ranks it hears nothing from are the lost
 * ones. Rank 1 gathers too, and reports when it hears nothing from rank
 * 0, so a report comes whichever one rank dies. This runs on a duplicate
 * of the world whose errors return, as a dead peer's broken connection
 * must not abort the ranks still alive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "fleet_impl.h"

#define TAG_LAST	7302		/* a signalled rank's figures */
#define TAG_ACK		7303		/* rank 0 has them */
#define TAG_DONE	7304		/* rank 0 has reported: leave now */

/* How long a signalled rank waits for the others' figures, or for a
 * receipt: well within the second Open MPI gives from its SIGTERM to its
 * SIGKILL. A rank whose figures were taken then waits for the report to
 * be out before it exits (Open MPI ends the job's other ranks at once
 * when one exits non-zero), until the SIGKILL at the latest. */
#define LAST_WAIT_S	0.5
#define DONE_WAIT_S	5.0

static MPI_Comm last_comm = MPI_COMM_NULL;

void fleet_last_open(void)
{
	MPI_Comm_dup(MPI_COMM_WORLD, &last_comm);
	MPI_Comm_set_errhandler(last_comm, MPI_ERRORS_RETURN);
}

void fleet_last_close(void)
{
	if (last_comm != MPI_COMM_NULL)
		MPI_Comm_free(&last_comm);
}

/*
 * Give a send a moment (10 ms at most) to go out: a few bytes go eagerly,
 * figures as the peer takes them; one to a dead peer never does, and is
 * left behind (no MPI_Finalize follows).
 */
static void settle(MPI_Request *rq)
{
	int fin = 0;

	for (int n = 0; *rq != MPI_REQUEST_NULL && !fin && n < 20 &&
	     MPI_Test(rq, &fin, MPI_STATUS_IGNORE) == MPI_SUCCESS; n++)
		usleep(500);
}

/* Ranks 0 and 1 gather: rank 1 reports should rank 0 be the one lost. */
static unsigned int gatherers(const struct dgen_fleet_out *out)
{
	return out->size < 2 ? out->size : 2;
}

/* Not a gatherer: wait a moment for a receipt from either. */
static void last_wait_ack(struct dgen_fleet_out *out, double end)
{
	MPI_Request aq[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL };
	int32_t ack[2] = { 0, 0 };
	int acked = 0;

	for (unsigned int g = 0; g < gatherers(out); g++)
		MPI_Irecv(&ack[g], 1, MPI_INT32_T, (int)g, TAG_ACK, last_comm,
			  &aq[g]);
	while (!acked && fleet_now() < end) {
		for (unsigned int g = 0; g < gatherers(out) && !acked; g++)
			if (aq[g] != MPI_REQUEST_NULL &&
			    MPI_Test(&aq[g], &acked, MPI_STATUS_IGNORE))
				aq[g] = MPI_REQUEST_NULL; /* errors return: gone */
		usleep(1000);
	}
	out->acked = acked;
}

/* A gatherer: every rank's figures that come in time; the others lost. */
static void last_gather(struct dgen_fleet_out *out, double end)
{
	MPI_Request *req = calloc(out->size, sizeof(*req));
	MPI_Request *acks = calloc(out->size, sizeof(*acks));
	int *in = calloc(out->size, sizeof(*in));
	unsigned int got = 1, self = out->rank;
	int32_t ack = 1;

	out->ranks = calloc(out->size, sizeof(*out->ranks));
	if (!req || !acks || !in || !out->ranks) {
		free(out->ranks);
		out->ranks = NULL;
		goto out;
	}
	out->ranks[self] = out->mine;
	in[self] = 1;
	for (unsigned int i = 0; i < out->size; i++) {
		acks[i] = req[i] = MPI_REQUEST_NULL;
		if (i != self)
			MPI_Irecv(&out->ranks[i], sizeof(out->mine), MPI_BYTE,
				  (int)i, TAG_LAST, last_comm, &req[i]);
	}
	while (got < out->size && fleet_now() < end) {
		for (unsigned int i = 0; i < out->size; i++) {
			int done = 0;

			if (in[i] || MPI_Test(&req[i], &done, MPI_STATUS_IGNORE) ||
			    !done)
				continue;
			in[i] = 1;
			got++;
			MPI_Isend(&ack, 1, MPI_INT32_T, (int)i, TAG_ACK,
				  last_comm, &acks[i]);
		}
		usleep(1000);
	}
	for (unsigned int i = 0; i < out->size; i++) {
		struct dgen_fleet_rank *r = &out->ranks[i];

		if (in[i])
			continue;
		/* Whatever landed in the buffer is not figures. */
		memset(r, 0, sizeof(*r));
		r->rank = i;
		r->lost = 1;
		r->stopped_by = -1;
		r->error_target = -1;
		snprintf(r->host, sizeof(r->host), "?");
	}
	for (unsigned int i = 0; i < out->size; i++)
		settle(&acks[i]);
	/* Rank 1 heard from rank 0: rank 0 reports, and says when it has. */
	out->reports = self == 0 || !in[0];
	out->acked = !out->reports;
out:
	free(req);
	free(acks);
	free(in);
}

/*
 * A signalled rank's figures to the gatherers, and theirs of every rank
 * (see the top of the file). The reporting gatherer (rank 0, or rank 1
 * when rank 0 is lost) gets out->reports and out->ranks, the silent ranks
 * marked lost; another rank learns whether a gatherer has its figures.
 */
void fleet_last_exchange(struct dgen_fleet_out *out)
{
	MPI_Request sq[2] = { MPI_REQUEST_NULL, MPI_REQUEST_NULL };
	double end;

	out->last_s = fleet_now();
	end = out->last_s + LAST_WAIT_S;
	for (unsigned int g = 0; g < gatherers(out); g++)
		if (g != out->rank)
			MPI_Isend(&out->mine, sizeof(out->mine), MPI_BYTE,
				  (int)g, TAG_LAST, last_comm, &sq[g]);
	if (out->rank < gatherers(out))
		last_gather(out, end);
	else
		last_wait_ack(out, end);
	settle(&sq[0]);
	settle(&sq[1]);
}

/*
 * A signalled rank's leaving: the reporter, its report out, tells the
 * ranks it has figures from; they wait for that before they exit.
 */
void fleet_last_leave(struct dgen_fleet_out *out)
{
	double end = out->last_s + DONE_WAIT_S;
	int32_t done = 1;
	MPI_Request rq = MPI_REQUEST_NULL;
	int got = 0;

	if (!out->reports) {
		if (!out->acked)
			return;
		MPI_Irecv(&done, 1, MPI_INT32_T, MPI_ANY_SOURCE, TAG_DONE,
			  last_comm, &rq);
		while (!got && fleet_now() < end &&
		       MPI_Test(&rq, &got, MPI_STATUS_IGNORE) == MPI_SUCCESS)
			usleep(1000);
		return;
	}
	for (unsigned int i = 0; out->ranks && i < out->size; i++) {
		if (i == out->rank || out->ranks[i].lost)
			continue;
		MPI_Isend(&done, 1, MPI_INT32_T, (int)i, TAG_DONE, last_comm,
			  &rq);
		settle(&rq);
	}
}
