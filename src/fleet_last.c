// SPDX-License-Identifier: MIT
/*
 * fleet_last.c - the figures of ranks a signal stopped (fleet_impl.h)
 *
 * A rank that dies takes no part in the run's exchanges, and the launcher
 * then stops the others with a signal (Open MPI: SIGTERM, and SIGKILL a
 * second later). So a signalled rank enters no collective: it sends its
 * figures to rank 0 and waits a moment for the receipt, and rank 0 waits
 * as long for every rank's; the ranks it hears nothing from are the lost
 * ones. This runs on a duplicate of the world whose errors return, as a
 * dead peer's broken connection must not abort the ranks still alive.
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

/* How long a signalled rank waits for the others' figures, or rank 0's
 * receipt: well within the second Open MPI gives from its SIGTERM to its
 * SIGKILL. A rank whose figures rank 0 took then waits for rank 0's
 * report to be out before it exits (Open MPI ends the job's other ranks
 * at once when one exits non-zero), until the SIGKILL at the latest. */
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

/* Not rank 0: send the figures, wait a moment for the receipt. */
static void last_send(struct fleet_out *out, double end)
{
	MPI_Request rq = MPI_REQUEST_NULL, aq = MPI_REQUEST_NULL;
	int32_t got_ack = 0;
	int sent = 0, acked = 0;

	MPI_Isend(&out->mine, sizeof(out->mine), MPI_BYTE, 0, TAG_LAST,
		  last_comm, &rq);
	MPI_Irecv(&got_ack, 1, MPI_INT32_T, 0, TAG_ACK, last_comm, &aq);
	while (!(sent && acked) && fleet_now() < end) {
		if ((!sent && MPI_Test(&rq, &sent, MPI_STATUS_IGNORE)) ||
		    (!acked && MPI_Test(&aq, &acked, MPI_STATUS_IGNORE)))
			break;		/* the errors return: rank 0 is gone */
		usleep(1000);
	}
	out->acked = acked && got_ack;
}

/* Rank 0: every rank's figures that come in time; the others lost. */
static void last_gather(struct fleet_out *out, double end)
{
	MPI_Request *req = calloc(out->size, sizeof(*req));
	MPI_Request *acks = calloc(out->size, sizeof(*acks));
	int *in = calloc(out->size, sizeof(*in));
	unsigned int got = 1;
	int32_t ack = 1;

	out->ranks = calloc(out->size, sizeof(*out->ranks));
	if (!req || !acks || !in || !out->ranks) {
		free(out->ranks);
		out->ranks = NULL;
		goto out;
	}
	out->ranks[0] = out->mine;
	for (unsigned int i = 1; i < out->size; i++) {
		acks[i] = MPI_REQUEST_NULL;
		MPI_Irecv(&out->ranks[i], sizeof(out->mine), MPI_BYTE, (int)i,
			  TAG_LAST, last_comm, &req[i]);
	}
	while (got < out->size && fleet_now() < end) {
		for (unsigned int i = 1; i < out->size; i++) {
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
	for (unsigned int i = 1; i < out->size; i++) {
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
	/* The receipts are a few bytes, out at once (eagerly). */
	for (unsigned int i = 1; i < out->size; i++) {
		int fin = 0;

		for (int n = 0; in[i] && !fin && n < 20 &&
		     !MPI_Test(&acks[i], &fin, MPI_STATUS_IGNORE); n++)
			usleep(500);
	}
out:
	free(req);
	free(acks);
	free(in);
}

/*
 * A signalled rank's figures to rank 0, and rank 0's gathering of them
 * (see the top of the file). Rank 0 gets out->ranks, the silent ranks
 * marked lost; another rank learns whether rank 0 has its figures.
 */
void fleet_last_exchange(struct fleet_out *out)
{
	out->last_s = fleet_now();
	if (out->rank)
		last_send(out, out->last_s + LAST_WAIT_S);
	else
		last_gather(out, out->last_s + LAST_WAIT_S);
}

/*
 * A signalled rank's leaving: rank 0, its report out, tells the ranks it
 * has figures from; they wait for that before they exit.
 */
void fleet_last_leave(struct fleet_out *out)
{
	double end = out->last_s + DONE_WAIT_S;
	int32_t done = 1;
	MPI_Request rq = MPI_REQUEST_NULL;
	int got = 0;

	if (out->rank != 0) {
		if (!out->acked)
			return;
		MPI_Irecv(&done, 1, MPI_INT32_T, 0, TAG_DONE, last_comm, &rq);
		while (!got && fleet_now() < end &&
		       MPI_Test(&rq, &got, MPI_STATUS_IGNORE) == MPI_SUCCESS)
			usleep(1000);
		return;
	}
	for (unsigned int i = 1; out->ranks && i < out->size; i++) {
		int fin = 0;

		if (out->ranks[i].lost)
			continue;
		/* A few bytes go out at once (eagerly); no wait for the peer. */
		MPI_Isend(&done, 1, MPI_INT32_T, (int)i, TAG_DONE, last_comm,
			  &rq);
		for (int n = 0; n < 20 && !fin &&
		     MPI_Test(&rq, &fin, MPI_STATUS_IGNORE) == MPI_SUCCESS; n++)
			usleep(500);
	}
}
