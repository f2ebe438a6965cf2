/*
 * fuzz_common.h - what the loader fuzz targets share: a scratch folder the
 * input is written into as a file, since the admin's rules, templates and
 * config reach the agent as files.  Each loader prints its faults on
 * stderr; a fuzz run would drown in them, so stderr goes to /dev/null
 * unless FUZZ_VERBOSE is set.
 */
#ifndef REFAGENT_FUZZ_COMMON_H
#define REFAGENT_FUZZ_COMMON_H

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A scratch folder made once per process ("/dev/shm" when there is one). */
static inline const char *fuzz_dir(void)
{
	static char dir[64];

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/refagent-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("mkdtemp");
			abort();
		}
		if (getenv("FUZZ_VERBOSE") == NULL) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0) {
				dup2(fd, 2);
				close(fd);
			}
		}
	}
	return dir;
}

/* Writes data to dir/name; aborts when it cannot (a fuzzing setup fault). */
static inline void fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

#endif
