/*
 * clock.h - the one place the agent reads the time.
 *
 * Everything that depends on "now" (record stamps, due jobs, reminders)
 * asks clock_now().  Unit tests pin the clock with clock_set(); end-to-end
 * tests run the binary under faketime(1), which moves time(2) itself.
 */
#ifndef REFAGENT_CLOCK_H
#define REFAGENT_CLOCK_H

#include <stdint.h>

/* Unix seconds. */
int64_t clock_now(void);
/* Pins the clock at t (t > 0) or releases it (t == 0).  For tests. */
void clock_set(int64_t t);
/* Milliseconds of a clock that only goes forward (CLOCK_MONOTONIC), for
 * measuring intervals such as a lease's renewals; clock_set does not move
 * it. */
int64_t clock_mono_ms(void);

#endif
