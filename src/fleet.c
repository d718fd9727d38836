// SPDX-License-Identifier: MIT
/*
 * fleet.c - the parts of a many-process run that need no transport: names,
 * stream ids, shared slices, each rank's CPUs, the merged summary (rules in
 * dgen/fleet.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/fleet.h>
#include <dgen/opts.h>
#include <dgen/placement.h>

int dgen_fleet_launched(void)
{
	static const char *const vars[] = {
		"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
		"MPI_LOCALNRANKS",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (getenv(vars[i]))
			return 1;
	/* SLURM_PROCID alone is also set in a batch script's own shell;
	 * only a step (srun) has a step id. */
	return getenv("SLURM_PROCID") && getenv("SLURM_STEP_ID");
}

int dgen_fleet_opts_check(const struct dgen_run_opts *o, char *msg,
			  size_t msglen)
{
	if ((o->flags & (DGEN_RUN_FD | DGEN_RUN_DRY | DGEN_RUN_TRIM |
			 DGEN_RUN_TRIM_ONLY)) || (o->given & DGEN_GIVEN_WATCH) ||
	    o->cpus) {
		snprintf(msg, msglen, "under MPI each rank writes --dev targets or a --dir tree: --stdout, --dry-run, --trim, --cpus and the per-target options (--log, --plot, ...) are for plain runs");
		return -EINVAL;
	}
	if (o->journal || o->verify_crash) {
		snprintf(msg, msglen, "--journal and --verify-crash follow one host's drives: run them without MPI, one journal per host");
		return -EINVAL;
	}
	if (o->tree.dir && (o->flags & DGEN_RUN_SHARED)) {
		snprintf(msg, msglen, "--shared cuts one --dev target into slices; each rank writes a --dir tree of its own (put %%r or %%h in DIR)");
		return -EINVAL;
	}
	return 0;
}

void dgen_fleet_host(char *buf, size_t len)
{
	char h[256] = "";

	if (gethostname(h, sizeof(h) - 1) || !h[0])
		snprintf(h, sizeof(h), "unknown");
	h[strcspn(h, ".")] = '\0';
	snprintf(buf, len, "%s", h);
}

int dgen_fleet_expand(char *out, size_t len, const char *in,
		      unsigned int rank, const char *host,
		      char *msg, size_t msglen)
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		char num[16];
		const char *add = num;
		size_t k;

		if (*p != '%') {
			num[0] = *p;
			num[1] = '\0';
		} else if (p[1] == 'r') {
			snprintf(num, sizeof(num), "%u", rank);
			p++;
		} else if (p[1] == 'h') {
			add = host;
			p++;
		} else if (p[1] == '%') {
			snprintf(num, sizeof(num), "%%");
			p++;
		} else {
			snprintf(msg, msglen, "%s: only %%r (rank), %%h (host) and %%%% may follow a %% in a target path",
				 in);
			return -EINVAL;
		}
		k = strlen(add);
		if (n + k >= len)
			return -ENAMETOOLONG;
		memcpy(out + n, add, k);
		n += k;
	}
	if (n >= len)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int dgen_fleet_stream_id(uint64_t base, unsigned int rank, uint64_t k,
			 uint64_t ntargets, uint64_t *out)
{
	unsigned __int128 id = (unsigned __int128)rank * ntargets + k + base;

	if (id > UINT64_MAX)
		return -ERANGE;
	*out = (uint64_t)id;
	return 0;
}

uint64_t dgen_fleet_align(uint64_t total, unsigned int nranks,
			  uint64_t window, uint64_t unit)
{
	return window && total / nranks >= window ? window : unit;
}

int dgen_fleet_slice(uint64_t total, unsigned int nranks, unsigned int rank,
		     uint64_t align, uint64_t *off, uint64_t *len)
{
	uint64_t units, a, b;

	if (!nranks || rank >= nranks || !align || total / align < nranks)
		return -EINVAL;
	units = total / align;
	/* Whole units, spread evenly; the tail past the last whole unit
	 * goes with the last rank. */
	a = (uint64_t)((unsigned __int128)units * rank / nranks);
	b = (uint64_t)((unsigned __int128)units * (rank + 1) / nranks);
	*off = a * align;
	*len = rank + 1 == nranks ? total - *off : (b - a) * align;
	return 0;
}

/* 1 when @cpu is among the @n of @allowed (NULL: all are). */
static int cpu_allowed(const unsigned int *allowed, unsigned int n,
		       unsigned int cpu)
{
	if (!allowed)
		return 1;
	for (unsigned int i = 0; i < n; i++)
		if (allowed[i] == cpu)
			return 1;
	return 0;
}

int dgen_fleet_cpus(const struct dgen_topology *t, const unsigned int *allowed,
		    unsigned int nallowed, unsigned int local,
		    unsigned int nlocal, char *list, size_t len,
		    unsigned int *ncores)
{
	unsigned char *ok = NULL;
	unsigned int *cores = NULL, *out = NULL, *nok = NULL;
	unsigned int C = 0, a, b, n = 0, pick = ~0u, most = 0;
	int r = -ENOMEM;

	if (!nlocal || local >= nlocal)
		return -EINVAL;
	ok = calloc(t->npus, 1);
	cores = calloc(t->ncores, sizeof(*cores));
	nok = calloc(t->ncores, sizeof(*nok));
	out = calloc(t->npus, sizeof(*out));
	if (!ok || !cores || !nok || !out)
		goto err;
	/* The cores with an allowed CPU, in @t's order, and how many. */
	for (unsigned int c = 0; c < t->ncores; c++) {
		const struct dgen_topology_core *co = &t->cores[c];

		for (unsigned int i = co->first_pu; i < co->first_pu + co->npus; i++)
			if (cpu_allowed(allowed, nallowed, t->pus[i])) {
				ok[i] = 1;
				nok[C]++;
			}
		if (nok[C])
			cores[C++] = c;
	}
	r = -EINVAL;
	if (!C)
		goto err;
	if (nlocal <= C) {
		a = (unsigned int)((uint64_t)local * C / nlocal);
		b = (unsigned int)((uint64_t)(local + 1) * C / nlocal);
	} else {
		a = local % C;
		b = a + 1;
		pick = (local / C) % nok[a];	/* of its allowed CPUs */
	}
	for (unsigned int c = a; c < b; c++)
		if (nok[c] > most)
			most = nok[c];
	/* Round k: the k-th allowed CPU of each core of the share. */
	for (unsigned int k = 0; k < most; k++) {
		for (unsigned int c = a; c < b; c++) {
			const struct dgen_topology_core *co = &t->cores[cores[c]];
			unsigned int seen = 0;

			for (unsigned int i = co->first_pu;
			     i < co->first_pu + co->npus; i++) {
				if (!ok[i])
					continue;
				if (pick == ~0u ? seen == k : seen == pick && !k)
					out[n++] = t->pus[i];
				seen++;
			}
		}
	}
	r = -ENOSPC;
	if (dgen_cpulist_format(list, len, out, n) >= len)
		goto err;
	*ncores = b - a;
	r = (int)n;
err:
	free(ok);
	free(cores);
	free(nok);
	free(out);
	return r;
}

double dgen_fleet_rank_gbps(const struct dgen_fleet_rank *r)
{
	double busy = r->seconds - r->waited_s;

	return busy > 0 ? (double)(r->written + r->read) / busy / 1e9 : 0;
}

void dgen_fleet_merge(const struct dgen_fleet_rank *ranks, unsigned int n,
		      struct dgen_fleet_summary *sum,
		      struct dgen_target_verdict *verdicts)
{
	struct dgen_verdict_input *in;
	double first = 0, last_start = 0, last_end = 0;
	int any = 0;

	memset(sum, 0, sizeof(*sum));
	dgen_latency_init(&sum->latency);
	sum->nranks = n;
	for (unsigned int i = 0; i < n; i++) {
		const struct dgen_fleet_rank *r = &ranks[i];

		if (r->lost) {
			sum->lost++;
			continue;
		}
		sum->written += r->written;
		sum->read += r->read;
		sum->mismatches += r->mismatches;
		sum->errors += r->error != 0;
		sum->stopped += r->stopped != 0;
		dgen_latency_merge(&sum->latency, &r->latency);
		if (!any || r->start_s < first)
			first = r->start_s;
		if (!any || r->start_s > last_start)
			last_start = r->start_s;
		if (!any || r->end_s > last_end)
			last_end = r->end_s;
		any = 1;
	}
	if (any) {
		sum->wall_s = last_end - first;
		sum->skew_s = last_start - first;
	}
	if (sum->wall_s > 0)
		sum->gbps = (double)(sum->written + sum->read) / sum->wall_s / 1e9;
	if (!verdicts || !n)
		return;
	in = calloc(n, sizeof(*in));
	if (!in) {
		memset(verdicts, 0, n * sizeof(*verdicts));
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		in[i].gbps = dgen_fleet_rank_gbps(&ranks[i]);
		in[i].p99_us = (double)dgen_latency_percentile(&ranks[i].latency, 99) / 1e3;
		in[i].valid = !ranks[i].lost &&
			      ranks[i].written + ranks[i].read > 0;
		in[i].error = ranks[i].error != 0;
	}
	dgen_verdicts(in, n, NULL, NULL, verdicts);
	for (unsigned int i = 0; i < n; i++)
		sum->slow += verdicts[i].slow != 0;
	free(in);
}
