/* usdt_target: a small program with USDT (SystemTap SDT) probes for the usdt runtime tests. Built
 * with -O2 so the operands the compiler picks for probe arguments are a mix of registers, memory
 * references (stack, struct field through a pointer, rip-relative global) and constants.
 *
 *   usdt_target [N]        (N defaults to 3) fires, in this order:
 *     scry:ints(-5, 200, -1000, 60000, -100000, 4000000000, -5000000000)
 *                            int8, uint8, int16, uint16, int32, uint32, int64
 *     scry:str("hello usdt", 10)
 *     scry:constant(42, -7)  both operands are constants ($42, $-7)
 *     scry:mem(123, 456, 789) a global (rip-relative), a struct field through a pointer, a local
 *     scry:tick(i)           N times, i = 1..N
 *     scry:multi(x)          at two sites (one inlined helper, two call sites): x = 1 and x = N * 100
 *     scry:guarded(sem)      only if the probe's semaphore is set (PROBE_ENABLED), i.e. only while
 *                            a tracer is attached; sem is the semaphore's value
 *     scry:dup(1), other:dup(2)  the same probe name in two providers
 *     scry:indexed(30, 2)    arg0 is an element of a global array: an indexed memory operand
 *                            (base, index, scale), which scry cannot read; arg1 is a register
 *   and prints "done guarded=<times scry:guarded fired>".
 *   usdt_target loop       fires scry:tick(i) every 50 ms until killed (for -p)
 * Inputs go through volatile variables so the compiler cannot fold them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* With _SDT_HAS_SEMAPHORES every probe of this file has a semaphore (as with dtrace -G); the
 * kernel increments a probe's semaphore while a uprobe with that ref_ctr_offset is attached. Only
 * scry:guarded is written behind its semaphore (PROBE_ENABLED): the others always fire. */
#define SEMAPHORE(p, n) unsigned short p##_##n##_semaphore __attribute__((section(".probes"), used))
SEMAPHORE(scry, ints);
SEMAPHORE(scry, str);
SEMAPHORE(scry, constant);
SEMAPHORE(scry, mem);
SEMAPHORE(scry, tick);
SEMAPHORE(scry, multi);
SEMAPHORE(scry, guarded);
SEMAPHORE(scry, dup);
SEMAPHORE(other, dup);
SEMAPHORE(scry, indexed);
#define SCRY_GUARDED_ENABLED() __builtin_expect(scry_guarded_semaphore != 0, 0)

static volatile signed char v_i8 = -5;
static volatile unsigned char v_u8 = 200;
static volatile short v_i16 = -1000;
static volatile unsigned short v_u16 = 60000;
static volatile int v_i32 = -100000;
static volatile unsigned int v_u32 = 4000000000u;
static volatile long long v_i64 = -5000000000ll;

int scry_global = 123;
int scry_table[4] = {10, 20, 30, 40};
static volatile int v_index = 2;
struct rec {
	long pad;
	int field;
};

static inline __attribute__((always_inline)) void multi(int x) { DTRACE_PROBE1(scry, multi, x); }

__attribute__((noinline, noipa)) static void fire_mem(struct rec *r)
{
	volatile int local = 789;
	DTRACE_PROBE3(scry, mem, scry_global, r->field, local);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "loop")) {
		for (int i = 1;; i++) {
			DTRACE_PROBE1(scry, tick, i);
			usleep(50000);
		}
	}
	int n = argc > 1 ? atoi(argv[1]) : 3;
	signed char i8 = v_i8;
	unsigned char u8 = v_u8;
	short i16 = v_i16;
	unsigned short u16 = v_u16;
	int i32 = v_i32;
	unsigned int u32 = v_u32;
	long long i64 = v_i64;
	DTRACE_PROBE7(scry, ints, i8, u8, i16, u16, i32, u32, i64);

	/* strlen at run time: it faults the string's page in (a BPF program cannot) */
	static const char msg[] = "hello usdt";
	const char *volatile vmsg = msg;
	size_t len = strlen(vmsg);
	DTRACE_PROBE2(scry, str, vmsg, len);

	DTRACE_PROBE2(scry, constant, 42, -7);

	struct rec r = {0, 456};
	fire_mem(&r);

	for (volatile int i = 1; i <= n; i++)
		DTRACE_PROBE1(scry, tick, (int)i);

	multi(1);
	multi(n * 100);

	int guarded = 0;
	if (SCRY_GUARDED_ENABLED()) {
		guarded++;
		DTRACE_PROBE1(scry, guarded, scry_guarded_semaphore);
	}

	int idx = v_index;
	DTRACE_PROBE2(scry, indexed, scry_table[idx], idx);

	DTRACE_PROBE1(scry, dup, 1);
	DTRACE_PROBE1(other, dup, 2);

	printf("done guarded=%d\n", guarded);
	return 0;
}
