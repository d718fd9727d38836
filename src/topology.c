// SPDX-License-Identifier: MIT
/*
 * topology.c - hwloc discovery of packages, NUMA nodes, cores and caches
 *
 * hwloc is asked once and its tree is flattened into struct dgen_topology,
 * so no other file needs hwloc. Only allowed PUs count (hwloc 2 drops the
 * ones outside our cgroup cpuset by default), so a container limited to four
 * CPUs plans for four.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>

#include <dgen/topology.h>

#include "refuse.h"

/*
 * The share of a cache of type @type above @core that falls to one core: its
 * size divided by the cores under it. A cache split evenly is what each
 * generator thread can count on when every core runs one.
 */
static uint64_t cache_share(hwloc_topology_t topo, hwloc_obj_t core,
			    hwloc_obj_type_t type)
{
	hwloc_obj_t c = hwloc_get_ancestor_obj_by_type(topo, type, core);
	int sharers;

	if (!c || !c->attr)
		return 0;
	sharers = hwloc_get_nbobjs_inside_cpuset_by_type(topo, c->cpuset,
							 core->type);
	if (sharers < 1)
		sharers = 1;
	return c->attr->cache.size / (unsigned int)sharers;
}

static int node_cmp(const void *a, const void *b)
{
	const struct dgen_topology_node *x = a, *y = b;

	return (x->os_index > y->os_index) - (x->os_index < y->os_index);
}

/*
 * Flatten a loaded hwloc topology. Machines (or XML files) without a Core
 * level get one core per PU, which is what hwloc itself reports there.
 */
static int flatten(struct dgen_topology *t, hwloc_topology_t topo,
		   char *msg, size_t msglen)
{
	hwloc_obj_type_t core_type = HWLOC_OBJ_CORE;
	int n = hwloc_get_nbobjs_by_type(topo, core_type);
	int nn = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
	int np = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
	int pk = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
	unsigned int i, j, k = 0;

	if (n <= 0) {
		core_type = HWLOC_OBJ_PU;
		n = np;
	}
	if (n <= 0 || np <= 0)
		return dgen_refuse(-ENOENT, msg, msglen, "hwloc found no cores in %s",
				     t->source);
	if (nn < 0)
		nn = 0;

	t->cores = calloc((size_t)n, sizeof(*t->cores));
	t->pus = calloc((size_t)np, sizeof(*t->pus));
	t->nodes = calloc(nn ? (size_t)nn : 1, sizeof(*t->nodes));
	if (!t->cores || !t->pus || !t->nodes)
		return -ENOMEM;
	t->ncores = (unsigned int)n;
	t->npackages = pk > 0 ? (unsigned int)pk : 1;
	t->this_system = hwloc_topology_is_thissystem(topo);

	for (i = 0; i < (unsigned int)nn; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, i);

		t->nodes[i].os_index = (int)o->os_index;
		t->nodes[i].memory = o->attr ? o->attr->numanode.local_memory : 0;
	}
	t->nnodes = (unsigned int)nn;
	qsort(t->nodes, t->nnodes, sizeof(*t->nodes), node_cmp);

	for (i = 0; i < t->ncores; i++) {
		hwloc_obj_t o = hwloc_get_obj_by_type(topo, core_type, i);
		hwloc_obj_t p = hwloc_get_ancestor_obj_by_type(topo,
						HWLOC_OBJ_PACKAGE, o);
		struct dgen_topology_core *c = &t->cores[i];
		int b, first_node;

		c->package = p ? p->logical_index : 0;
		/*
		 * A core's nodeset lists every node at its locality (KNL's
		 * DDR and MCDRAM, say); the lowest OS index is the ordinary
		 * DRAM on every machine hwloc knows.
		 */
		first_node = o->nodeset ? hwloc_bitmap_first(o->nodeset) : -1;
		c->node = first_node;
		if (first_node >= 0) {
			int ni = dgen_topology_node_find(t, first_node);

			if (ni >= 0)
				t->nodes[ni].ncores++;
			else
				c->node = -1;
		}
		c->first_pu = k;
		hwloc_bitmap_foreach_begin(b, o->cpuset) {
			if (k == (unsigned int)np)
				break;
			t->pus[k++] = (unsigned int)b;
		} hwloc_bitmap_foreach_end();
		c->npus = k - c->first_pu;
		c->l2_share = cache_share(topo, o, HWLOC_OBJ_L2CACHE);
		c->l3_share = cache_share(topo, o, HWLOC_OBJ_L3CACHE);
	}
	t->npus = k;
	for (j = 0; j < t->ncores; j++)
		if (!t->cores[j].npus)
			return dgen_refuse(-ENOENT, msg, msglen,
					     "hwloc reports a core without PUs in %s",
					     t->source);
	return 0;
}

enum source { SRC_LIVE, SRC_SYNTHETIC, SRC_XML };

static int load(struct dgen_topology **out, enum source src, const char *arg,
		char *msg, size_t msglen)
{
	struct dgen_topology *t;
	hwloc_topology_t topo = NULL;
	int r;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (src == SRC_SYNTHETIC)
		snprintf(t->source, sizeof(t->source), "synthetic: %s", arg);
	else if (src == SRC_XML)
		snprintf(t->source, sizeof(t->source), "XML: %s", arg);
	else
		snprintf(t->source, sizeof(t->source), "this machine");

	if (hwloc_topology_init(&topo) < 0) {
		r = dgen_refuse(-errno ? -errno : -ENOMEM, msg, msglen,
				  "hwloc could not start");
		goto err;
	}
	if (src == SRC_SYNTHETIC && hwloc_topology_set_synthetic(topo, arg) < 0) {
		r = dgen_refuse(-EINVAL, msg, msglen,
				  "hwloc refuses the synthetic topology \"%s\" (see hwloc's synthetic syntax, e.g. \"pack:2 numa:2 core:8 pu:2\")",
				  arg);
		goto err;
	}
	if (src == SRC_XML && hwloc_topology_set_xml(topo, arg) < 0) {
		r = dgen_refuse(-EINVAL, msg, msglen,
				  "hwloc cannot use the XML topology %s: %s", arg,
				  strerror(errno));
		goto err;
	}
	if (hwloc_topology_load(topo) < 0) {
		r = -errno ? -errno : -EINVAL;
		if (src == SRC_XML)
			r = -EINVAL;
		dgen_refuse(r, msg, msglen, "hwloc could not load %s: %s", t->source,
			      strerror(-r));
		goto err;
	}
	r = flatten(t, topo, msg, msglen);
	if (r < 0)
		goto err;
	hwloc_topology_destroy(topo);
	*out = t;
	return 0;
err:
	if (topo)
		hwloc_topology_destroy(topo);
	dgen_topology_free(t);
	return r;
}

int dgen_topology_new(struct dgen_topology **out, char *msg, size_t msglen)
{
	const char *xml = getenv(DGEN_ENV_HWLOC_XML);
	const char *syn = getenv(DGEN_ENV_HWLOC_SYNTHETIC);

	if (xml && *xml)
		return load(out, SRC_XML, xml, msg, msglen);
	if (syn && *syn)
		return load(out, SRC_SYNTHETIC, syn, msg, msglen);
	return load(out, SRC_LIVE, NULL, msg, msglen);
}

int dgen_topology_new_synthetic(struct dgen_topology **out, const char *desc,
				char *msg, size_t msglen)
{
	if (!desc || !*desc) {
		*out = NULL;
		return dgen_refuse(-EINVAL, msg, msglen,
				     "the synthetic topology description is empty");
	}
	return load(out, SRC_SYNTHETIC, desc, msg, msglen);
}

int dgen_topology_new_xml(struct dgen_topology **out, const char *path,
			  char *msg, size_t msglen)
{
	if (!path || !*path) {
		*out = NULL;
		return dgen_refuse(-EINVAL, msg, msglen,
				     "no XML topology file given");
	}
	return load(out, SRC_XML, path, msg, msglen);
}

void dgen_topology_free(struct dgen_topology *t)
{
	if (!t)
		return;
	free(t->cores);
	free(t->pus);
	free(t->nodes);
	free(t);
}

int dgen_topology_core_of_cpu(const struct dgen_topology *t, unsigned int cpu)
{
	unsigned int i, j;

	for (i = 0; i < t->ncores; i++)
		for (j = 0; j < t->cores[i].npus; j++)
			if (t->pus[t->cores[i].first_pu + j] == cpu)
				return (int)i;
	return -ENOENT;
}

int dgen_topology_node_find(const struct dgen_topology *t, int os_index)
{
	unsigned int i;

	for (i = 0; i < t->nnodes; i++)
		if (t->nodes[i].os_index == os_index)
			return (int)i;
	return -ENOENT;
}
