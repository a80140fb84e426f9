/* watch_target: a program for the watchpoint runtime tests. The watched variable lives at a fixed
 * address, WATCH_ADDR (a page mapped there with MAP_FIXED_NOREPLACE), so a test can name it in
 * its script before the program runs.
 *
 *   watch_target [N [DELAY_MS [THREAD]]]    (N defaults to 5, DELAY_MS to 0)
 *     prints "addr 0x5c0de000" and the address of the global `scry_watched`, waits DELAY_MS
 *     (time for `scry -p` to attach), then writes N times to the watched slot (values 1..N),
 *     reads it N times, and writes N times to the global. With THREAD set to 1 the writes to the
 *     watched slot are made by a second thread, created after the delay (so only a watchpoint
 *     inherited by new threads sees them). Prints "done <sum>". */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define WATCH_ADDR 0x5c0de000UL

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

volatile long scry_watched;
static volatile long *slot;
static long n_writes = 5;

static void *writer(void *arg)
{
	for (long i = 1; i <= n_writes; i++)
		*slot = i;
	return arg;
}

int main(int argc, char **argv)
{
	n_writes = argc > 1 ? atol(argv[1]) : 5;
	long delay_ms = argc > 2 ? atol(argv[2]) : 0;
	int thread = argc > 3 && atoi(argv[3]);
	void *page = mmap((void *)WATCH_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	if (page != (void *)WATCH_ADDR) {
		perror("mmap at WATCH_ADDR");
		return 1;
	}
	slot = page;
	printf("addr %p global %p\n", page, (void *)&scry_watched);
	fflush(stdout);
	if (delay_ms > 0) {
		struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	if (thread) {
		pthread_t t;
		if (pthread_create(&t, NULL, writer, NULL))
			return 1;
		pthread_join(t, NULL);
	} else {
		writer(NULL);
	}
	long sum = 0;
	for (long i = 0; i < n_writes; i++)
		sum += *slot;
	for (long i = 1; i <= n_writes; i++)
		scry_watched = i;
	printf("done %ld\n", sum + scry_watched);
	return 0;
}
