// SPDX-License-Identifier: MIT
/*
 * run_drive.c - what a run does to and asks of its targets' drives around
 * its passes: their NVMe identity and Health log before and after the run
 * and each pass (dgen/nvme.h, DGEN_RUN_HEALTH), and a discard of every
 * target's range before the first (dgen/discard.h, DGEN_RUN_TRIM)
 *
 * A target that is not NVMe has no health record; an NVMe one whose log
 * cannot be read (no CAP_SYS_ADMIN) keeps why and is not judged. Every
 * target is checked for discard before any is discarded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "run_impl.h"

int run_drive_check(struct dgen_run *r, char *msg, size_t msglen)
{
	int err;

	if (!(r->o.flags & (DGEN_RUN_TRIM | DGEN_RUN_TRIM_ONLY)))
		return 0;
	for (unsigned int k = 0; k < r->ntargets; k++) {
		err = dgen_target_discard_check(r->targets[k], msg, msglen);
		if (err)
			return err;
	}
	r->trim = calloc(r->ntargets + 1, sizeof(*r->trim));
	if (!r->trim) {
		snprintf(msg, msglen, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int run_drive_begin(struct dgen_run *r, char *msg, size_t msglen)
{
	int err;

	if (r->o.flags & (DGEN_RUN_HEALTH | DGEN_RUN_HEALTH_PASSES)) {
		r->health = calloc(r->ntargets + 1, sizeof(*r->health));
		for (unsigned int k = 0; r->health && k < r->ntargets; k++)
			dgen_nvme_watch_begin(&r->health[k], r->o.paths[k]);
	}
	for (unsigned int k = 0; r->trim && k < r->ntargets; k++) {
		err = dgen_target_discard(r->targets[k], &r->trim[k], msg,
					  msglen);
		if (err)
			return err;
	}
	return 0;
}

int run_drive_pass(struct dgen_run *r, uint64_t n, enum dgen_run_edge edge)
{
	char why[256];
	int end = 0;

	if (!(r->o.flags & DGEN_RUN_HEALTH_PASSES) || !r->health ||
	    edge == DGEN_RUN_VERIFY_BEGIN)
		return 0;		/* health is read around whole passes */
	for (unsigned int k = 0; k < r->ntargets; k++)
		if (dgen_nvme_watch_pass(&r->health[k], n,
					 edge == DGEN_RUN_PASS_END, why,
					 sizeof(why))) {
			run_notice(r, "the drive of %s is unhealthy in pass %llu: %s; the run ends after this pass",
				   r->o.paths[k], (unsigned long long)n, why);
			end = 1;
		}
	return end;
}

void run_drive_end(struct dgen_run *r)
{
	for (unsigned int k = 0; r->health && k < r->ntargets; k++)
		if (dgen_nvme_watch_end(&r->health[k]))
			r->res->unhealthy = 1;
}

void run_drive_free(struct dgen_run *r)
{
	for (unsigned int k = 0; r->health && k < r->ntargets; k++)
		dgen_nvme_watch_free(&r->health[k]);
	free(r->health);
	free(r->trim);
	r->health = NULL;
	r->trim = NULL;
}
