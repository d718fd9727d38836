// SPDX-License-Identifier: MIT
/*
 * nvme_watch.c - a drive's Health log around a run and each of its
 * passes, and the verdicts (dgen/nvme.h)
 *
 * The device is opened once (read-only, no O_EXCL, beside the writer's
 * claim) and each read is one Get Log Page: cheap next to a pass. A pass
 * is judged with the same rules as a run, from the log at its begin to
 * the log at its end, so new media errors are counted against the pass
 * that saw them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/nvme.h>

void dgen_nvme_watch_begin(struct dgen_nvme_watch *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->fd = dgen_nvme_open(path);
	if (w->fd < 0) {
		w->err = w->fd;
		return;
	}
	w->nvme = 1;
	w->err = dgen_nvme_identify(w->fd, &w->id);
	if (!w->err)
		w->err = dgen_nvme_health_read(w->fd, &w->before);
	w->have_before = !w->err;
}

static struct dgen_nvme_pass *pass_add(struct dgen_nvme_watch *w, uint64_t n)
{
	struct dgen_nvme_pass *p;

	if (w->npasses == w->cap) {
		unsigned int cap = w->cap ? 2 * w->cap : 16;

		p = realloc(w->passes, cap * sizeof(*p));
		if (!p)
			return NULL;
		w->passes = p;
		w->cap = cap;
	}
	p = &w->passes[w->npasses++];
	memset(p, 0, sizeof(*p));
	p->pass = n;
	p->err = -ENODATA;		/* until both logs are read */
	return p;
}

unsigned int dgen_nvme_watch_pass(struct dgen_nvme_watch *w, uint64_t n,
				  int end, char *why, size_t whylen)
{
	struct dgen_nvme_pass *p;
	int err;

	if (why && whylen)
		why[0] = 0;
	if (!w->have_before || w->fd < 0)
		return 0;
	if (!end) {
		p = pass_add(w, n);
		if (p && (err = dgen_nvme_health_read(w->fd, &p->before)))
			p->err = err;
		else if (p)
			p->err = -EINPROGRESS;	/* the begin is read */
		return 0;
	}
	p = w->npasses ? &w->passes[w->npasses - 1] : NULL;
	if (!p || p->pass != n || p->err != -EINPROGRESS)
		return 0;
	p->err = dgen_nvme_health_read(w->fd, &p->after);
	if (p->err)
		return 0;
	p->bad = dgen_nvme_health_judge(&w->id, &p->before, &p->after, why,
					whylen);
	if (p->bad && !w->bad_pass)
		w->bad_pass = n;
	return p->bad;
}

unsigned int dgen_nvme_watch_end(struct dgen_nvme_watch *w)
{
	char pw[192];

	if (!w->have_before || w->fd < 0)
		goto out;
	w->err = dgen_nvme_health_read(w->fd, &w->after);
	w->have_after = !w->err;
	if (!w->have_after)
		goto out;
	w->bad = dgen_nvme_health_judge(&w->id, &w->before, &w->after, w->why,
					sizeof(w->why));
	for (unsigned int i = 0; i < w->npasses; i++)
		w->bad |= w->passes[i].bad;
	/* Name the first unhealthy pass, with its reasons when the whole
	 * run's comparison no longer shows them. */
	for (unsigned int i = 0; w->bad_pass && i < w->npasses; i++) {
		const struct dgen_nvme_pass *p = &w->passes[i];
		size_t n = strlen(w->why);

		if (p->pass != w->bad_pass)
			continue;
		dgen_nvme_health_judge(&w->id, &p->before, &p->after, pw,
				       sizeof(pw));
		if (n)
			snprintf(w->why + n, sizeof(w->why) - n,
				 "; first in pass %llu",
				 (unsigned long long)p->pass);
		else
			snprintf(w->why, sizeof(w->why), "in pass %llu: %s",
				 (unsigned long long)p->pass, pw);
		break;
	}
out:
	if (w->nvme && w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	return w->bad;
}

void dgen_nvme_watch_free(struct dgen_nvme_watch *w)
{
	if (!w)
		return;
	if (w->nvme && w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->passes);
	w->passes = NULL;
	w->npasses = w->cap = 0;
}
