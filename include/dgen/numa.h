/* SPDX-License-Identifier: MIT */
/*
 * dgen/numa.h - carrying out a plan: pin a thread, place its memory
 *
 * A writer thread pins itself to its plan's CPU, asks for its node's memory
 * for everything the kernel allocates for it (the io_uring rings), then
 * allocates its buffer pool there and touches it before registering it.
 * Every call works on machines without NUMA support and says so.
 */
#ifndef DGEN_NUMA_H
#define DGEN_NUMA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Threads ===== */

/*
 * dgen_thread_pin - run the calling thread only on CPU @cpu (an OS index,
 * as in struct dgen_plan_thread). Returns 0, -EINVAL when @cpu is not a CPU
 * this process may use, or another -errno from pthread_setaffinity_np().
 */
int dgen_thread_pin(unsigned int cpu);

/*
 * dgen_thread_prefer_node - make the calling thread's memory, and the
 * kernel's allocations on its behalf (io_uring rings, registered-buffer
 * bookkeeping), come from node @node first (MPOL_PREFERRED: other nodes
 * when it is full, never a failure). @node -1, or a machine without NUMA
 * support, leaves the default policy (the local node of the CPU it runs
 * on). Returns 0 or -errno from set_mempolicy().
 */
int dgen_thread_prefer_node(int node);

/* ===== Memory ===== */

enum dgen_mem_pages {
	DGEN_MEM_NORMAL,		/* base pages (4 KiB on x86) */
	DGEN_MEM_THP,			/* transparent huge pages were given */
	DGEN_MEM_HUGETLB,		/* 2 MiB pages from the hugetlb pool */
};

/* Flags for dgen_numa_alloc(): steps to skip (tests, and --no-huge). */
#define DGEN_MEM_NO_HUGETLB	0x1u
#define DGEN_MEM_NO_THP		0x2u
#define DGEN_MEM_NO_NUMA	0x4u	/* do not bind: as without NUMA */

#define DGEN_HUGE_PAGE_SIZE	(2u << 20)

struct dgen_numa_buf {
	void *addr;			/* page aligned (2 MiB aligned for huge) */
	size_t size;			/* as asked */
	size_t mapped;			/* the mapping's length */
	enum dgen_mem_pages pages;
	int bound;			/* 1: a policy asked for node @node_asked */
	int bind_error;			/* errno of a refused mbind(), else 0 */
	int node_asked;
	int node;			/* where the first page is, read back;
					   -1: not known */
	char how[160];			/* e.g. "2 MiB huge pages on node 1",
					   for the report */
};

/*
 * dgen_numa_alloc - @size bytes for one thread's buffers on node @node
 * (-1: wherever the calling thread runs), touched by the calling thread so
 * every page exists, on its node, before the buffers are registered.
 *
 * Pages, best first: 2 MiB hugetlb pages when @size is at least one and the
 * pool has enough free (fewer TLB entries for the CPU, fewer IOMMU entries
 * for the device); else a 2 MiB aligned mapping advised for transparent huge
 * pages; else base pages. The fallback is quiet; b->pages and b->how say
 * what was used. The node is asked with mbind(MPOL_PREFERRED) when libnuma
 * reports NUMA support, and read back after touching.
 *
 * Returns 0, -EINVAL (@size 0), or -ENOMEM.
 */
int dgen_numa_alloc(struct dgen_numa_buf *b, size_t size, int node,
		    unsigned int flags);

/* dgen_numa_free - unmap @b (zeroed after); a zeroed @b is allowed. */
void dgen_numa_free(struct dgen_numa_buf *b);

/*
 * dgen_numa_node_of - the node holding the page at @addr (which must be
 * touched), via move_pages(2), else get_mempolicy(MPOL_F_ADDR). Returns the
 * node (>= 0) or -errno (-ENOSYS on kernels without NUMA).
 */
int dgen_numa_node_of(const void *addr);

/*
 * dgen_numa_describe - one line on what memory placement this machine
 * offers: NUMA support and nodes, free 2 MiB huge pages, the THP mode.
 * Returns the length needed, like snprintf().
 */
size_t dgen_numa_describe(char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_NUMA_H */
