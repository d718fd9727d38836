// SPDX-License-Identifier: MIT
/*
 * placement.c - the plan of threads, CPUs, nodes and targets
 *
 * The plan is built in node groups: the targets of one node share that
 * node's cores, so their buffers, rings and the device's DMA all stay on the
 * node. Within a group, threads are shared out to targets by the D'Hondt
 * (Jefferson) method: each target first gets one thread, then each further
 * thread goes to the target with the most work per thread so far. It is
 * proportional and never gives a target zero threads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/placement.h>

#include "refuse.h"
#include "units.h"

/* ===== Plans ===== */

struct slot {
	unsigned int cpu, core;
	int node;
};

struct group {
	int node;			/* -1: several or all nodes */
	unsigned int *cores, ncores;
	unsigned int *tgs, ntgs;	/* target indexes */
	uint64_t weight;
	struct slot *slots;		/* its threads */
	unsigned int nslots;
};

struct plan_mem {
	struct dgen_plan pub;
	unsigned int *pairs;		/* backing of every threads[].targets */
};

static uint64_t weight_of(const struct dgen_plan_target_spec *s)
{
	return s->weight ? s->weight : 1;
}

/*
 * D'Hondt: @seats (>= @n) shared out over @n parties of weights @w, each at
 * least one; ties go to the lower index, so plans are reproducible.
 */
static void apportion(unsigned int seats, const uint64_t *w, unsigned int n,
		      unsigned int *out)
{
	unsigned int i, best, s;

	for (i = 0; i < n; i++)
		out[i] = 1;
	for (s = n; s < seats; s++) {
		best = 0;
		for (i = 1; i < n; i++)
			if ((unsigned __int128)w[i] * out[best] >
			    (unsigned __int128)w[best] * out[i])
				best = i;
		out[best]++;
	}
}

static void groups_free(struct group *g, unsigned int n)
{
	unsigned int i;

	for (i = 0; g && i < n; i++) {
		free(g[i].cores);
		free(g[i].tgs);
		free(g[i].slots);
	}
	free(g);
}

/*
 * One group per node that holds a target and has cores, in node order;
 * targets whose node is not known (or has no cores: a CPU-less memory node)
 * join the group with the least weight per core. No known node: one group of
 * all cores.
 */
static int make_groups(const struct dgen_topology *t,
		       const struct dgen_plan_target_spec *ts, unsigned int nt,
		       struct group **out, unsigned int *nout)
{
	struct group *g;
	unsigned int i, j, k, pass, n = 0;

	g = calloc(t->nnodes + 1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	for (i = 0; i < t->nnodes; i++) {
		if (!t->nodes[i].ncores)
			continue;
		for (j = 0; j < nt; j++)
			if (ts[j].node == t->nodes[i].os_index)
				break;
		if (j < nt)
			g[n++].node = t->nodes[i].os_index;
	}
	if (!n)
		g[n++].node = -1;

	for (i = 0; i < n; i++) {
		g[i].cores = malloc(t->ncores * sizeof(*g[i].cores));
		g[i].tgs = malloc(nt * sizeof(*g[i].tgs));
		if (!g[i].cores || !g[i].tgs)
			goto nomem;
		for (j = 0; j < t->ncores; j++)
			if (g[i].node < 0 || t->cores[j].node == g[i].node)
				g[i].cores[g[i].ncores++] = j;
	}
	/* Pass 0 places the targets of known nodes, pass 1 the others, so
	 * these see every group's full weight. */
	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < nt; j++) {
			for (i = 0; i < n; i++)
				if (g[i].node >= 0 && g[i].node == ts[j].node)
					break;
			if ((i < n) != (pass == 0))
				continue;
			/* least weight per core: w_k / c_k < w_i / c_i */
			for (k = 1, i = i < n ? i : 0; pass && k < n; k++)
				if ((unsigned __int128)g[k].weight * g[i].ncores <
				    (unsigned __int128)g[i].weight * g[k].ncores)
					i = k;
			g[i].tgs[g[i].ntgs++] = j;
			g[i].weight += weight_of(&ts[j]);
		}
	*out = g;
	*nout = n;
	return 0;
nomem:
	groups_free(g, n);
	return -ENOMEM;
}

/*
 * Fold every group into the first, over the cores of all their nodes: used
 * when the groups cannot each have threads of their own node. The result is
 * marked node -1, since its threads may be anywhere.
 */
static void groups_merge(const struct dgen_topology *t, struct group *g,
			 unsigned int *n)
{
	unsigned int i, j, k;

	for (i = 1; i < *n; i++) {
		for (j = 0; j < g[i].ntgs; j++)
			g[0].tgs[g[0].ntgs++] = g[i].tgs[j];
		g[0].weight += g[i].weight;
		free(g[i].cores);
		free(g[i].tgs);
		free(g[i].slots);
	}
	if (*n > 1) {
		int nodes[*n];

		for (i = 0; i < *n; i++)
			nodes[i] = g[i].node;
		g[0].ncores = 0;
		for (k = 0; k < t->ncores; k++)
			for (i = 0; i < *n; i++)
				if (nodes[i] < 0 || t->cores[k].node == nodes[i]) {
					g[0].cores[g[0].ncores++] = k;
					break;
				}
	}
	g[0].node = -1;
	*n = 1;
}

/* Threads on a group's own cores: core j, then the cores' second PUs... */
static int fill_slots(const struct dgen_topology *t, struct group *g,
		      unsigned int nthreads)
{
	unsigned int j;

	g->slots = calloc(nthreads ? nthreads : 1, sizeof(*g->slots));
	if (!g->slots)
		return -ENOMEM;
	for (j = 0; j < nthreads; j++) {
		unsigned int ci = g->cores[j % g->ncores];
		const struct dgen_topology_core *c = &t->cores[ci];
		unsigned int round = j / g->ncores;

		g->slots[j] = (struct slot) {
			.cpu = t->pus[c->first_pu + round % c->npus],
			.core = ci,
			.node = c->node,
		};
	}
	g->nslots = nthreads;
	return 0;
}

/*
 * --cpus: each thread to the group of its node, else all into one group.
 * Returns 1 when the groups had to be merged, 0, or -ENOMEM.
 */
static int slots_from_cpus(const struct dgen_topology *t, struct group *g,
			   unsigned int *ng, const unsigned int *cpus,
			   unsigned int ncpus, unsigned int nthreads)
{
	unsigned int i, j, matched = 1;
	struct slot s;

	for (i = 0; i < *ng; i++) {
		g[i].slots = calloc(nthreads, sizeof(*g[i].slots));
		if (!g[i].slots)
			return -ENOMEM;
	}
	for (j = 0; j < nthreads && matched; j++) {
		s.cpu = cpus[j % ncpus];
		s.core = (unsigned int)dgen_topology_core_of_cpu(t, s.cpu);
		s.node = t->cores[s.core].node;
		for (i = 0; i < *ng; i++)
			if (g[i].node < 0 || g[i].node == s.node)
				break;
		if (i == *ng)
			matched = 0;
		else
			g[i].slots[g[i].nslots++] = s;
	}
	for (i = 0; i < *ng && matched; i++)
		if (!g[i].nslots)
			matched = 0;
	if (matched)
		return 0;

	/* Some CPU is on no target's node, or some target's node has no CPU
	 * in the list: the user's CPUs serve all targets together. */
	groups_merge(t, g, ng);
	g[0].nslots = 0;
	for (j = 0; j < nthreads; j++) {
		s.cpu = cpus[j % ncpus];
		s.core = (unsigned int)dgen_topology_core_of_cpu(t, s.cpu);
		s.node = t->cores[s.core].node;
		g[0].slots[g[0].nslots++] = s;
	}
	return 1;
}

/*
 * Give a group's threads (plan->threads[base ..]) to its targets, and set
 * each thread's target list in @pairs (advanced past what is used).
 */
static int assign_targets(struct dgen_plan *p, const struct group *g,
			  const struct dgen_plan_target_spec *ts,
			  unsigned int base, unsigned int **pairs)
{
	unsigned int G = g->nslots, k = g->ntgs, i, j, th;
	uint64_t *w = NULL, *load = NULL;
	unsigned int *share = NULL, *order = NULL;
	int r = -ENOMEM;

	w = malloc(k * sizeof(*w));
	share = malloc(k * sizeof(*share));
	load = calloc(G, sizeof(*load));
	order = malloc(k * sizeof(*order));
	if (!w || !share || !load || !order)
		goto out;
	for (i = 0; i < k; i++)
		w[i] = weight_of(&ts[g->tgs[i]]);

	if (G >= k) {
		apportion(G, w, k, share);
		th = base;
		for (i = 0; i < k; i++) {
			struct dgen_plan_target *pt = &p->targets[g->tgs[i]];

			pt->first_thread = th;
			pt->nthreads = share[i];
			for (j = 0; j < share[i]; j++, th++) {
				(*pairs)[0] = g->tgs[i];
				p->threads[th].targets = *pairs;
				p->threads[th].ntargets = 1;
				(*pairs)++;
			}
		}
	} else {
		/* Longest processing time first: heaviest target to the least
		 * loaded thread; ties keep input order and the lower thread. */
		for (i = 0; i < k; i++)
			order[i] = i;
		for (i = 1; i < k; i++)
			for (j = i; j > 0 && w[order[j]] > w[order[j - 1]]; j--) {
				unsigned int x = order[j];

				order[j] = order[j - 1];
				order[j - 1] = x;
			}
		for (i = 0; i < k; i++) {
			unsigned int best = 0;

			for (j = 1; j < G; j++)
				if (load[j] < load[best])
					best = j;
			load[best] += w[order[i]];
			p->targets[g->tgs[order[i]]].first_thread = base + best;
			p->targets[g->tgs[order[i]]].nthreads = 1;
		}
		for (j = 0; j < G; j++) {
			p->threads[base + j].targets = *pairs;
			for (i = 0; i < k; i++)
				if (p->targets[g->tgs[i]].first_thread == base + j) {
					(*pairs)[0] = g->tgs[i];
					(*pairs)++;
					p->threads[base + j].ntargets++;
				}
		}
	}
	r = 0;
out:
	free(w);
	free(share);
	free(load);
	free(order);
	return r;
}

/* Pool sizes: a thread's cache share is split by the threads on its core. */
static int size_pools(struct dgen_plan *p, const struct dgen_topology *t,
		      const struct dgen_plan_target_spec *ts,
		      const struct dgen_plan_opts *o, char *msg, size_t msglen)
{
	unsigned int i, j, per_core, per_thread;
	int r;

	for (i = 0; i < p->ntargets; i++) {
		struct dgen_plan_target *pt = &p->targets[i];
		const struct dgen_plan_thread *th = &p->threads[pt->first_thread];
		const struct dgen_topology_core *c = &t->cores[th->core];
		struct dgen_pool_request req = {
			.limits = ts[i].limits,
			.threads = pt->nthreads,
			.io_size = o->io_size,
			.queue_depth = o->queue_depth,
			.one_request = o->one_request,
		};

		per_core = 0;
		for (j = 0; j < p->nthreads; j++)
			per_core += p->threads[j].core == th->core;
		per_thread = 1;
		for (j = 0; j < pt->nthreads; j++)
			if (p->threads[pt->first_thread + j].ntargets > per_thread)
				per_thread = p->threads[pt->first_thread + j].ntargets;
		req.cache_share = (c->l2_share + c->l3_share) / per_core;
		req.l2_share = c->l2_share / per_core;
		req.targets_per_thread = per_thread;
		r = dgen_pool_size(&req, &pt->pool, msg, msglen);
		if (r < 0)
			return r;
		for (j = 0; j < pt->nthreads; j++)
			p->threads[pt->first_thread + j].pool_bytes +=
				pt->pool.thread_bytes;
		p->bytes_in_flight += pt->pool.target_bytes;
	}
	return 0;
}

static void plan_why(struct dgen_plan *p, const struct group *g,
		     unsigned int ng, int merged, const struct dgen_plan_opts *o,
		     unsigned int ncores)
{
	size_t len = sizeof(p->why);
	int n;

	if (o->cpus)
		n = snprintf(p->why, len, "one per CPU of the list %s%s", o->cpus,
			     o->threads ? " (wrapping for the thread count)" : "");
	else if (o->threads)
		n = snprintf(p->why, len, "as many as asked (the nodes used have %u physical cores)",
			     ncores);
	else
		n = snprintf(p->why, len, "one per physical core");
	if (merged)
		snprintf(p->why + n, len - (size_t)n,
			 ", serving all targets together (%s)",
			 o->cpus ? "the CPUs do not match the targets' nodes" :
			 "fewer threads than target nodes");
	else if (g[0].node < 0)
		snprintf(p->why + n, len - (size_t)n, "%s",
			 o->cpus ? ", no target's node is known" :
			 ", on all nodes (no target's node is known)");
	else if (ng == 1)
		snprintf(p->why + n, len - (size_t)n,
			 ", on node %d, the targets' node", g[0].node);
	else
		snprintf(p->why + n, len - (size_t)n,
			 ", on %u nodes, each target's threads on its own node", ng);
}

/*
 * Without a CPU list: @nthreads threads over the @*ng groups in proportion
 * to their cores (merged into one group first when there are fewer
 * threads than groups), each group's on its own cores. Returns 1 if the
 * groups were merged, 0 if not, or -errno.
 */
static int slots_from_cores(const struct dgen_topology *t, struct group *g,
			    unsigned int *ng, unsigned int nthreads)
{
	unsigned int *seats, merged = 0;
	uint64_t *gw;
	int r = 0;

	if (nthreads < *ng) {
		groups_merge(t, g, ng);
		merged = 1;
	}
	seats = malloc(*ng * sizeof(*seats));
	gw = calloc(*ng, sizeof(*gw));
	if (!seats || !gw) {
		r = -ENOMEM;
		goto err;
	}
	/* Threads follow cores: with the default, each group gets exactly
	 * its own cores. */
	for (unsigned int i = 0; i < *ng; i++)
		gw[i] = g[i].ncores;
	apportion(nthreads, gw, *ng, seats);
	for (unsigned int i = 0; i < *ng && r >= 0; i++)
		r = fill_slots(t, &g[i], seats[i]);
err:
	free(seats);
	free(gw);
	return r < 0 ? r : (int)merged;
}

int dgen_plan_new(struct dgen_plan **out, const struct dgen_topology *t,
		  const struct dgen_plan_target_spec *targets,
		  unsigned int ntargets, const struct dgen_plan_opts *opts,
		  char *msg, size_t msglen)
{
	static const struct dgen_plan_opts none;
	const struct dgen_plan_opts *o = opts ? opts : &none;
	struct plan_mem *pm = NULL;
	struct dgen_plan *p;
	struct group *g = NULL;
	unsigned int ng = 0, *cpus = NULL, ncpus = 0, nthreads, ncores = 0;
	unsigned int i, j, base, *pairs;
	unsigned char *used = NULL;
	int r, merged = 0;

	*out = NULL;
	if (!ntargets)
		return dgen_refuse(-EINVAL, msg, msglen, "no targets to plan for");
	if (o->threads > DGEN_PLAN_THREADS_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				     "%u threads asked, more than %u", o->threads,
				     DGEN_PLAN_THREADS_MAX);
	if (o->cpus) {
		r = dgen_cpulist_parse(t, o->cpus, &cpus, msg, msglen);
		if (r < 0)
			return r;
		ncpus = (unsigned int)r;
	}
	r = make_groups(t, targets, ntargets, &g, &ng);
	if (r < 0)
		goto err;
	for (i = 0; i < ng; i++)
		ncores += g[i].ncores;

	if (cpus) {
		nthreads = o->threads ? o->threads : ncpus;
		r = slots_from_cpus(t, g, &ng, cpus, ncpus, nthreads);
		if (r < 0)
			goto err;
		merged = r;
	} else {
		nthreads = o->threads ? o->threads : ncores;
		r = slots_from_cores(t, g, &ng, nthreads);
		if (r < 0)
			goto err;
		merged = r;
	}

	r = -ENOMEM;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		goto err;
	p = &pm->pub;
	p->threads = calloc(nthreads, sizeof(*p->threads));
	p->targets = calloc(ntargets, sizeof(*p->targets));
	pm->pairs = calloc(nthreads + ntargets, sizeof(*pm->pairs));
	used = calloc(t->ncores, 1);
	if (!p->threads || !p->targets || !pm->pairs || !used)
		goto err;
	p->nthreads = nthreads;
	p->ntargets = ntargets;

	pairs = pm->pairs;
	base = 0;
	for (i = 0; i < ng; i++) {
		for (j = 0; j < g[i].nslots; j++) {
			struct dgen_plan_thread *th = &p->threads[base + j];

			th->cpu = g[i].slots[j].cpu;
			th->core = g[i].slots[j].core;
			th->node = g[i].slots[j].node;
			if (!used[th->core]++)
				p->cores_used++;
		}
		r = assign_targets(p, &g[i], targets, base, &pairs);
		if (r < 0)
			goto err;
		base += g[i].nslots;
	}
	p->oversubscribed = p->nthreads - p->cores_used;
	p->cpus_shared = !!o->cpus_shared;

	for (i = 0; i < ntargets; i++) {
		struct dgen_plan_target *pt = &p->targets[i];

		pt->name = targets[i].name;
		pt->node = targets[i].node;
		pt->weight = weight_of(&targets[i]);
		pt->local = pt->node >= 0;
		for (j = 0; j < pt->nthreads; j++)
			if (p->threads[pt->first_thread + j].node != pt->node)
				pt->local = 0;
	}
	r = size_pools(p, t, targets, o, msg, msglen);
	if (r < 0)
		goto err;
	plan_why(p, g, ng, merged, o, ncores);

	*out = p;
	pm = NULL;
	r = 0;
err:
	if (pm)
		dgen_plan_free(&pm->pub);
	groups_free(g, ng);
	free(cpus);
	free(used);
	return r;
}

void dgen_plan_free(struct dgen_plan *p)
{
	struct plan_mem *pm = (struct plan_mem *)p;

	if (!p)
		return;
	free(p->threads);
	free(p->targets);
	free(pm->pairs);
	free(pm);
}

/* ===== Description ===== */

struct text {
	char *buf;
	size_t len, pos;		/* pos may run past len: the size needed */
};

__attribute__((format(printf, 2, 3)))
static void put(struct text *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(x->pos < x->len ? x->buf + x->pos : NULL,
		      x->pos < x->len ? x->len - x->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		x->pos += (size_t)n;
}

size_t dgen_plan_describe(const struct dgen_plan *p,
			  const struct dgen_topology *t, char *buf, size_t len)
{
	struct text x = { .buf = buf, .len = len };
	char s1[32], s2[32];
	unsigned int i, j;
	uint64_t l2 = 0, l3 = 0;

	if (buf && len)
		buf[0] = '\0';
	for (i = 0; i < t->ncores; i++) {
		if (t->cores[i].l2_share > l2)
			l2 = t->cores[i].l2_share;
		if (t->cores[i].l3_share > l3)
			l3 = t->cores[i].l3_share;
	}
	put(&x, "machine: %s: %u package%s, %u NUMA node%s, %u cores, %u PUs; per core L2 %s, L3 share %s\n",
	    t->source, t->npackages, t->npackages == 1 ? "" : "s", t->nnodes,
	    t->nnodes == 1 ? "" : "s", t->ncores, t->npus,
	    dgen_bytes_str(s1, sizeof(s1), l2), dgen_bytes_str(s2, sizeof(s2), l3));
	put(&x, "threads: %u, %s\n", p->nthreads, p->why);
	if (p->oversubscribed)
		put(&x, "  note: %u thread%s more than the %u cores used: %s a core with another thread\n",
		    p->oversubscribed, p->oversubscribed == 1 ? "" : "s",
		    p->cores_used, p->oversubscribed == 1 ? "it shares" : "they share");
	if (p->cpus_shared)
		put(&x, "  cpus shared: each thread may run on the CPUs of all its node's threads (--cpus-policy shared)\n");
	put(&x, "  thread  cpu  core  node  buffers    targets\n");
	for (i = 0; i < p->nthreads; i++) {
		const struct dgen_plan_thread *th = &p->threads[i];

		put(&x, "  %6u  %3u  %4u  ", i, th->cpu, th->core);
		if (th->node >= 0)
			put(&x, "%4d", th->node);
		else
			put(&x, "%4s", "-");
		put(&x, "  %-9s ", dgen_bytes_str(s1, sizeof(s1), th->pool_bytes));
		for (j = 0; j < th->ntargets; j++)
			put(&x, " %s", p->targets[th->targets[j]].name);
		put(&x, "\n");
	}
	for (i = 0; i < p->ntargets; i++) {
		const struct dgen_plan_target *pt = &p->targets[i];

		put(&x, "target %s: node ", pt->name);
		if (pt->node >= 0)
			put(&x, "%d", pt->node);
		else
			put(&x, "-");
		put(&x, "%s, thread%s %u", pt->node < 0 ? " (not known)" :
		    pt->local ? " (threads local)" : " (some threads remote)",
		    pt->nthreads == 1 ? "" : "s", pt->first_thread);
		if (pt->nthreads > 1)
			put(&x, "-%u", pt->first_thread + pt->nthreads - 1);
		put(&x, ", %u x %s buffers per thread, %s in flight\n",
		    pt->pool.queue_depth,
		    dgen_bytes_str(s1, sizeof(s1), pt->pool.io_size),
		    dgen_bytes_str(s2, sizeof(s2), pt->pool.target_bytes));
		put(&x, "  %s\n", pt->pool.reason);
	}
	put(&x, "total: %u thread%s on %u core%s, %s in flight\n", p->nthreads,
	    p->nthreads == 1 ? "" : "s", p->cores_used,
	    p->cores_used == 1 ? "" : "s",
	    dgen_bytes_str(s1, sizeof(s1), p->bytes_in_flight));
	return x.pos;
}
