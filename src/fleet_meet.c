// SPDX-License-Identifier: MIT
/*
 * fleet_meet.c - the ranks of a fleet meeting before each pass and phase
 * (fleet_meet.h)
 */
#include <errno.h>
#include <stdlib.h>

#include "fleet_meet.h"

#define TAG_STEP	7305

static void listen_to(struct fleet_meet *m, unsigned int i)
{
	MPI_Irecv(&m->in[i], 1, MPI_UINT64_T, (int)i, TAG_STEP,
		  MPI_COMM_WORLD, &m->rreq[i]);
}

int fleet_meet_begin(struct fleet_meet *m, unsigned int n, unsigned int self)
{
	m->n = n;
	m->self = self;
	m->seen = calloc(n, sizeof(*m->seen));
	m->in = calloc(n, sizeof(*m->in));
	m->sent = calloc(n, sizeof(*m->sent));
	m->rreq = calloc(n, sizeof(*m->rreq));
	m->sreq = calloc(n, sizeof(*m->sreq));
	if (!m->seen || !m->in || !m->sent || !m->rreq || !m->sreq) {
		fleet_meet_end(m, 1);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		m->rreq[i] = m->sreq[i] = MPI_REQUEST_NULL;
		if (i != self)
			listen_to(m, i);
	}
	return 0;
}

void fleet_meet_reach(struct fleet_meet *m, uint64_t step)
{
	for (unsigned int i = 0; i < m->n; i++) {
		if (i == m->self)
			continue;
		/* The last step's few bytes went out eagerly: its request is
		 * done, and its buffer free for this one. */
		MPI_Wait(&m->sreq[i], MPI_STATUS_IGNORE);
		m->sent[i] = step;
		MPI_Isend(&m->sent[i], 1, MPI_UINT64_T, (int)i, TAG_STEP,
			  MPI_COMM_WORLD, &m->sreq[i]);
	}
}

void fleet_meet_poll(struct fleet_meet *m)
{
	for (unsigned int i = 0; i < m->n; i++) {
		int got = 1;

		/* Several steps may be waiting: take them all. */
		while (i != m->self && got) {
			got = 0;
			MPI_Test(&m->rreq[i], &got, MPI_STATUS_IGNORE);
			if (!got)
				break;
			if (m->in[i] > m->seen[i])
				m->seen[i] = m->in[i];
			listen_to(m, i);
		}
	}
}

int fleet_meet_met(const struct fleet_meet *m, uint64_t step,
		   const int *ended)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (i != m->self && m->seen[i] < step && !(ended && ended[i]))
			return 0;
	return 1;
}

void fleet_meet_end(struct fleet_meet *m, int abandon)
{
	for (unsigned int i = 0; !abandon && m->rreq && i < m->n; i++) {
		if (i == m->self)
			continue;
		MPI_Cancel(&m->rreq[i]);
		MPI_Wait(&m->rreq[i], MPI_STATUS_IGNORE);
		MPI_Wait(&m->sreq[i], MPI_STATUS_IGNORE);
	}
	free(m->seen);
	free(m->in);
	free(m->sent);
	free(m->rreq);
	free(m->sreq);
	m->seen = m->in = m->sent = NULL;
	m->rreq = m->sreq = NULL;
}
