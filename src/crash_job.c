// SPDX-License-Identifier: MIT
/*
 * crash_job.c - dgen-uring --verify-crash: every target of a journal
 * judged after a crash, from the journal alone
 *
 * The journal names the targets, their regions, streams and what each
 * flush made durable; nothing else is needed. A target is judged by
 * dgen_crash_check; an NVMe one is first asked what it writes atomically
 * across a power failure, so that a torn write counts against it only
 * where it promised one would not happen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <dgen/crash.h>

#include "clock.h"

static void judge(struct dgen_crash_job *j, unsigned int k,
		  const char *path, uint32_t max_report)
{
	struct dgen_crash_target *t = &j->targets[k];
	struct dgen_crash_opts o;

	dgen_crash_opts_init(&o);
	o.max_report = max_report;
	o.path = path;
	t->nvme = !dgen_nvme_atomic_read(path ? path : j->view->targets[k].path,
					 &t->atomic);
	if (t->nvme)
		o.atomic_bytes = t->atomic_bytes =
			dgen_nvme_atomic_power(&t->atomic);
	t->error = dgen_crash_check(j->view, k, &o, &t->res, t->msg,
				    sizeof(t->msg));
	t->verdict = t->error ? DGEN_CRASH_VERDICT_OK :
		     dgen_crash_verdict(&t->res, j->fail_on_torn);
	j->errors += !!t->error;
	if (t->verdict < j->verdict)
		j->verdict = t->verdict;
}

int dgen_crash_job_run(struct dgen_crash_job **out, const char *journal,
		       const char *const *paths, unsigned int npaths,
		       uint32_t max_report, int fail_on_torn, char *msg,
		       size_t msglen)
{
	const uint64_t t0 = dgen_clock_ns();
	struct dgen_crash_job *j = calloc(1, sizeof(*j));
	int err;

	*out = NULL;
	if (!j)
		return snprintf(msg, msglen, "out of memory"), -ENOMEM;
	j->journal = journal;
	j->fail_on_torn = fail_on_torn;
	j->verdict = DGEN_CRASH_VERDICT_OK;
	err = dgen_journal_read(&j->view, journal, msg, msglen);
	if (!err && npaths && npaths != j->view->ntargets) {
		snprintf(msg, msglen, "the journal %s names %u target%s, and %u path%s were given to read them at: give one --dev per target, in the journal's order",
			 journal, j->view->ntargets,
			 j->view->ntargets == 1 ? "" : "s", npaths,
			 npaths == 1 ? "" : "s");
		err = -EINVAL;
	}
	if (!err) {
		j->targets = calloc(j->view->ntargets + 1, sizeof(*j->targets));
		if (!j->targets)
			err = -ENOMEM, snprintf(msg, msglen, "out of memory");
	}
	if (err) {
		dgen_crash_job_free(j);
		return err;
	}
	for (unsigned int k = 0; k < j->view->ntargets; k++)
		judge(j, k, npaths ? paths[k] : NULL, max_report);
	j->seconds = (double)(dgen_clock_ns() - t0) / 1e9;
	*out = j;
	return 0;
}

void dgen_crash_job_free(struct dgen_crash_job *j)
{
	if (!j)
		return;
	for (unsigned int k = 0; j->targets && k < j->view->ntargets; k++)
		dgen_crash_result_free(&j->targets[k].res);
	free(j->targets);
	dgen_journal_view_free(j->view);
	free(j);
}
