/* uprobe_target: a small program for the uprobe/uretprobe runtime tests. Every traced function is
 * kept out of line and out of interprocedural optimisation, so each call really happens and its
 * arguments arrive in the ABI's argument registers.
 *
 *   uprobe_target [N]   (N defaults to 5)
 *     scry_add(40, 2)                    once, returns 42
 *     scry_mul(-6, 7)                    once, returns -42
 *     scry_tick(i)                       N times, i = 1..N, returns i * 10
 *     scry_glob_one/_two/_three()        once each, return 1/2/3
 *     scry_local(5)                      once, a static function (only in .symtab), returns 6
 *     scry::count(unsigned) (mangled)    once with 7, symbol _ZN4scry5countEj, returns 8
 *     scry_six(1, 2, 3, 4, 5, 6)         once, returns 21 (all six register arguments)
 * and prints "done <sum of the results>". Inputs go through volatile variables so the compiler
 * cannot fold the calls. */
#include <stdio.h>
#include <stdlib.h>

#if defined(__GNUC__) && !defined(__clang__)
#define TRACED __attribute__((noinline, noipa, used))
#else
#define TRACED __attribute__((noinline, optnone, used))
#endif

TRACED int scry_add(int a, int b) { return a + b; }
TRACED long scry_mul(long a, long b) { return a * b; }
TRACED int scry_tick(int i) { return i * 10; }
TRACED int scry_glob_one(void) { return 1; }
TRACED int scry_glob_two(void) { return 2; }
TRACED int scry_glob_three(void) { return 3; }
TRACED static int scry_local(int x) { return x + 1; }
/* A C++-style mangled symbol name, written from C: scry::count(unsigned int). */
TRACED unsigned scry_count(unsigned x) __asm__("_ZN4scry5countEj");
unsigned scry_count(unsigned x) { return x + 1; }
TRACED long scry_six(long a, long b, long c, long d, long e, long f) { return a + b + c + d + e + f; }

static volatile int v40 = 40, v2 = 2, v5 = 5, v7 = 7;
static volatile long vm6 = -6, v7l = 7;

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5;
	long sum = scry_add(v40, v2);
	sum += scry_mul(vm6, v7l);
	for (int i = 1; i <= n; i++)
		sum += scry_tick(i);
	sum += scry_glob_one() + scry_glob_two() + scry_glob_three();
	sum += scry_local(v5);
	sum += scry_count((unsigned)v7);
	sum += scry_six(1, 2, 3, 4, 5, 6);
	printf("done %ld\n", sum);
	return 0;
}
