/* cgstart.c -- LD_PRELOADed into tshark by bench/bench.py under
 * `valgrind --tool=callgrind --instr-atstart=no`.
 *
 * tshark's start-up (registering every dissector, about 0.6 G instructions) and
 * epan_new()'s per-file init routines (0.2 G) are the same in every run and are subtracted
 * anyway (a `-c 1` run); running them uninstrumented saves about 4 s of every callgrind run.
 * This switches instrumentation on when epan_new() returns, before the first packet: what
 * callgrind then counts is dissection, output and tear-down.  Outside valgrind the request
 * is a no-op.
 *
 * It also fixes g_random_int(): wmem maps (the conversation table among them) multiply
 * their hashes by a number drawn from it at start-up, so chain lengths, and with them the
 * instruction counts, differ from run to run by up to 0.3 %.  A fixed odd multiplier,
 * the same with and without the plugin, makes every count repeat exactly.  And it fixes
 * time(), which Lua's string hash seed mixes in, and the random bytes that c-ares and
 * libxml2 draw (see below).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <valgrind/callgrind.h>

typedef void *(*epan_new_fn)(void *provider, const void *funcs);

void *
epan_new(void *provider, const void *funcs)
{
    static epan_new_fn real;
    void *epan;

    if (!real)
        real = (epan_new_fn)dlsym(RTLD_NEXT, "epan_new");
    epan = real(provider, funcs);
    CALLGRIND_START_INSTRUMENTATION;
    return epan;
}

unsigned int
g_random_int(void)
{
    return 0x9e3779b1u;
}

/* Lua seeds its string hash with time() (luai_makeseed): the chains of its string table, and
 * with them the instructions its collector and lua_close() at exit spend, changed from one
 * second to the next.  A fixed clock makes them repeat; tshark reading a file does not
 * otherwise look at the clock. */
time_t
time(time_t *tloc)
{
    const time_t fixed = 1700000000;

    if (tloc)
        *tloc = fixed;
    return fixed;
}

/* Randomness a library draws at start-up, fixed: the same stream (splitmix64 from a constant
 * seed) in every run, with and without the plugin.
 * - c-ares (tshark's resolver, set up even when nothing is resolved) keeps its servers and
 *   queries in skip lists whose node heights it draws from arc4random_buf(): the heights set
 *   the size of each node's allocation, so from there on the heap lay differently in every
 *   run, and with it what malloc and free spent for the rest of the run.
 * - libxml2 (2.15, not 2.9) seeds its hash tables with getentropy(): the heap diverged
 *   while the xml dissector loaded its DTDs at start-up.
 * - getrandom() for whatever else asks the kernel directly. */
static uint64_t
fixed_random(void)
{
    static uint64_t state = 0x9e3779b97f4a7c15u;
    uint64_t z = (state += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void
arc4random_buf(void *buf, size_t len)
{
    unsigned char *p = buf;

    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(fixed_random() >> 56);
}

uint32_t
arc4random(void)
{
    return (uint32_t)(fixed_random() >> 32);
}

uint32_t
arc4random_uniform(uint32_t upper_bound)
{
    return upper_bound ? arc4random() % upper_bound : 0;
}

int
getentropy(void *buf, size_t len)
{
    arc4random_buf(buf, len);
    return 0;
}

ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
    (void)flags;
    arc4random_buf(buf, len);
    return (ssize_t)len;
}
