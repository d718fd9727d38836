// SPDX-License-Identifier: MIT
/*
 * numa.c - pin threads, and allocate buffer pools on a NUMA node
 *
 * Buffers are mapped, given a node policy, then touched by the calling
 * thread (which the writer has pinned), so every page exists on the right
 * node before io_uring registers and pins it: registration pins whatever
 * pages are there, and a page first touched by the kernel during
 * registration would land wherever that happened to run.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <numa.h>
#include <numaif.h>

#include <dgen/numa.h>

#include "sysfs.h"
#include "units.h"

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT		26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB		(21 << MAP_HUGE_SHIFT)
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE	23
#endif

#define HUGE_DIR	"hugepages/hugepages-2048kB/free_hugepages"

/* ===== Threads ===== */

int dgen_thread_pin(unsigned int cpu)
{
	cpu_set_t *set;
	size_t size;
	int r;

	if (cpu >= 1u << 20)
		return -EINVAL;
	set = CPU_ALLOC(cpu + 1);
	if (!set)
		return -ENOMEM;
	size = CPU_ALLOC_SIZE(cpu + 1);
	CPU_ZERO_S(size, set);
	CPU_SET_S(cpu, size, set);
	r = pthread_setaffinity_np(pthread_self(), size, set);
	CPU_FREE(set);
	return -r;
}

/* libnuma's check: get_mempolicy() works, so the kernel has NUMA and no
 * seccomp filter stands in the way. Cheap enough to ask each time. */
static int numa_ok(void)
{
	return numa_available() >= 0;
}

/* A node mask for mbind()/set_mempolicy(): nodes up to 1023. */
struct nodemask {
	unsigned long bits[1024 / (8 * sizeof(unsigned long))];
};

static int nodemask_one(struct nodemask *m, int node)
{
	unsigned int n = (unsigned int)node, w = 8 * sizeof(unsigned long);

	if (node < 0 || n >= 1024)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->bits[n / w] |= 1ul << (n % w);
	return 0;
}

int dgen_thread_prefer_node(int node)
{
	struct nodemask m;

	if (node < 0 || !numa_ok())
		return 0;
	if (nodemask_one(&m, node) < 0)
		return -EINVAL;
	if (set_mempolicy(MPOL_PREFERRED, m.bits, 8 * sizeof(m.bits)) < 0)
		return -errno;
	return 0;
}

/* ===== Memory ===== */

/* Free 2 MiB hugetlb pages on @node, or in the whole pool for -1. */
static long huge_free(int node)
{
	char path[128];
	long v;

	if (node >= 0)
		snprintf(path, sizeof(path),
			 "/sys/devices/system/node/node%d/" HUGE_DIR, node);
	else
		snprintf(path, sizeof(path), "/sys/kernel/mm/" HUGE_DIR);
	return dgen_sysfs_read_long(path, &v) < 0 ? -1 : v;
}

/* The THP mode, the bracketed word of .../enabled: always, madvise, never. */
static void thp_mode(char *mode, size_t len)
{
	char buf[128], *a, *b;
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");

	snprintf(mode, len, "unavailable");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f) && (a = strchr(buf, '[')) &&
	    (b = strchr(a, ']'))) {
		*b = '\0';
		snprintf(mode, len, "%s", a + 1);
	}
	fclose(f);
}

/*
 * Bytes THP backs in the mapping holding @addr, from /proc/self/smaps. The
 * kernel may have merged our mapping with a neighbour of the same flags, so
 * the count can include the neighbour's; callers clamp it to their length.
 */
static uint64_t thp_bytes(const void *addr)
{
	char line[256], perms[5];
	unsigned long start, end, kb;
	int in = 0;
	uint64_t r = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping's header: "start-end perms offset dev inode path". */
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) == 3) {
			in = start <= (uintptr_t)addr && (uintptr_t)addr < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			r = (uint64_t)kb << 10;
			break;
		}
	}
	fclose(f);
	return r;
}

/*
 * Fault every page in, from this thread; MADV_POPULATE_WRITE (5.14) fails
 * cleanly where a touch would SIGBUS on an empty hugetlb pool. In steps
 * of POPULATE_STEP: the madvise holds mmap_lock for its whole range, and
 * the writer's other threads, setting up at the same time, wait on it for
 * their own mmap and io_setup (bench/RESULTS.md, issue 22 follow-up); a
 * step lets them in between. A step starts on a page, as madvise wants
 * (the buffer does, and the step is a multiple of every page size).
 */
#define POPULATE_STEP	((size_t)2 << 20)

static int populate(void *addr, size_t len, int hugetlb)
{
	/* hugetlb pages may be larger than a step: those go whole. */
	const size_t step = hugetlb ? len : POPULATE_STEP;

	for (size_t at = 0; at < len; at += step) {
		size_t n = len - at < step ? len - at : step;

		if (madvise((char *)addr + at, n, MADV_POPULATE_WRITE) == 0)
			continue;
		if (errno != EINVAL || hugetlb)
			return -errno;
		memset((char *)addr + at, 0, len - at);
		return 0;
	}
	return 0;
}

/*
 * Ask for @node. A refusal (a seccomp filter that allows mbind() only with
 * CAP_SYS_NICE) is not an error: first touch by the pinned thread still puts
 * the pages on its node, and the report names the refusal.
 */
static void prefer(struct dgen_numa_buf *b, void *addr, size_t len, int node,
		   unsigned int flags)
{
	struct nodemask m;

	if (node < 0 || (flags & DGEN_MEM_NO_NUMA) || !numa_ok() ||
	    nodemask_one(&m, node) < 0)
		return;
	if (mbind(addr, len, MPOL_PREFERRED, m.bits, 8 * sizeof(m.bits), 0) == 0)
		b->bound = 1;
	else
		b->bind_error = errno;
}

static size_t round_up(size_t x, size_t m)
{
	return (x + m - 1) / m * m;
}

static int try_hugetlb(struct dgen_numa_buf *b, size_t size, int node,
		       unsigned int flags)
{
	size_t len = round_up(size, DGEN_HUGE_PAGE_SIZE);
	long have = huge_free(node >= 0 && numa_ok() &&
			      !(flags & DGEN_MEM_NO_NUMA) ? node : -1);
	void *p;

	if (size < DGEN_HUGE_PAGE_SIZE || have < (long)(len / DGEN_HUGE_PAGE_SIZE))
		return -ENOMEM;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	prefer(b, p, len, node, flags);
	if (populate(p, len, 1) < 0) {
		b->bound = 0;
		b->bind_error = 0;
		munmap(p, len);
		return -ENOMEM;
	}
	b->addr = p;
	b->mapped = len;
	b->pages = DGEN_MEM_HUGETLB;
	return 0;
}

/*
 * Base pages, or THP when @thp: a 2 MiB aligned mapping (THP only backs
 * aligned 2 MiB extents), the unaligned head and tail given back.
 */
static int map_pages(struct dgen_numa_buf *b, size_t size, int node,
		     unsigned int flags, int thp)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), len, extra = 0;
	uintptr_t raw, start;
	void *p;
	int r;

	len = round_up(size, thp ? DGEN_HUGE_PAGE_SIZE : page);
	if (thp)
		extra = DGEN_HUGE_PAGE_SIZE;
	p = mmap(NULL, len + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	raw = (uintptr_t)p;
	start = thp ? round_up(raw, DGEN_HUGE_PAGE_SIZE) : raw;
	if (start > raw)
		munmap(p, start - raw);
	if (raw + len + extra > start + len)
		munmap((void *)(start + len), raw + len + extra - (start + len));
	p = (void *)start;
	if (thp && madvise(p, len, MADV_HUGEPAGE) < 0)
		thp = 0;
	prefer(b, p, len, node, flags);
	r = populate(p, len, 0);
	if (r < 0) {
		b->bound = 0;
		b->bind_error = 0;
		munmap(p, len);
		return r;
	}
	b->addr = p;
	b->mapped = len;
	b->pages = thp && thp_bytes(p) ? DGEN_MEM_THP : DGEN_MEM_NORMAL;
	return 0;
}

int dgen_numa_alloc(struct dgen_numa_buf *b, size_t size, int node,
		    unsigned int flags)
{
	char mode[32], s1[32], s2[32];
	int r = -ENOMEM, n;

	memset(b, 0, sizeof(*b));
	b->node = -1;
	b->node_asked = node;
	if (!size)
		return -EINVAL;
	b->size = size;
	thp_mode(mode, sizeof(mode));

	if (!(flags & DGEN_MEM_NO_HUGETLB))
		r = try_hugetlb(b, size, node, flags);
	/* Below 2 MiB a huge page would mostly hold nothing. */
	if (r < 0 && size >= DGEN_HUGE_PAGE_SIZE && !(flags & DGEN_MEM_NO_THP) &&
	    strcmp(mode, "never") && strcmp(mode, "unavailable"))
		r = map_pages(b, size, node, flags, 1);
	if (r < 0)
		r = map_pages(b, size, node, flags, 0);
	if (r < 0) {
		memset(b, 0, sizeof(*b));
		return r;
	}

	r = dgen_numa_node_of(b->addr);
	b->node = r >= 0 ? r : -1;
	if (b->pages == DGEN_MEM_HUGETLB)
		n = snprintf(b->how, sizeof(b->how), "%s in 2 MiB huge pages",
			     dgen_bytes_str(s1, sizeof(s1), b->mapped));
	else if (b->pages == DGEN_MEM_THP)
		n = snprintf(b->how, sizeof(b->how),
			     "%s, %s of it in transparent huge pages",
			     dgen_bytes_str(s1, sizeof(s1), b->mapped),
			     dgen_bytes_str(s2, sizeof(s2), thp_bytes(b->addr) < b->mapped ?
					    thp_bytes(b->addr) : b->mapped));
	else
		n = snprintf(b->how, sizeof(b->how), "%s in %ld KiB pages%s",
			     dgen_bytes_str(s1, sizeof(s1), b->mapped),
			     sysconf(_SC_PAGESIZE) >> 10,
			     size < DGEN_HUGE_PAGE_SIZE ? " (under 2 MiB)" :
			     flags & DGEN_MEM_NO_THP ? "" :
			     " (no huge pages free, THP gave none)");
	if (b->bound)
		snprintf(b->how + n, sizeof(b->how) - (size_t)n, ", node %d asked, on node %d",
			 node, b->node);
	else if (b->bind_error)
		snprintf(b->how + n, sizeof(b->how) - (size_t)n,
			 ", first touch on node %d (mbind refused: %s)",
			 b->node, strerror(b->bind_error));
	else if (node >= 0)
		snprintf(b->how + n, sizeof(b->how) - (size_t)n,
			 ", first touch on node %d (no NUMA support: not bound)",
			 b->node);
	else
		snprintf(b->how + n, sizeof(b->how) - (size_t)n,
			 ", first touch on node %d", b->node);
	return 0;
}

void dgen_numa_free(struct dgen_numa_buf *b)
{
	if (b->addr)
		munmap(b->addr, b->mapped);
	memset(b, 0, sizeof(*b));
}

int dgen_numa_node_of(const void *addr)
{
	void *page = (void *)((uintptr_t)addr & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1));
	int status = -1, node = -1;

	if (move_pages(0, 1, &page, NULL, &status, 0) == 0 && status >= 0)
		return status;
	if (get_mempolicy(&node, NULL, 0, page, MPOL_F_NODE | MPOL_F_ADDR) == 0)
		return node;
	return -errno;
}

size_t dgen_numa_describe(char *buf, size_t len)
{
	char mode[32];
	long huge = huge_free(-1);
	int n;

	thp_mode(mode, sizeof(mode));
	if (numa_ok())
		n = snprintf(buf, len, "memory: NUMA with %d node%s, buffers bound to their thread's node",
			     numa_max_node() + 1, numa_max_node() ? "s" : "");
	else
		n = snprintf(buf, len, "memory: no NUMA support, buffers first-touched by their pinned thread");
	if (n < 0)
		return 0;
	n += snprintf(buf && (size_t)n < len ? buf + n : NULL,
		      (size_t)n < len ? len - (size_t)n : 0,
		      "; 2 MiB huge pages: %ld free%s; THP: %s\n",
		      huge < 0 ? 0 : huge,
		      huge > 0 ? "" : " (pools of 2 MiB and more fall back to THP)",
		      mode);
	return (size_t)n;
}
