// SPDX-License-Identifier: MIT
/*
 * test_fleet.c - the transport-free rules of fleet runs (dgen/fleet.h):
 * names, stream ids, shared slices of one stream (views of it, byte for
 * byte), the merged summary and the slow-rank rule
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <dgen/dgen.h>

#include "testutil.h"

Test(fleet, expand_names)
{
	char out[64], msg[256];

	cr_assert_eq(dgen_fleet_expand(out, sizeof(out), "/scratch/f%r.%h",
				       12, "node7", msg, sizeof(msg)), 0);
	cr_assert_str_eq(out, "/scratch/f12.node7");
	cr_assert_eq(dgen_fleet_expand(out, sizeof(out), "100%%-%r%r", 3,
				       "h", msg, sizeof(msg)), 0);
	cr_assert_str_eq(out, "100%-33");
	cr_assert_eq(dgen_fleet_expand(out, sizeof(out), "/dev/nvme0n1", 5,
				       "h", msg, sizeof(msg)), 0);
	cr_assert_str_eq(out, "/dev/nvme0n1");
	cr_assert_eq(dgen_fleet_expand(out, sizeof(out), "/x%d", 0, "h", msg,
				       sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "%r"), "%s", msg);
	cr_assert_eq(dgen_fleet_expand(out, sizeof(out), "/x%", 0, "h", msg,
				       sizeof(msg)), -EINVAL);
	/* 10 bytes of room: "/f" + 8 host bytes does not fit with its NUL */
	cr_assert_eq(dgen_fleet_expand(out, 10, "/f%h", 0, "abcdefgh", msg,
				       sizeof(msg)), -ENAMETOOLONG);
	cr_assert_eq(dgen_fleet_expand(out, 11, "/f%h", 0, "abcdefgh", msg,
				       sizeof(msg)), 0);
}

Test(fleet, host_is_short)
{
	char h[DGEN_FLEET_HOST_MAX];

	dgen_fleet_host(h, sizeof(h));
	cr_assert(h[0] && !strchr(h, '.'), "host '%s'", h);
}

Test(fleet, launched_by_env)
{
	static const char *const vars[] = {
		"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK",
		"MPI_LOCALNRANKS", "SLURM_PROCID", "SLURM_STEP_ID",
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	cr_assert_not(dgen_fleet_launched());
	setenv("SLURM_PROCID", "0", 1);		/* a batch script's shell */
	cr_assert_not(dgen_fleet_launched());
	setenv("SLURM_STEP_ID", "0", 1);	/* srun */
	cr_assert(dgen_fleet_launched());
	unsetenv("SLURM_PROCID");
	unsetenv("SLURM_STEP_ID");
	setenv("OMPI_COMM_WORLD_SIZE", "4", 1);
	cr_assert(dgen_fleet_launched());
	unsetenv("OMPI_COMM_WORLD_SIZE");
	setenv("PMIX_RANK", "1", 1);
	cr_assert(dgen_fleet_launched());
	unsetenv("PMIX_RANK");
}

Test(fleet, stream_ids_never_collide)
{
	for (uint64_t t = 1; t <= 9; t++) {
		uint64_t n = 64 * t, *ids = calloc(n, sizeof(*ids));

		for (unsigned int r = 0; r < 64; r++)
			for (uint64_t k = 0; k < t; k++) {
				uint64_t id;

				cr_assert_eq(dgen_fleet_stream_id(1000, r, k, t,
								  &id), 0);
				if (r == 0)	/* one process's ids */
					cr_assert_eq(id, 1000 + k);
				ids[r * t + k] = id;
			}
		for (uint64_t i = 0; i < n; i++)
			for (uint64_t j = i + 1; j < n; j++)
				cr_assert_neq(ids[i], ids[j]);
		free(ids);
	}
	cr_assert_eq(dgen_fleet_stream_id(UINT64_MAX - 3, 2, 0, 2,
					  &(uint64_t){ 0 }), -ERANGE);
}

Test(fleet, slices_cover_disjoint_aligned)
{
	struct test_rng g;

	test_rng_init(&g, 15);
	for (int it = 0; it < 2000; it++) {
		unsigned int n = (unsigned int)test_rng_range(&g, 1, 64);
		uint64_t align = 4096ull << test_rng_below(&g, 8);
		uint64_t total = align * test_rng_range(&g, n, 4096) +
				 test_rng_below(&g, align);
		uint64_t next = 0, min = UINT64_MAX, max = 0;

		for (unsigned int r = 0; r < n; r++) {
			uint64_t off, len;

			cr_assert_eq(dgen_fleet_slice(total, n, r, align, &off,
						      &len), 0);
			cr_assert_eq(off, next, "rank %u starts at %" PRIu64, r, off);
			cr_assert_eq(off % align, 0);
			cr_assert(len > 0);
			next = off + len;
			if (r + 1 < n) {
				min = len < min ? len : min;
				max = len > max ? len : max;
			}
		}
		cr_assert_eq(next, total);
		if (n > 2)	/* even: within one unit of each other */
			cr_assert(max - min <= align);
	}
	cr_assert_eq(dgen_fleet_slice(3 * 4096, 4, 0, 4096, &(uint64_t){ 0 },
				      &(uint64_t){ 0 }), -EINVAL);
	cr_assert_eq(dgen_fleet_align(256 << 20, 4, 64 << 20, 1 << 20), 64 << 20);
	cr_assert_eq(dgen_fleet_align(200 << 20, 4, 64 << 20, 1 << 20), 1 << 20);
}

/* Slices written through views make the single-process stream. */
Test(fleet, views_make_the_stream)
{
	const uint64_t S = 24 << 20;
	struct dgen_stream_params p = test_params(S, 4096, 0, 2, 2);
	struct dgen_stream *whole = stream_make(&p);
	uint8_t *a = xmalloc(S), *b = xmalloc(S);
	char msg[256];

	p.dedup_window = 4 << 20;
	dgen_stream_free(whole);
	whole = stream_make(&p);
	stream_fill(whole, a, 0, S);
	for (unsigned int n = 1; n <= 5; n++) {
		uint64_t align = dgen_fleet_align(S, n, 4 << 20, 1 << 20);

		memset(b, 0xa5, S);
		for (unsigned int r = 0; r < n; r++) {
			struct dgen_stream *v;
			uint64_t off, len;

			cr_assert_eq(dgen_fleet_slice(S, n, r, align, &off, &len), 0);
			cr_assert_eq(dgen_stream_view_new(&v, &p, off, msg,
							  sizeof(msg)), 0, "%s", msg);
			/* in pieces at odd offsets, as a writer's units */
			for (uint64_t x = 0; x < len;) {
				uint64_t k = len - x < 777777 ? len - x : 777777;

				stream_fill(v, b + off + x, x, k);
				x += k;
			}
			/* a view runs to the whole stream's end, not past it */
			cr_assert_eq(dgen_stream_fill(v, b, S - off, 1), -EINVAL);
			stream_fill(v, b + S - 1, S - off - 1, 1);
			/* a flipped byte: reported at its view offset */
			{
				uint8_t *c = xmalloc(65536);
				uint64_t at = len / 2 & ~(uint64_t)65535;

				stream_fill(v, c, at, 65536);
				c[4097] ^= 1;
				cr_assert_eq(dgen_stream_compare(v, c, at, 65536,
								 NULL, NULL), 1);
				free(c);
			}
			dgen_stream_free(v);
		}
		cr_assert(!memcmp(a, b, S), "%u slices differ at %zu", n,
			  first_diff(a, b, S));
	}
	cr_assert_eq(dgen_stream_view_new(&(struct dgen_stream *){ NULL }, &p,
					  100, msg, sizeof(msg)), -EINVAL);
	cr_assert_eq(dgen_stream_view_new(&(struct dgen_stream *){ NULL }, &p,
					  S, msg, sizeof(msg)), -EINVAL);
	dgen_stream_free(whole);
	free(a);
	free(b);
}

/* A view's mismatches carry view offsets: what a rank reports. */
static int first_off(const struct dgen_mismatch *m, void *arg)
{
	*(uint64_t *)arg = m->first_bad;
	return 1;
}

Test(fleet, view_mismatch_offsets)
{
	struct dgen_stream_params p = test_params(8 << 20, 4096, 0, 1, 1);
	struct dgen_stream *v;
	uint8_t *c = xmalloc(1 << 20);
	uint64_t bad = 0;

	cr_assert_eq(dgen_stream_view_new(&v, &p, 3 << 20, NULL, 0), 0);
	stream_fill(v, c, 1 << 20, 1 << 20);
	c[12345] ^= 0x80;
	cr_assert_eq(dgen_stream_compare(v, c, 1 << 20, 1 << 20, first_off,
					 &bad), 1);
	cr_assert_eq(bad, (1 << 20) + 12345);
	dgen_stream_free(v);
	free(c);
}

static void rank_with(struct dgen_fleet_rank *r, unsigned int i, double t0,
		      double secs, uint64_t bytes)
{
	memset(r, 0, sizeof(*r));
	r->rank = i;
	r->start_s = t0;
	r->end_s = t0 + secs;
	r->seconds = secs;
	r->written = bytes;
	dgen_latency_init(&r->latency);
}

/* Merged histograms give the percentiles of all samples together. */
Test(fleet, merge_histograms_not_percentiles)
{
	struct dgen_fleet_rank rk[3];
	struct dgen_latency all;
	struct dgen_fleet_summary s;
	struct test_rng g;

	test_rng_init(&g, 3);
	dgen_latency_init(&all);
	for (unsigned int i = 0; i < 3; i++) {
		rank_with(&rk[i], i, 100.0 + 0.01 * i, 2.0 + i, (i + 1) << 30);
		/* rank i's latencies around 10^(i+1) us: percentiles of the
		 * whole are nothing like the average of each rank's */
		for (unsigned int n = 0; n < 10000 * (i + 1); n++) {
			uint64_t ns = (uint64_t)(1000.0 * (i == 0 ? 10 : i == 1 ? 100 : 1000) *
						 (0.5 + test_rng_unit(&g)));

			dgen_latency_add(&rk[i].latency, ns);
			dgen_latency_add(&all, ns);
		}
	}
	dgen_fleet_merge(rk, 3, &s, NULL);
	cr_assert_eq(s.written, 6ull << 30);
	cr_assert_eq(s.latency.count, all.count);
	for (double pct = 1; pct < 100; pct += 7.5)
		cr_assert_eq(dgen_latency_percentile(&s.latency, pct),
			     dgen_latency_percentile(&all, pct), "p%g", pct);
	cr_assert_float_eq(s.skew_s, 0.02, 1e-9);
	cr_assert_float_eq(s.wall_s, 0.02 + 4.0, 1e-9);	/* rank 2 ends last */
	cr_assert_float_eq(s.gbps, (double)(6ull << 30) / 4.02 / 1e9, 1e-9);
}

/* The slowest rank is flagged by the drives' rule; equal ranks are not. */
Test(fleet, slow_rank_flagged)
{
	struct dgen_fleet_rank rk[5];
	struct dgen_target_verdict v[5];
	struct dgen_fleet_summary s;

	for (unsigned int i = 0; i < 5; i++)
		rank_with(&rk[i], i, 0, 1.0 + 0.01 * i, 1ull << 30);
	dgen_fleet_merge(rk, 5, &s, v);
	cr_assert_eq(s.slow, 0);
	for (unsigned int i = 0; i < 5; i++)
		cr_assert_eq(v[i].verdict, DGEN_VERDICT_OK);
	rk[3].seconds = 4.0;	/* a quarter of the others' GB/s */
	rk[3].end_s = 4.0;
	dgen_fleet_merge(rk, 5, &s, v);
	cr_assert_eq(s.slow, 1);
	cr_assert(v[3].slow && v[3].verdict == DGEN_VERDICT_SLOW, "%s", v[3].reason);
	cr_assert_float_eq(s.wall_s, 4.0, 1e-9);
	/* its time spent waiting for the others does not make it slow */
	rk[3].waited_s = 3.0;
	dgen_fleet_merge(rk, 5, &s, v);
	cr_assert_eq(s.slow, 0, "%s", v[3].reason);
	cr_assert_float_eq(dgen_fleet_rank_gbps(&rk[3]), (double)(1ull << 30) / 1e9, 1e-9);
	rk[3].waited_s = 0;
	/* a rank that wrote nothing is left out, not flagged */
	rk[3].written = 0;
	dgen_fleet_merge(rk, 5, &s, v);
	cr_assert_eq(s.slow, 0);
}

/* A lost rank (no figures came) counts in no sum, time or verdict. */
Test(fleet, lost_rank_left_out)
{
	struct dgen_fleet_rank rk[4];
	struct dgen_target_verdict v[4];
	struct dgen_fleet_summary s;

	for (unsigned int i = 0; i < 4; i++)
		rank_with(&rk[i], i, 10.0 + 0.5 * i, 2.0, 1ull << 30);
	/* what a gatherer holds for a rank that never answered: zeros, but
	 * for a start long before the others' and an end long after */
	memset(&rk[2], 0, sizeof(rk[2]));
	rk[2].rank = 2;
	rk[2].lost = 1;
	rk[2].end_s = 99.0;
	dgen_fleet_merge(rk, 4, &s, v);
	cr_assert_eq(s.lost, 1);
	cr_assert_eq(s.nranks, 4);
	cr_assert_eq(s.written, 3ull << 30);
	cr_assert_float_eq(s.skew_s, 1.5, 1e-9);	/* ranks 0, 1, 3 */
	cr_assert_float_eq(s.wall_s, 1.5 + 2.0, 1e-9);
	cr_assert_eq(s.slow, 0);
	cr_assert(!v[2].slow && v[2].verdict == DGEN_VERDICT_OK);
	/* were its zeros counted, the others would be its outliers' cohort */
	rk[1].seconds = 8.0;
	rk[1].end_s = rk[1].start_s + 8.0;
	dgen_fleet_merge(rk, 4, &s, v);
	cr_assert_eq(s.lost, 1);
	cr_assert(v[1].slow, "%s", v[1].reason);
	cr_assert(!v[2].slow);
}

/* ===== Each rank's CPUs (dgen_fleet_cpus) ===== */

/* 2 packages x 2 NUMA nodes x 8 cores x 2 PUs; core i has PUs i, i + 32. */
#define TWO_SOCKETS \
	"pack:2 numa:2 l3:1(size=32MiB) l2:8(size=1MiB) core:1 pu:2(indexes=2*32:1*2)"

static struct dgen_topology *machine(const char *desc)
{
	struct dgen_topology *t;
	char msg[256] = "";

	cr_assert_eq(dgen_topology_new_synthetic(&t, desc, msg, sizeof(msg)), 0,
		     "%s", msg);
	return t;
}

/* Rank @l of @n's share of @t (all CPUs allowed), its cores in *@nc. */
static int share(const struct dgen_topology *t, const unsigned int *allowed,
		 unsigned int na, unsigned int l, unsigned int n, char *list,
		 unsigned int *nc)
{
	*nc = 0;
	return dgen_fleet_cpus(t, allowed, na, l, n, list, 256, nc);
}

/* Unbound ranks divide the cores in blocks; one PU per core comes first. */
Test(fleet, cpus_blocks_of_cores)
{
	struct dgen_topology *t = machine(TWO_SOCKETS);
	unsigned int nc;
	char list[256];

	cr_assert_eq(share(t, NULL, 0, 0, 1, list, &nc), 64);
	cr_assert_str_eq(list, "0-63");	/* 0-31, then 32-63 */
	cr_assert_eq(nc, 32);
	cr_assert_eq(share(t, NULL, 0, 0, 4, list, &nc), 16);
	cr_assert_str_eq(list, "0-7,32-39");
	cr_assert_eq(nc, 8);
	cr_assert_eq(share(t, NULL, 0, 3, 4, list, &nc), 16);
	cr_assert_str_eq(list, "24-31,56-63");
	/* 32 cores among 3: 10, 11, 11 */
	cr_assert_eq(share(t, NULL, 0, 0, 3, list, &nc), 20);
	cr_assert_str_eq(list, "0-9,32-41");
	cr_assert_eq(share(t, NULL, 0, 1, 3, list, &nc), 22);
	cr_assert_str_eq(list, "10-20,42-52");
	cr_assert_eq(nc, 11);
	dgen_topology_free(t);
}

/* For any number of ranks up to the cores: disjoint, every core used. */
Test(fleet, cpus_disjoint_and_whole)
{
	struct dgen_topology *t = machine("pack:2 core:6 pu:2");

	for (unsigned int n = 1; n <= t->ncores; n++) {
		unsigned char owner[64];
		unsigned int cores = 0;

		memset(owner, 0xff, sizeof(owner));
		for (unsigned int l = 0; l < n; l++) {
			unsigned int nc, *cpus;
			char list[256], msg[256];
			int k = share(t, NULL, 0, l, n, list, &nc);

			cr_assert_gt(k, 0);
			cr_assert(nc >= t->ncores / n && nc <= t->ncores / n + 1,
				  "%u ranks: rank %u has %u cores", n, l, nc);
			cores += nc;
			cr_assert_eq(dgen_cpulist_parse(t, list, &cpus, msg,
							sizeof(msg)), k, "%s", msg);
			for (int i = 0; i < k; i++) {
				cr_assert_eq(owner[cpus[i]], 0xff,
					     "%u ranks: CPU %u twice", n, cpus[i]);
				owner[cpus[i]] = (unsigned char)l;
			}
			/* the first nc name distinct cores */
			for (unsigned int i = 0; i < nc; i++)
				for (unsigned int j = i + 1; j < nc; j++)
					cr_assert_neq(dgen_topology_core_of_cpu(t, cpus[i]),
						      dgen_topology_core_of_cpu(t, cpus[j]));
			free(cpus);
		}
		cr_assert_eq(cores, t->ncores);
		for (unsigned int i = 0; i < t->npus; i++)
			cr_assert_neq(owner[t->pus[i]], 0xff, "CPU %u unused", t->pus[i]);
	}
	dgen_topology_free(t);
}

/* More ranks than cores: core l % C, its hardware threads in turn. */
Test(fleet, cpus_more_ranks_than_cores)
{
	struct dgen_topology *t = machine("core:2 pu:2");	/* PUs 0,1 | 2,3 */
	static const char *const want[] = { "0", "2", "1", "3", "0", "2" };
	unsigned int nc;
	char list[256];

	for (unsigned int l = 0; l < 6; l++) {
		cr_assert_eq(share(t, NULL, 0, l, 6, list, &nc), 1);
		cr_assert_str_eq(list, want[l], "rank %u", l);
		cr_assert_eq(nc, 1);
	}
	/* 3 ranks on 2 cores: each its own CPU */
	cr_assert_eq(share(t, NULL, 0, 2, 3, list, &nc), 1);
	cr_assert_str_eq(list, "1");
	dgen_topology_free(t);
}

/* A launcher's binding is the share; ranks bound alike divide it. */
Test(fleet, cpus_bound)
{
	struct dgen_topology *t = machine(TWO_SOCKETS);
	static const unsigned int two[] = { 37, 4, 36, 5, 100 };	/* 100: not here */
	static const unsigned int one[] = { 36, 4 };
	static const unsigned int none[] = { 64, 65 };
	unsigned int nc;
	char list[256];

	cr_assert_eq(share(t, two, 5, 0, 1, list, &nc), 4);
	cr_assert_str_eq(list, "4-5,36-37");
	cr_assert_eq(nc, 2);
	cr_assert_eq(share(t, two, 5, 1, 2, list, &nc), 2);
	cr_assert_str_eq(list, "5,37");
	/* two ranks bound to one core's two PUs: one each */
	cr_assert_eq(share(t, one, 2, 0, 2, list, &nc), 1);
	cr_assert_str_eq(list, "4");
	cr_assert_eq(share(t, one, 2, 1, 2, list, &nc), 1);
	cr_assert_str_eq(list, "36");
	cr_assert_eq(share(t, none, 2, 0, 1, list, &nc), -EINVAL);
	dgen_topology_free(t);
}

Test(fleet, cpus_refused)
{
	struct dgen_topology *t = machine(TWO_SOCKETS);
	unsigned int nc;
	char list[8];

	cr_assert_eq(dgen_fleet_cpus(t, NULL, 0, 2, 2, list, sizeof(list), &nc),
		     -EINVAL);
	cr_assert_eq(dgen_fleet_cpus(t, NULL, 0, 0, 0, list, sizeof(list), &nc),
		     -EINVAL);
	/* "0-63" fits 8 bytes, "16-31,48-63" does not */
	cr_assert_eq(dgen_fleet_cpus(t, NULL, 0, 0, 1, list, sizeof(list), &nc),
		     64);
	cr_assert_eq(dgen_fleet_cpus(t, NULL, 0, 1, 2, list, sizeof(list), &nc),
		     -ENOSPC);
	dgen_topology_free(t);
}

/* The plan on a share: one thread per core of it, on its CPUs only. */
Test(fleet, cpus_plan_one_per_core)
{
	struct dgen_topology *t = machine(TWO_SOCKETS);
	struct dgen_plan_target_spec ts = { .name = "x", .node = -1 };
	struct dgen_plan_opts o = { 0 };
	struct dgen_plan *p;
	unsigned int nc;
	char list[256], msg[256] = "";

	cr_assert_eq(share(t, NULL, 0, 1, 4, list, &nc), 16);
	o.cpus = list;
	o.threads = nc;
	cr_assert_eq(dgen_plan_new(&p, t, &ts, 1, &o, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(p->nthreads, 8);
	cr_assert_eq(p->cores_used, 8);
	for (unsigned int i = 0; i < p->nthreads; i++)
		cr_assert_eq(p->threads[i].cpu, 8 + i);
	dgen_plan_free(p);
	/* more threads than cores: the cores' second PUs, then again */
	o.threads = 20;
	cr_assert_eq(dgen_plan_new(&p, t, &ts, 1, &o, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(p->cores_used, 8);
	cr_assert_eq(p->threads[8].cpu, 40);
	cr_assert_eq(p->threads[16].cpu, 8);
	dgen_plan_free(p);
	dgen_topology_free(t);
}
