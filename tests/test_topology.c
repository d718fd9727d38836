// SPDX-License-Identifier: MIT
/*
 * test_topology.c - hwloc discovery on pretend machines, and the NUMA node
 * of a device found through a fake sysfs tree
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hwloc.h>

#include <dgen/topology.h>

/* 2 packages x 2 NUMA nodes x 8 cores x 2 PUs, Linux-style PU numbering. */
#define TWO_SOCKETS \
	"pack:2 numa:2 l3:1(size=32MiB) l2:8(size=1MiB) core:1 pu:2(indexes=2*32:1*2)"

static struct dgen_topology *synthetic(const char *desc)
{
	struct dgen_topology *t;
	char msg[256] = "";
	int r = dgen_topology_new_synthetic(&t, desc, msg, sizeof(msg));

	cr_assert_eq(r, 0, "%s: %s", desc, msg);
	return t;
}

Test(topology, two_sockets)
{
	struct dgen_topology *t = synthetic(TWO_SOCKETS);
	unsigned int i, j, seen[64] = { 0 };

	cr_assert_eq(t->npackages, 2);
	cr_assert_eq(t->nnodes, 4);
	cr_assert_eq(t->ncores, 32);
	cr_assert_eq(t->npus, 64);
	cr_assert_eq(t->this_system, 0);
	for (i = 0; i < t->nnodes; i++) {
		cr_assert_eq(t->nodes[i].os_index, (int)i);
		cr_assert_eq(t->nodes[i].ncores, 8);
	}
	for (i = 0; i < t->ncores; i++) {
		const struct dgen_topology_core *c = &t->cores[i];

		cr_assert_eq(c->npus, 2);
		cr_assert_eq(c->package, i / 16);
		cr_assert_eq(c->node, (int)(i / 8));
		/* The siblings of core i are PUs i and i + 32, as on Linux. */
		cr_assert_eq(t->pus[c->first_pu], i);
		cr_assert_eq(t->pus[c->first_pu + 1], i + 32);
		cr_assert_eq(c->l2_share, 1u << 20);
		cr_assert_eq(c->l3_share, (32u << 20) / 8);
		for (j = 0; j < c->npus; j++)
			seen[t->pus[c->first_pu + j]]++;
		cr_assert_eq(dgen_topology_core_of_cpu(t, i + 32), (int)i);
	}
	for (i = 0; i < 64; i++)
		cr_assert_eq(seen[i], 1, "PU %u listed %u times", i, seen[i]);
	cr_assert_eq(dgen_topology_core_of_cpu(t, 64), -ENOENT);
	cr_assert_eq(dgen_topology_node_find(t, 3), 3);
	cr_assert_eq(dgen_topology_node_find(t, 4), -ENOENT);
	dgen_topology_free(t);
}

Test(topology, no_numa_one_node)
{
	/* A machine that knows no NUMA still has its memory as one node 0. */
	struct dgen_topology *t = synthetic("core:4 pu:1");

	cr_assert_eq(t->npackages, 1);
	cr_assert_eq(t->nnodes, 1);
	cr_assert_eq(t->nodes[0].os_index, 0);
	cr_assert_eq(t->ncores, 4);
	for (unsigned int i = 0; i < 4; i++) {
		cr_assert_eq(t->cores[i].node, 0);
		cr_assert_eq(t->cores[i].l2_share, 0, "no L2 was described");
	}
	dgen_topology_free(t);
}

Test(topology, shared_l2)
{
	/* Two cores under one 2 MiB L2: each counts on 1 MiB of it. */
	struct dgen_topology *t = synthetic("l2:2(size=2MiB) core:2 pu:1");

	cr_assert_eq(t->ncores, 4);
	cr_assert_eq(t->cores[3].l2_share, 1u << 20);
	dgen_topology_free(t);
}

Test(topology, bad_synthetic)
{
	struct dgen_topology *t = (void *)1;
	char msg[256] = "";

	cr_assert_eq(dgen_topology_new_synthetic(&t, "bogus:3", msg, sizeof(msg)),
		     -EINVAL);
	cr_assert_null(t);
	cr_assert(strstr(msg, "bogus:3"), "message names the input: %s", msg);
	cr_assert_eq(dgen_topology_new_synthetic(&t, "", msg, sizeof(msg)),
		     -EINVAL);
}

/* What `lstopo -i DESC --of xml PATH` writes, without needing lstopo. */
static void export_xml(const char *desc, const char *path)
{
	hwloc_topology_t h;

	cr_assert_eq(hwloc_topology_init(&h), 0);
	cr_assert_eq(hwloc_topology_set_synthetic(h, desc), 0);
	cr_assert_eq(hwloc_topology_load(h), 0);
	cr_assert_eq(hwloc_topology_export_xml(h, path, 0), 0);
	hwloc_topology_destroy(h);
}

Test(topology, env_override_and_xml)
{
	char dir[] = "/tmp/dgen-topo-XXXXXX", path[256];
	struct dgen_topology *t;
	char msg[256] = "";

	setenv(DGEN_ENV_HWLOC_SYNTHETIC, "pack:2 numa:1 core:3 pu:2", 1);
	cr_assert_eq(dgen_topology_new(&t, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(t->ncores, 6);
	cr_assert_eq(t->nnodes, 2);
	cr_assert(strstr(t->source, "synthetic"));
	dgen_topology_free(t);

	/* An XML export of a synthetic machine loads as the same machine. */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.xml", dir);
	export_xml(TWO_SOCKETS, path);
	setenv(DGEN_ENV_HWLOC_XML, path, 1);	/* XML wins over synthetic */
	cr_assert_eq(dgen_topology_new(&t, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(t->ncores, 32);
	cr_assert_eq(t->nnodes, 4);
	cr_assert_eq(t->cores[31].node, 3);
	cr_assert(strstr(t->source, "XML"));
	dgen_topology_free(t);
	unsetenv(DGEN_ENV_HWLOC_XML);
	unsetenv(DGEN_ENV_HWLOC_SYNTHETIC);
	unlink(path);
	rmdir(dir);

	cr_assert_eq(dgen_topology_new_xml(&t, "/nonexistent.xml", msg, sizeof(msg)),
		     -EINVAL);
}

Test(topology, this_machine)
{
	struct dgen_topology *t;
	char msg[256] = "";
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	cr_assert_eq(dgen_topology_new(&t, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(t->this_system, 1);
	cr_assert_geq(t->ncores, 1);
	cr_assert_geq(t->nnodes, 1);
	cr_assert_leq(t->npus, (unsigned int)online);
	for (unsigned int i = 0; i < t->ncores; i++)
		cr_assert_geq(t->cores[i].npus, 1);
	dgen_topology_free(t);
}

/* ===== Device nodes through a fake sysfs ===== */

static char root[64];

/* mkdir -p for the parent of @path. */
static void make_parent(const char *path)
{
	char dir[512], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		cr_assert(mkdir(dir, 0755) == 0 || errno == EEXIST, "%s", dir);
		*p = '/';
	}
}

/* Write @text to the file named by @fmt, making its directories. */
__attribute__((format(printf, 2, 3)))
static void put(const char *text, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	make_parent(path);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

__attribute__((format(printf, 2, 3)))
static void link_to(const char *target, const char *fmt, ...)
{
	char path[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	make_parent(path);
	cr_assert_eq(symlink(target, path), 0, "%s: %s", path, strerror(errno));
}

#define PCI1	"devices/pci0000:80/0000:80:01.0/0000:81:00.0"
#define PCI0	"devices/pci0000:00/0000:00:01.0/0000:01:00.0"

/*
 * nvme0n1 (259:0) behind a PCI function on node 1, its partition 259:1,
 * nvme1n1 (259:2) on node 0, dm-0 (253:0) over nvme0n1p1, dm-1 (253:1) over
 * both disks, loop0 (7:0) with no backing file, and a char device 240:0
 * under the node-1 controller.
 */
static void fake_sysfs(void)
{
	snprintf(root, sizeof(root), "/tmp/dgen-sysfs-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	put("1\n", "%s/" PCI1 "/numa_node", root);
	put("", "%s/" PCI1 "/nvme/nvme0/nvme0n1/queue/.keep", root);
	put("1\n", "%s/" PCI1 "/nvme/nvme0/nvme0n1/nvme0n1p1/partition", root);
	put("0\n", "%s/" PCI0 "/numa_node", root);
	put("", "%s/" PCI0 "/nvme/nvme1/nvme1n1/queue/.keep", root);
	put("", "%s/devices/virtual/block/dm-0/queue/.keep", root);
	put("", "%s/devices/virtual/block/dm-1/queue/.keep", root);
	put("", "%s/devices/virtual/block/loop0/queue/.keep", root);
	put("", "%s/devices/virtual/nvme-generic/ng0n1/.keep", root);
	link_to("../../../../../" PCI1 "/nvme/nvme0/nvme0n1/nvme0n1p1",
		"%s/devices/virtual/block/dm-0/slaves/nvme0n1p1", root);
	link_to("../../../../../" PCI1 "/nvme/nvme0/nvme0n1",
		"%s/devices/virtual/block/dm-1/slaves/nvme0n1", root);
	link_to("../../../../../" PCI0 "/nvme/nvme1/nvme1n1",
		"%s/devices/virtual/block/dm-1/slaves/nvme1n1", root);
	link_to("../../" PCI1 "/nvme/nvme0/nvme0n1", "%s/dev/block/259:0", root);
	link_to("../../" PCI1 "/nvme/nvme0/nvme0n1/nvme0n1p1",
		"%s/dev/block/259:1", root);
	link_to("../../" PCI0 "/nvme/nvme1/nvme1n1", "%s/dev/block/259:2", root);
	link_to("../../devices/virtual/block/dm-0", "%s/dev/block/253:0", root);
	link_to("../../devices/virtual/block/dm-1", "%s/dev/block/253:1", root);
	link_to("../../devices/virtual/block/loop0", "%s/dev/block/7:0", root);
	link_to("../../" PCI1 "/nvme/nvme0/ng0n1", "%s/dev/char/240:0", root);
	put("", "%s/" PCI1 "/nvme/nvme0/ng0n1/.keep", root);
}

static void drop_sysfs(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(devnode, .init = fake_sysfs, .fini = drop_sysfs);

/* A device node with the given numbers, made in the fake tree. */
static void node_path(char *path, size_t len, mode_t type, unsigned int maj,
		      unsigned int min)
{
	snprintf(path, len, "%s/node-%u-%u", root, maj, min);
	if (mknod(path, type | 0600, makedev(maj, min)) < 0)
		cr_skip_test("mknod needs CAP_MKNOD: %s", strerror(errno));
}

static struct dgen_device probe_dev(mode_t type, unsigned int maj,
				    unsigned int min)
{
	struct dgen_device d;
	char path[128];

	node_path(path, sizeof(path), type, maj, min);
	cr_assert_eq(dgen_device_probe(path, root, &d), 0);
	cr_assert_eq(d.major, maj);
	cr_assert_eq(d.minor, min);
	return d;
}

Test(devnode, disk_on_node1)
{
	struct dgen_device d = probe_dev(S_IFBLK, 259, 0);

	cr_assert_eq(d.kind, DGEN_DEVICE_BLOCK);
	cr_assert_eq(d.node, 1);
	cr_assert(strstr(d.sysfs, "/nvme0n1") && !strstr(d.sysfs, "p1"),
		  "limits come from the disk: %s", d.sysfs);
}

Test(devnode, partition_is_its_disk)
{
	struct dgen_device d = probe_dev(S_IFBLK, 259, 1);

	cr_assert_eq(d.node, 1);
	cr_assert(!strstr(d.sysfs, "nvme0n1p1"), "%s", d.sysfs);
}

Test(devnode, disk_on_node0)
{
	cr_assert_eq(probe_dev(S_IFBLK, 259, 2).node, 0);
}

Test(devnode, dm_follows_slaves)
{
	/* One slave on node 1: node 1. Slaves on nodes 0 and 1: unknown. */
	cr_assert_eq(probe_dev(S_IFBLK, 253, 0).node, 1);
	cr_assert_eq(probe_dev(S_IFBLK, 253, 1).node, -1);
}

Test(devnode, virtual_unknown)
{
	struct dgen_device d = probe_dev(S_IFBLK, 7, 0);

	cr_assert_eq(d.node, -1);
	cr_assert(strstr(d.sysfs, "loop0"));
	/* Not in the tree at all. */
	cr_assert_eq(probe_dev(S_IFBLK, 8, 0).node, -1);
}

Test(devnode, char_device)
{
	struct dgen_device d = probe_dev(S_IFCHR, 240, 0);

	cr_assert_eq(d.kind, DGEN_DEVICE_CHAR);
	cr_assert_eq(d.node, 1);
	cr_assert_str_empty(d.sysfs);
}

Test(devnode, file_on_device)
{
	struct dgen_device d;
	char path[128], target[64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/file", root);
	put("data", "%s", path);
	cr_assert_eq(stat(path, &st), 0);
	if (major(st.st_dev) == 0) {
		cr_assert_eq(dgen_device_probe(path, root, &d), 0);
		cr_assert_eq(d.node, -1, "a file on tmpfs has no device node");
		cr_skip_test("/tmp is not on a block device");
	}
	/* Pretend the filesystem holding /tmp is partition nvme0n1p1. */
	snprintf(target, sizeof(target), "%u:%u", major(st.st_dev),
		 minor(st.st_dev));
	link_to("../../" PCI1 "/nvme/nvme0/nvme0n1/nvme0n1p1",
		"%s/dev/block/%s", root, target);
	cr_assert_eq(dgen_device_probe(path, root, &d), 0);
	cr_assert_eq(d.kind, DGEN_DEVICE_FILE);
	cr_assert_eq(d.node, 1);
	cr_assert(strstr(d.sysfs, "/nvme0n1"));
}

Test(devnode, errors)
{
	struct dgen_device d;
	char path[128];

	snprintf(path, sizeof(path), "%s/missing", root);
	cr_assert_eq(dgen_device_probe(path, root, &d), -ENOENT);
	snprintf(path, sizeof(path), "%s/fifo", root);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(dgen_device_probe(path, root, &d), -EINVAL);
	/* The environment names the root when the caller does not. */
	setenv(DGEN_ENV_SYSFS_ROOT, root, 1);
	node_path(path, sizeof(path), S_IFBLK, 259, 0);
	cr_assert_eq(dgen_device_probe(path, NULL, &d), 0);
	cr_assert_eq(d.node, 1);
	unsetenv(DGEN_ENV_SYSFS_ROOT);
}

Test(devnode, this_machine)
{
	struct dgen_device d;

	/* Whatever node the root filesystem is on, it is -1 or a real one. */
	cr_assert_eq(dgen_device_probe("/", NULL, &d), 0);
	cr_assert_eq(d.kind, DGEN_DEVICE_FILE);
	cr_assert_geq(d.node, -1);
	cr_assert_eq(dgen_device_probe("/dev/null", NULL, &d), 0);
	cr_assert_eq(d.kind, DGEN_DEVICE_CHAR);
	cr_assert_eq(d.node, -1);
}
