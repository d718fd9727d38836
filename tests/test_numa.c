// SPDX-License-Identifier: MIT
/*
 * test_numa.c - on the real machine: threads pinned as the plan says, and
 * their buffers on the plan's node, both read back from the kernel
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <numaif.h>

#include <criterion/criterion.h>

#include <dgen/numa.h>
#include <dgen/placement.h>

#define MiB	(1u << 20)

/*
 * The node this test's own stack lives on: where local memory comes from.
 * Skips the test where the kernel will not say (no NUMA, or a seccomp
 * filter on move_pages and get_mempolicy).
 */
static int local_node(void)
{
	volatile char here = 0;
	int node = dgen_numa_node_of((const void *)&here);

	if (node < 0)
		cr_skip_test("the kernel will not say where pages are: %s",
			     strerror(-node));
	return node;
}

/* Every page of @b, as move_pages() and get_mempolicy() see it. */
static void check_pages_on(const struct dgen_numa_buf *b, int node)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off;

	for (off = 0; off < b->mapped; off += page) {
		char *a = (char *)b->addr + off;
		int where = -1;

		cr_assert_eq(dgen_numa_node_of(a), node, "page at +%zu", off);
		cr_assert_eq(get_mempolicy(&where, NULL, 0, a,
					   MPOL_F_NODE | MPOL_F_ADDR), 0);
		cr_assert_eq(where, node, "page at +%zu", off);
	}
}

struct worker {
	const struct dgen_plan_thread *plan;
	int failed;
	char why[256];
};

/* Enough pages to see where they land, without a big machine's full pools. */
#define CHECK_BYTES_MAX		(16u * MiB)

/* What a writer thread does first: pin, prefer its node, allocate, touch. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct dgen_numa_buf b;
	cpu_set_t set;
	int cpu, r;

	r = dgen_thread_pin(w->plan->cpu);
	if (r < 0) {
		snprintf(w->why, sizeof(w->why), "pin to %u: %s", w->plan->cpu,
			 strerror(-r));
		goto fail;
	}
	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	cpu = sched_getcpu();
	if (CPU_COUNT(&set) != 1 || !CPU_ISSET(w->plan->cpu, &set) ||
	    cpu != (int)w->plan->cpu) {
		snprintf(w->why, sizeof(w->why),
			 "affinity has %d CPUs, runs on %d, planned %u",
			 CPU_COUNT(&set), cpu, w->plan->cpu);
		goto fail;
	}
	r = dgen_thread_prefer_node(w->plan->node);
	if (r < 0) {
		snprintf(w->why, sizeof(w->why), "prefer node: %s", strerror(-r));
		goto fail;
	}
	r = dgen_numa_alloc(&b, w->plan->pool_bytes < CHECK_BYTES_MAX ?
			    w->plan->pool_bytes : CHECK_BYTES_MAX, w->plan->node, 0);
	if (r < 0) {
		snprintf(w->why, sizeof(w->why), "alloc: %s", strerror(-r));
		goto fail;
	}
	for (size_t off = 0; off < b.mapped; off += 4096) {
		int n = dgen_numa_node_of((char *)b.addr + off);

		if (n != w->plan->node) {
			snprintf(w->why, sizeof(w->why),
				 "page +%zu on node %d, planned %d (%s)", off,
				 n, w->plan->node, b.how);
			dgen_numa_free(&b);
			goto fail;
		}
	}
	dgen_numa_free(&b);
	return NULL;
fail:
	w->failed = 1;
	return NULL;
}

Test(numa, plan_carried_out_on_this_machine)
{
	struct dgen_topology *t;
	struct dgen_plan *p;
	struct dgen_device dev;
	struct dgen_plan_target_spec ts = { .name = "/" };
	char msg[256] = "";
	unsigned int i;

	local_node();
	cr_assert_eq(dgen_topology_new(&t, msg, sizeof(msg)), 0, "%s", msg);
	if (!t->this_system)
		cr_skip_test("a pretend topology is loaded: %s", t->source);
	cr_assert_eq(dgen_device_probe("/", NULL, &dev), 0);
	ts.node = dev.node;
	cr_assert_eq(dgen_plan_new(&p, t, &ts, 1, NULL, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(p->nthreads, t->ncores);

	struct worker w[p->nthreads];
	pthread_t tid[p->nthreads];

	for (i = 0; i < p->nthreads; i++) {
		w[i] = (struct worker) { .plan = &p->threads[i] };
		cr_assert_eq(pthread_create(&tid[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < p->nthreads; i++) {
		pthread_join(tid[i], NULL);
		cr_expect_eq(w[i].failed, 0, "thread %u: %s", i, w[i].why);
	}
	dgen_plan_free(p);
	dgen_topology_free(t);
}

Test(numa, pin_refuses_missing_cpu)
{
	cr_assert_eq(dgen_thread_pin(1u << 19), -EINVAL);
	cr_assert_eq(dgen_thread_pin(1u << 30), -EINVAL);
}

Test(numa, normal_pages_bound)
{
	struct dgen_numa_buf b;
	int node = local_node();

	cr_assert_eq(dgen_numa_alloc(&b, 3 * 4096 + 5, node,
				     DGEN_MEM_NO_HUGETLB | DGEN_MEM_NO_THP), 0);
	cr_assert_eq(b.pages, DGEN_MEM_NORMAL);
	cr_assert_eq(b.size, 3 * 4096 + 5);
	cr_assert_eq(b.mapped, 4 * 4096);
	cr_assert_eq(b.node, node);
	cr_assert_eq((uintptr_t)b.addr % 4096, 0);
	check_pages_on(&b, node);
	memset(b.addr, 0xa5, b.size);
	cr_assert_eq(((unsigned char *)b.addr)[b.size - 1], 0xa5);
	cr_assert(strstr(b.how, "KiB pages"), "%s", b.how);
	dgen_numa_free(&b);
	cr_assert_null(b.addr);
	dgen_numa_free(&b);	/* twice is harmless */
}

Test(numa, without_numa_says_so)
{
	struct dgen_numa_buf b;

	cr_assert_eq(dgen_numa_alloc(&b, 64 * 1024, 0,
				     DGEN_MEM_NO_NUMA | DGEN_MEM_NO_HUGETLB), 0);
	cr_assert_eq(b.bound, 0);
	cr_assert_eq(b.node, local_node(), "first touch: the pages are local");
	cr_assert(strstr(b.how, "no NUMA support"), "%s", b.how);
	/* Too small for a huge page to be worth it. */
	cr_assert_eq(b.pages, DGEN_MEM_NORMAL);
	cr_assert(strstr(b.how, "under 2 MiB"), "%s", b.how);
	dgen_numa_free(&b);
}

Test(numa, huge_pages_or_quiet_fallback)
{
	struct dgen_numa_buf b;
	int node = local_node();

	cr_assert_eq(dgen_numa_alloc(&b, 4 * MiB, node, 0), 0, "never fails for lack of huge pages");
	cr_assert_eq(b.node, node);
	switch (b.pages) {
	case DGEN_MEM_HUGETLB:
		cr_assert_eq((uintptr_t)b.addr % DGEN_HUGE_PAGE_SIZE, 0);
		cr_assert(strstr(b.how, "2 MiB huge pages"), "%s", b.how);
		break;
	case DGEN_MEM_THP:
		cr_assert_eq((uintptr_t)b.addr % DGEN_HUGE_PAGE_SIZE, 0);
		cr_assert(strstr(b.how, "transparent huge pages"), "%s", b.how);
		break;
	default:
		cr_assert(strstr(b.how, "KiB pages"), "%s", b.how);
	}
	check_pages_on(&b, node);
	dgen_numa_free(&b);

	cr_assert_eq(dgen_numa_alloc(&b, 0, node, 0), -EINVAL);
}

Test(numa, thp_when_advised)
{
	struct dgen_numa_buf b;
	char mode[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	if (!strstr(mode, "[madvise]") && !strstr(mode, "[always]"))
		cr_skip_test("THP is off on this machine: %s", mode);
	cr_assert_eq(dgen_numa_alloc(&b, 8 * MiB, -1, DGEN_MEM_NO_HUGETLB), 0);
	/* THP may find no free 2 MiB extent; then the report must say so. */
	if (b.pages != DGEN_MEM_THP)
		cr_assert(strstr(b.how, "THP gave none"), "%s", b.how);
	/* A second pool right after the first may share its mapping. */
	struct dgen_numa_buf c;

	cr_assert_eq(dgen_numa_alloc(&c, 8 * MiB, -1, DGEN_MEM_NO_HUGETLB), 0);
	cr_assert_eq(c.pages, b.pages, "%s / %s", b.how, c.how);
	dgen_numa_free(&c);
	dgen_numa_free(&b);
}

Test(numa, describe)
{
	char line[256];
	size_t n = dgen_numa_describe(line, sizeof(line));

	cr_assert_eq(n, strlen(line));
	cr_assert(strstr(line, "memory:") && strstr(line, "THP:"), "%s", line);
}
