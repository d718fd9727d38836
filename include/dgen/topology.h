/* SPDX-License-Identifier: MIT */
/*
 * dgen/topology.h - the machine's cores, NUMA nodes and caches, and the NUMA
 * node of each target
 *
 * Discovery goes through hwloc once and lands in plain arrays, so the rest of
 * libdgen (placement, pool sizing) and the tools never include hwloc.h. A
 * topology may also be loaded from an hwloc synthetic description or an XML
 * export, which is how the tests (and `dgen-uring --dry-run` on a laptop)
 * see a two-socket server.
 */
#ifndef DGEN_TOPOLOGY_H
#define DGEN_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Topology ===== */

/* Environment variables read by dgen_topology_new(), in this order. */
#define DGEN_ENV_HWLOC_XML		"DGEN_HWLOC_XML"
#define DGEN_ENV_HWLOC_SYNTHETIC	"DGEN_HWLOC_SYNTHETIC"

struct dgen_topology_core {
	unsigned int package;		/* logical index of its package */
	int node;			/* OS index of its NUMA node, -1: none */
	unsigned int first_pu;		/* its PUs: pus[first_pu .. + npus) */
	unsigned int npus;		/* hardware threads of this core */
	uint64_t l2_share;		/* L2 bytes / cores sharing that L2; 0: none */
	uint64_t l3_share;		/* L3 bytes / cores sharing that L3; 0: none */
};

struct dgen_topology_node {
	int os_index;			/* as libnuma, sysfs and mbind() number it */
	unsigned int ncores;		/* cores whose memory is this node */
	uint64_t memory;		/* local memory in bytes (0: unknown) */
};

/*
 * A machine, read-only once made. Cores are in hwloc's logical order
 * (package by package, cache domain by cache domain), which keeps
 * neighbouring cores in a list neighbours in the caches too.
 */
struct dgen_topology {
	unsigned int npackages;
	unsigned int nnodes;
	struct dgen_topology_node *nodes;	/* by ascending os_index */
	unsigned int ncores;
	struct dgen_topology_core *cores;
	unsigned int npus;
	unsigned int *pus;		/* PU OS indexes (the CPU numbers of
					   sched_setaffinity), grouped by core */
	int this_system;		/* 1: the machine we run on; 0: synthetic
					   or XML, so never pin or bind from it */
	char source[256];		/* "this machine", "synthetic: ...",
					   "XML: path", for the report */
};

/*
 * dgen_topology_new - discover the machine we run on.
 *
 * When DGEN_HWLOC_XML names a file, or DGEN_HWLOC_SYNTHETIC holds a
 * description, that topology is loaded instead (as by the two calls below),
 * so the tool and its tests can be run on a pretend machine.
 *
 * Returns 0 and sets *@out, -EINVAL (a bad override; @msg says what), -ENOENT
 * (no cores found), -ENOMEM, or the -errno hwloc reported. On failure, when
 * @msg is not NULL, a sentence is written to @msg (at most @msglen bytes).
 */
int dgen_topology_new(struct dgen_topology **out, char *msg, size_t msglen);

/*
 * dgen_topology_new_synthetic - a machine from an hwloc synthetic
 * description, e.g. "pack:2 numa:2 l3:1(size=32MiB) l2:8(size=1MiB) core:1
 * pu:2". A "numa:N" level puts one NUMA node over each of its subtrees; PU
 * numbering can be given as in hwloc ("pu:2(indexes=2*32:1*2)" numbers the
 * second thread of each core after all first threads, as Linux does).
 * Returns as dgen_topology_new(); -EINVAL for a description hwloc refuses.
 */
int dgen_topology_new_synthetic(struct dgen_topology **out, const char *desc,
				char *msg, size_t msglen);

/*
 * dgen_topology_new_xml - a machine from an hwloc XML export (lstopo
 * --of xml). Returns as dgen_topology_new(); -EINVAL for a file hwloc cannot
 * load.
 */
int dgen_topology_new_xml(struct dgen_topology **out, const char *path,
			  char *msg, size_t msglen);

/* dgen_topology_free - release @t; NULL is allowed. */
void dgen_topology_free(struct dgen_topology *t);

/*
 * dgen_topology_core_of_cpu - the index in t->cores of the core holding PU
 * @cpu (an OS index), or -ENOENT when this machine has no such PU.
 */
int dgen_topology_core_of_cpu(const struct dgen_topology *t, unsigned int cpu);

/*
 * dgen_topology_node_find - the index in t->nodes of the node with OS index
 * @os_index, or -ENOENT.
 */
int dgen_topology_node_find(const struct dgen_topology *t, int os_index);

/* ===== Target locality ===== */

/* Read when dgen_device_probe() is given no sysfs root. */
#define DGEN_ENV_SYSFS_ROOT		"DGEN_SYSFS_ROOT"

enum dgen_device_kind {
	DGEN_DEVICE_BLOCK,		/* a block device (disk or partition) */
	DGEN_DEVICE_CHAR,		/* a character device (/dev/null, ng0n1) */
	DGEN_DEVICE_FILE,		/* a file or directory on a filesystem */
};

struct dgen_device {
	enum dgen_device_kind kind;
	int node;			/* NUMA node OS index, -1: not known */
	unsigned int major, minor;	/* the device itself (block, char) or
					   the one holding the filesystem */
	char sysfs[4096];		/* the sysfs directory of the whole disk
					   whose queue/ limits apply; "" when
					   none (files on tmpfs, char devices) */
};

/*
 * dgen_device_probe - find where @path lives: its kind, its device numbers,
 * and the NUMA node of the hardware behind it.
 *
 * A block or character device is looked up under @sysfs_root/dev/{block,char}
 * /MAJ:MIN; a file under the block device holding its filesystem (st_dev).
 * From that sysfs directory the walk goes up the resolved path to the first
 * parent with a numa_node file holding a value >= 0 (an NVMe controller, a
 * PCI function). A partition is replaced by its disk first; a stacked device
 * (dm, md) takes the node its slaves agree on; a loop device the node of its
 * backing file. Virtual devices, tmpfs and devices that disagree give -1.
 *
 * @sysfs_root: NULL for $DGEN_SYSFS_ROOT, or "/sys" when that is unset; a
 * test points it at a tree of its own.
 *
 * Returns 0 (node -1 is a success: not known), or -errno when @path cannot be
 * stat()ed or is neither a device nor a file (a socket, a FIFO: -EINVAL).
 */
int dgen_device_probe(const char *path, const char *sysfs_root,
		      struct dgen_device *out);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_TOPOLOGY_H */
