/* links: stopping and tearing down attached probes.
 * Ownership: when a probe_link has both a libbpf link and a perf_fd, the fd was handed to
 * bpf_program__attach_perf_event and belongs to the link (libbpf disables and closes it in
 * bpf_link__destroy); only a perf_fd without a link is closed here.
 * Detaching a perf-event tracepoint waits for RCU grace periods in the kernel (60-90 ms each), so
 * more than a couple of links are destroyed from a few threads at once. */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probes/probe.h"

/* Threads used for teardown. The kernel serialises each tracepoint detach in two phases (closing
 * the BPF link: synchronize_rcu_tasks_trace under bpf_event_mutex, ~30 ms; closing the perf event:
 * tracepoint unregister + grace periods under event_mutex, ~35 ms), so two threads already pipeline
 * them and more barely help tracepoints; uprobe detaches (~110 ms) overlap better with more threads.
 * Measured on kernel 6.18, 2 CPUs (serial → 2/4/8 threads): 8 tracepoints 546 → 272/300/320 ms,
 * 16 tracepoints 1156 → 510/512-555/614-718 ms, 7 uprobes 870 → 700/660/567 ms. */
#ifndef DESTROY_THREADS
#define DESTROY_THREADS 4
#endif
#define DESTROY_PARALLEL_MIN 3

/* Stops interval/profile (perf-event programs) at once. Caveat, measured on 6.18: a tracepoint's BPF
 * program hangs off the tracepoint, not the perf event, and keeps running after
 * PERF_EVENT_IOC_DISABLE until its link is destroyed; stopping tracepoint data quickly needs a
 * stop flag checked by the programs. */
void probe_links_disable(struct probe_links *links)
{
	if (!links)
		return;
	for (size_t i = 0; i < links->v.n; i++)
		if (links->v.v[i].perf_fd >= 0)
			ioctl(links->v.v[i].perf_fd, PERF_EVENT_IOC_DISABLE, 0);
}

static void link_destroy(struct probe_link *l)
{
	if (l->link)
		bpf_link__destroy(l->link);
	else if (l->perf_fd >= 0)
		close(l->perf_fd);
	l->link = NULL;
	l->perf_fd = -1;
}

struct destroy_job {
	struct probe_link *v;
	size_t n;
	atomic_size_t next;
};

static void *destroy_worker(void *arg)
{
	struct destroy_job *job = arg;
	size_t i;
	while ((i = atomic_fetch_add(&job->next, 1)) < job->n)
		link_destroy(&job->v[i]);
	return NULL;
}

void probe_links_destroy(struct probe_links *links)
{
	if (!links)
		return;
	size_t n = links->v.n;
	if (n >= DESTROY_PARALLEL_MIN) {
		struct destroy_job job = {.v = links->v.v, .n = n};
		atomic_init(&job.next, 0);
		pthread_t tids[DESTROY_THREADS];
		size_t want = n < DESTROY_THREADS ? n : DESTROY_THREADS, started = 0;
		/* The calling thread works too, so start one thread fewer. */
		for (; started + 1 < want; started++)
			if (pthread_create(&tids[started], NULL, destroy_worker, &job))
				break;
		destroy_worker(&job);
		for (size_t i = 0; i < started; i++)
			pthread_join(tids[i], NULL);
	} else {
		for (size_t i = 0; i < n; i++)
			link_destroy(&links->v.v[i]);
	}
	VEC_FREE(links->v);
}

int probe_links_add_perf(struct probe_links *links, struct bpf_program *prog, int pfd, const char *what,
			 char **err)
{
	struct bpf_link *link = bpf_program__attach_perf_event(prog, pfd);
	if (!link) {
		int e = errno ? errno : EINVAL;
		close(pfd);
		*err = xasprintf("cannot attach %s: %s", what, strerror(e));
		return -e;
	}
	probe_links_add(links, link, pfd);
	return 0;
}

void probe_links_add(struct probe_links *links, struct bpf_link *link, int perf_fd)
{
	struct probe_link pl = {.link = link, .perf_fd = perf_fd};
	VEC_PUSH(links->v, pl);
}
