/*
 * replay.c - runs a fuzz target's LLVMFuzzerTestOneInput over files given
 * on the command line, without libFuzzer: `make check` replays the seeds
 * and every crash the fuzzers ever found (tests/fuzz/seeds/TARGET/) with a
 * sanitizer build, so a fixed fault stays fixed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *data = NULL;
		size_t len = 0;

		if (file_read(argv[i], 1 << 24, &data, &len) != 0) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		free(data);
	}
	printf("replayed %d input%s\n", argc - 1, argc == 2 ? "" : "s");
	return 0;
}
