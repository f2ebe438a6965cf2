/*
 * clock.c - the agent's only source of "now" (see clock.h).
 */
#include "clock.h"

#include <time.h>

static int64_t pinned;

int64_t clock_now(void)
{
	return pinned ? pinned : (int64_t)time(NULL);
}

void clock_set(int64_t t)
{
	pinned = t;
}

int64_t clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
