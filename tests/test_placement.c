// SPDX-License-Identifier: MIT
/*
 * test_placement.c - plans on a pretend two-socket server and a machine
 * without NUMA: one thread per physical core, on the targets' nodes, with
 * --threads and --cpus honoured and bad CPU lists refused
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <dgen/placement.h>
#include <dgen/target.h>

/* 2 packages x 2 NUMA nodes x 8 cores x 2 PUs; core i has PUs i, i + 32. */
#define TWO_SOCKETS \
	"pack:2 numa:2 l3:1(size=32MiB) l2:8(size=1MiB) core:1 pu:2(indexes=2*32:1*2)"

static struct dgen_topology *topo;

static void setup(void)
{
	char msg[256] = "";

	cr_assert_eq(dgen_topology_new_synthetic(&topo, TWO_SOCKETS, msg,
						 sizeof(msg)), 0, "%s", msg);
}

static void teardown(void)
{
	dgen_topology_free(topo);
}

TestSuite(placement, .init = setup, .fini = teardown);

static struct dgen_plan *plan(const struct dgen_plan_target_spec *ts,
			      unsigned int n, unsigned int threads,
			      const char *cpus)
{
	struct dgen_plan_opts o = { .threads = threads, .cpus = cpus };
	struct dgen_plan *p;
	char msg[256] = "";

	cr_assert_eq(dgen_plan_new(&p, topo, ts, n, &o, msg, sizeof(msg)), 0,
		     "%s", msg);
	return p;
}

/*
 * What every plan must hold: each thread's CPU is a PU of its core on its
 * node, each target's threads serve it, and every thread serves a target.
 */
static void check_consistent(const struct dgen_plan *p)
{
	unsigned int i, j, k, pairs = 0;

	for (i = 0; i < p->nthreads; i++) {
		const struct dgen_plan_thread *th = &p->threads[i];

		cr_assert_eq(dgen_topology_core_of_cpu(topo, th->cpu),
			     (int)th->core);
		cr_assert_eq(th->node, topo->cores[th->core].node);
		cr_assert_geq(th->ntargets, 1, "thread %u idle", i);
		cr_assert_gt(th->pool_bytes, 0);
		pairs += th->ntargets;
		for (j = 0; j < th->ntargets; j++) {
			const struct dgen_plan_target *pt =
				&p->targets[th->targets[j]];

			cr_assert(i >= pt->first_thread &&
				  i < pt->first_thread + pt->nthreads);
		}
	}
	for (k = 0; k < p->ntargets; k++)
		cr_assert_geq(p->targets[k].nthreads, 1);
	cr_assert_geq(pairs, p->nthreads);
}

/* One thread per physical core: no core, and so no core's PUs, twice. */
static void check_one_per_core(const struct dgen_plan *p)
{
	unsigned int i, j;

	for (i = 0; i < p->nthreads; i++)
		for (j = 0; j < i; j++)
			cr_assert_neq(p->threads[i].core, p->threads[j].core,
				      "threads %u and %u share core %u (CPUs %u, %u)",
				      j, i, p->threads[i].core,
				      p->threads[j].cpu, p->threads[i].cpu);
	cr_assert_eq(p->oversubscribed, 0);
	cr_assert_eq(p->cores_used, p->nthreads);
}

Test(placement, target_on_node1)
{
	struct dgen_plan_target_spec t = { .name = "nvme0n1", .node = 1 };
	struct dgen_plan *p = plan(&t, 1, 0, NULL);

	cr_assert_eq(p->nthreads, 8, "one per core of node 1");
	check_consistent(p);
	check_one_per_core(p);
	for (unsigned int i = 0; i < p->nthreads; i++) {
		cr_assert_eq(p->threads[i].node, 1);
		/* Pinned to the core's first PU, not to its sibling. */
		cr_assert_lt(p->threads[i].cpu, 32);
	}
	cr_assert_eq(p->targets[0].nthreads, 8);
	cr_assert_eq(p->targets[0].local, 1);
	cr_assert(strstr(p->why, "node 1"), "%s", p->why);
	dgen_plan_free(p);
}

Test(placement, unknown_node_uses_all_cores)
{
	struct dgen_plan_target_spec t = { .name = "file", .node = -1 };
	struct dgen_plan *p = plan(&t, 1, 0, NULL);

	cr_assert_eq(p->nthreads, 32);
	check_consistent(p);
	check_one_per_core(p);
	cr_assert_eq(p->targets[0].local, 0);
	dgen_plan_free(p);
}

Test(placement, targets_on_two_nodes)
{
	struct dgen_plan_target_spec t[] = {
		{ .name = "a", .node = 3 },
		{ .name = "b", .node = 0 },
	};
	struct dgen_plan *p = plan(t, 2, 0, NULL);
	unsigned int k, j;

	cr_assert_eq(p->nthreads, 16);
	check_consistent(p);
	check_one_per_core(p);
	for (k = 0; k < 2; k++) {
		const struct dgen_plan_target *pt = &p->targets[k];

		cr_assert_eq(pt->nthreads, 8);
		cr_assert_eq(pt->local, 1);
		for (j = 0; j < pt->nthreads; j++)
			cr_assert_eq(p->threads[pt->first_thread + j].node,
				     t[k].node);
	}
	dgen_plan_free(p);
}

Test(placement, threads_in_proportion)
{
	/* 3:1 work on one node's 8 cores: 6 and 2 threads. */
	struct dgen_plan_target_spec t[] = {
		{ .name = "big", .node = 2, .weight = 300 },
		{ .name = "small", .node = 2, .weight = 100 },
	};
	struct dgen_plan *p = plan(t, 2, 0, NULL);

	check_consistent(p);
	check_one_per_core(p);
	cr_assert_eq(p->targets[0].nthreads, 6);
	cr_assert_eq(p->targets[1].nthreads, 2);
	dgen_plan_free(p);
}

Test(placement, unknown_joins_a_node)
{
	struct dgen_plan_target_spec t[] = {
		{ .name = "nvme", .node = 1 },
		{ .name = "file", .node = -1 },
	};
	struct dgen_plan *p = plan(t, 2, 0, NULL);

	cr_assert_eq(p->nthreads, 8, "the file shares node 1's cores");
	check_consistent(p);
	check_one_per_core(p);
	cr_assert_eq(p->targets[0].nthreads + p->targets[1].nthreads, 8);
	dgen_plan_free(p);
}

Test(placement, unknown_balances_nodes)
{
	/* Node 0 carries 3 units, node 1 one: the file goes to node 1. */
	struct dgen_plan_target_spec t[] = {
		{ .name = "file", .node = -1 },
		{ .name = "a", .node = 0, .weight = 3 },
		{ .name = "b", .node = 1, .weight = 1 },
	};
	struct dgen_plan *p = plan(t, 3, 0, NULL);

	check_consistent(p);
	check_one_per_core(p);
	cr_assert_eq(p->nthreads, 16);
	cr_assert_eq(p->threads[p->targets[0].first_thread].node, 1);
	cr_assert_eq(p->targets[1].nthreads, 8);
	cr_assert_eq(p->targets[0].nthreads + p->targets[2].nthreads, 8);
	dgen_plan_free(p);
}

Test(placement, threads_override)
{
	struct dgen_plan_target_spec t = { .name = "nvme0n1", .node = 1 };
	struct dgen_plan *p = plan(&t, 1, 4, NULL);

	cr_assert_eq(p->nthreads, 4);
	check_consistent(p);
	check_one_per_core(p);
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_eq(p->threads[i].node, 1);
	dgen_plan_free(p);
}

Test(placement, more_threads_than_cores)
{
	struct dgen_plan_target_spec t = { .name = "nvme0n1", .node = 1 };
	struct dgen_plan *p = plan(&t, 1, 20, NULL);
	char text[4096];
	unsigned int i, j;

	cr_assert_eq(p->nthreads, 20);
	check_consistent(p);
	cr_assert_eq(p->cores_used, 8);
	cr_assert_eq(p->oversubscribed, 12);
	/* The second round goes to the siblings: 16 distinct PUs first. */
	for (i = 0; i < 16; i++)
		for (j = 0; j < i; j++)
			cr_assert_neq(p->threads[i].cpu, p->threads[j].cpu);
	for (i = 0; i < 20; i++)
		cr_assert_eq(p->threads[i].node, 1);
	dgen_plan_describe(p, topo, text, sizeof(text));
	cr_assert(strstr(text, "12 threads more than the 8 cores"), "%s", text);
	dgen_plan_free(p);
}

Test(placement, fewer_threads_than_targets)
{
	struct dgen_plan_target_spec t[5];
	struct dgen_plan *p;
	unsigned int i, j;
	uint64_t load[2] = { 0 };

	for (i = 0; i < 5; i++)
		t[i] = (struct dgen_plan_target_spec) {
			.name = "t", .node = 0, .weight = 10 + i,
		};
	p = plan(t, 5, 2, NULL);
	cr_assert_eq(p->nthreads, 2);
	check_consistent(p);
	for (i = 0; i < 5; i++)
		cr_assert_eq(p->targets[i].nthreads, 1);
	for (i = 0; i < 2; i++)
		for (j = 0; j < p->threads[i].ntargets; j++)
			load[i] += t[p->threads[i].targets[j]].weight;
	/* 14+11+10 vs 13+12: as even as whole targets allow. */
	cr_assert_eq(load[0] + load[1], 60);
	cr_assert_leq(load[0] > load[1] ? load[0] - load[1] : load[1] - load[0], 10);
	dgen_plan_free(p);
}

Test(placement, fewer_threads_than_nodes)
{
	struct dgen_plan_target_spec t[] = {
		{ .name = "a", .node = 0 },
		{ .name = "b", .node = 1 },
	};
	struct dgen_plan *p = plan(t, 2, 1, NULL);

	cr_assert_eq(p->nthreads, 1);
	check_consistent(p);
	cr_assert_eq(p->threads[0].ntargets, 2);
	cr_assert(strstr(p->why, "fewer threads than target nodes"), "%s", p->why);
	dgen_plan_free(p);
}

Test(placement, cpus_override)
{
	struct dgen_plan_target_spec t = { .name = "nvme", .node = 0 };
	struct dgen_plan *p = plan(&t, 1, 0, "3,0-2,32");
	static const unsigned int want[] = { 3, 0, 1, 2, 32 };

	cr_assert_eq(p->nthreads, 5);
	check_consistent(p);
	for (unsigned int i = 0; i < 5; i++)
		cr_assert_eq(p->threads[i].cpu, want[i]);
	/* CPU 32 is core 0's sibling: allowed when asked, and counted. */
	cr_assert_eq(p->cores_used, 4);
	cr_assert_eq(p->oversubscribed, 1);
	cr_assert_eq(p->targets[0].local, 1);
	dgen_plan_free(p);
}

Test(placement, cpus_per_node)
{
	struct dgen_plan_target_spec t[] = {
		{ .name = "a", .node = 1 },
		{ .name = "b", .node = 0 },
	};
	struct dgen_plan *p = plan(t, 2, 0, "0,1,8,9,10");

	check_consistent(p);
	cr_assert_eq(p->targets[0].nthreads, 3);
	cr_assert_eq(p->targets[1].nthreads, 2);
	cr_assert(p->targets[0].local && p->targets[1].local);
	dgen_plan_free(p);
}

Test(placement, cpus_off_node)
{
	struct dgen_plan_target_spec t = { .name = "nvme", .node = 1 };
	struct dgen_plan *p = plan(&t, 1, 0, "0-1");

	check_consistent(p);
	cr_assert_eq(p->nthreads, 2);
	cr_assert_eq(p->threads[0].cpu, 0);
	cr_assert_eq(p->targets[0].local, 0, "honoured, but not local");
	dgen_plan_free(p);
}

static void refused(const char *list, const char *says)
{
	struct dgen_plan_target_spec t = { .name = "nvme", .node = 0 };
	struct dgen_plan_opts o = { .cpus = list };
	struct dgen_plan *p = (void *)1;
	unsigned int *cpus = (void *)1;
	char msg[256] = "";

	cr_assert_eq(dgen_cpulist_parse(topo, list, &cpus, msg, sizeof(msg)),
		     -EINVAL, "\"%s\" accepted", list);
	cr_assert_null(cpus);
	cr_assert(strstr(msg, says), "\"%s\": %s", list, msg);
	msg[0] = '\0';
	cr_assert_eq(dgen_plan_new(&p, topo, &t, 1, &o, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_null(p);
	cr_assert(strstr(msg, says), "\"%s\": %s", list, msg);
}

Test(placement, bad_cpu_lists)
{
	refused("", "empty");
	refused("1,,2", "empty item at position 3");
	refused("1,", "empty item");
	refused("x", "\"x\" at position 1 is not a CPU number");
	refused("0-3,a-b", "\"a-b\" at position 5");
	refused("3-1", "range 3-1 is reversed");
	refused("2-", "no upper end");
	refused("1.5", "not a CPU number or range");
	refused("0-64", "CPU 64 is not on this machine (64 PUs numbered 0-63)");
	refused("99999999999", "not a CPU number");
	refused("1,0-2", "CPU 1 is listed twice");
}

Test(placement, good_cpu_list)
{
	unsigned int *cpus;
	char msg[256];

	cr_assert_eq(dgen_cpulist_parse(topo, "0-3,8,10-11,63", &cpus, msg,
					sizeof(msg)), 8);
	cr_assert_eq(cpus[4], 8);
	cr_assert_eq(cpus[7], 63);
	free(cpus);
}

/* A list is formatted as it is parsed back: same CPUs, same order. */
Test(placement, cpu_list_format)
{
	static const unsigned int in[] = { 0, 1, 2, 3, 8, 10, 11, 63, 40, 41, 5 };
	unsigned int n = sizeof(in) / sizeof(in[0]), *back;
	char buf[64], msg[256];

	cr_assert_eq(dgen_cpulist_format(buf, sizeof(buf), in, n),
		     strlen("0-3,8,10-11,63,40-41,5"));
	cr_assert_str_eq(buf, "0-3,8,10-11,63,40-41,5");
	cr_assert_eq(dgen_cpulist_parse(topo, buf, &back, msg, sizeof(msg)),
		     (int)n, "%s", msg);
	cr_assert_arr_eq(back, in, sizeof(in));
	free(back);
	/* Cut short: whole items only; the length still the whole list's. */
	cr_assert_eq(dgen_cpulist_format(buf, 9, in, n), 22);
	cr_assert_str_eq(buf, "0-3,8");
	cr_assert_eq(dgen_cpulist_format(buf, sizeof(buf), in, 0), 0);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(dgen_cpulist_format(buf, sizeof(buf), (const unsigned int[]){ 7 }, 1), 1);
	cr_assert_str_eq(buf, "7");
}

Test(placement, bad_options)
{
	struct dgen_plan_target_spec t = { .name = "nvme", .node = 0 };
	struct dgen_plan_opts o = { .threads = DGEN_PLAN_THREADS_MAX + 1 };
	struct dgen_plan *p;
	char msg[256];

	cr_assert_eq(dgen_plan_new(&p, topo, &t, 0, NULL, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_eq(dgen_plan_new(&p, topo, &t, 1, &o, msg, sizeof(msg)),
		     -EINVAL);
	o.threads = 0;
	o.io_size = 1000;
	cr_assert_eq(dgen_plan_new(&p, topo, &t, 1, &o, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "1000"), "%s", msg);
}

Test(placement, describe)
{
	struct dgen_plan_target_spec t[] = {
		{ .name = "nvme0n1", .node = 1 },
		{ .name = "nvme1n1", .node = 0 },
	};
	struct dgen_plan *p = plan(t, 2, 0, NULL);
	size_t need = dgen_plan_describe(p, topo, NULL, 0);
	char *text = malloc(need + 1), small[16];

	cr_assert_eq(dgen_plan_describe(p, topo, text, need + 1), need);
	cr_assert_eq(strlen(text), need);
	cr_assert(strstr(text, "2 packages, 4 NUMA nodes, 32 cores, 64 PUs"), "%s", text);
	cr_assert(strstr(text, "threads: 16, one per physical core, on 2 nodes"), "%s", text);
	cr_assert(strstr(text, "target nvme0n1: node 1 (threads local), threads 8-15"), "%s", text);
	cr_assert(strstr(text, "in flight"));
	/* Cut short, still a string. */
	cr_assert_eq(dgen_plan_describe(p, topo, small, sizeof(small)), need);
	cr_assert_eq(strlen(small), sizeof(small) - 1);
	free(text);
	dgen_plan_free(p);
}

Test(placement, no_numa_machine)
{
	struct dgen_topology *flat;
	struct dgen_plan_target_spec t = { .name = "disk", .node = -1 };
	struct dgen_plan_opts o = { 0 };
	struct dgen_plan *p;
	char msg[256] = "";

	cr_assert_eq(dgen_topology_new_synthetic(&flat, "core:4 pu:2", msg,
						 sizeof(msg)), 0);
	cr_assert_eq(dgen_plan_new(&p, flat, &t, 1, &o, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(p->nthreads, 4);
	for (unsigned int i = 0; i < 4; i++) {
		cr_assert_eq(p->threads[i].core, i);
		cr_assert_eq(p->threads[i].cpu, 2 * i, "first PU of core %u", i);
		cr_assert_eq(p->threads[i].node, 0);
	}
	/* A device on node 1 of a machine with only node 0: all cores. */
	t.node = 1;
	dgen_plan_free(p);
	cr_assert_eq(dgen_plan_new(&p, flat, &t, 1, &o, msg, sizeof(msg)), 0);
	cr_assert_eq(p->nthreads, 4);
	cr_assert_eq(p->targets[0].local, 0);
	dgen_plan_free(p);
	dgen_topology_free(flat);
}

/* ===== Plans for targets named by path ===== */

static void make_file(const char *path, size_t len)
{
	FILE *f = fopen(path, "wb");
	char *buf = calloc(1, len);

	cr_assert(f != NULL && buf != NULL, "cannot create %s", path);
	memset(buf, 0x5a, len);
	cr_assert_eq(fwrite(buf, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	free(buf);
}

/*
 * Real paths on /dev/shm: a file's weight is its bytes past the offset, a
 * file not made yet plans where its directory is (weight 1, or the size
 * given), null has no device; opened targets weigh their size. The plan
 * names the caller's paths. A path with no device anywhere is refused.
 */
Test(placement, plan_for_paths)
{
	char file[128], later[128], msg[256] = "";
	const char *paths[3];
	struct dgen_plan_paths pp = { 0 };
	struct dgen_plan_opts po = { .threads = 3 };
	struct dgen_target *tg[2] = { NULL, NULL };
	struct dgen_plan *p;
	unsigned int k;

	snprintf(file, sizeof(file), "/dev/shm/dgen-test-plan-%d", (int)getpid());
	snprintf(later, sizeof(later), "/dev/shm/dgen-test-plan-%d-later",
		 (int)getpid());
	unlink(later);
	make_file(file, 3 << 20);
	paths[0] = file;
	paths[1] = DGEN_TARGET_NULL_PATH;
	paths[2] = later;
	pp.paths = paths;
	pp.n = 3;
	pp.offset = 1 << 20;
	cr_assert_eq(dgen_plan_new_paths(&p, topo, &pp, &po, msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(p->ntargets, 3);
	for (k = 0; k < 3; k++)
		cr_assert(p->targets[k].name == paths[k]);
	cr_assert_eq(p->targets[0].weight, 2u << 20);
	cr_assert_eq(p->targets[1].weight, 1);
	cr_assert_eq(p->targets[2].weight, 1);
	cr_assert_eq(p->nthreads, 3);
	cr_assert_eq(access(later, F_OK), -1, "a dry plan made %s", later);
	dgen_plan_free(p);

	pp.size = 5 << 20;
	cr_assert_eq(dgen_plan_new_paths(&p, topo, &pp, &po, msg, sizeof(msg)),
		     0, "%s", msg);
	for (k = 0; k < 3; k++)
		cr_assert_eq(p->targets[k].weight, 5u << 20);
	dgen_plan_free(p);

	/* Opened: the target's own size, whatever size and offset say. */
	cr_assert_eq(dgen_target_open(&tg[0], file, 0, 0, 0, msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(dgen_target_open(&tg[1], DGEN_TARGET_NULL_PATH, 0, 1 << 20,
				      0, msg, sizeof(msg)), 0, "%s", msg);
	pp.n = 2;
	pp.targets = tg;
	cr_assert_eq(dgen_plan_new_paths(&p, topo, &pp, &po, msg, sizeof(msg)),
		     0, "%s", msg);
	cr_assert_eq(p->targets[0].weight, 3u << 20);
	cr_assert_eq(p->targets[1].weight, 1u << 20);
	dgen_plan_free(p);
	dgen_target_close(tg[0]);
	dgen_target_close(tg[1]);
	unlink(file);

	paths[0] = "/nonexistent-dgen-dir/file";
	pp.targets = NULL;
	pp.n = 1;
	cr_assert_eq(dgen_plan_new_paths(&p, topo, &pp, &po, msg, sizeof(msg)),
		     -ENOENT);
	cr_assert(strstr(msg, "/nonexistent-dgen-dir/file: cannot find its device") != NULL,
		  "%s", msg);
	pp.n = 0;
	cr_assert_eq(dgen_plan_new_paths(&p, topo, &pp, &po, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_eq(dgen_plan_new_paths(&p, topo, NULL, &po, msg, sizeof(msg)),
		     -EINVAL);
}
