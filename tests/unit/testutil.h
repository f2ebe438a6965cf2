/*
 * testutil.h - what every cmocka unit test includes.
 */
#ifndef REFAGENT_TESTUTIL_H
#define REFAGENT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

/* Reads tests/data/NAME (tests run from the top of the tree). */
static inline char *test_read_data(const char *name, size_t *len)
{
	char path[512];
	char *data = NULL;
	size_t n = 0;

	snprintf(path, sizeof(path), "tests/data/%s", name);
	if (file_read(path, 64u << 20, &data, &n) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		return NULL;
	}
	if (len)
		*len = n;
	return data;
}

#endif
