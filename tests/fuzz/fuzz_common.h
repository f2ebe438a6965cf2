/*
 * fuzz_common.h - what the fuzz targets share: the setup each makes once
 * per process (fuzz_setup), and a scratch folder the replay writes the
 * input into as a file, since the admin's rules, templates and config
 * reach the agent as files.
 *
 * The loaders print their faults, and the parser its warnings, on stderr;
 * a fuzz run would drown in them, so the stderr stream goes to /dev/null
 * unless FUZZ_VERBOSE is set.  Only the stream: file descriptor 2 stays
 * where it was, so a sanitizer's report (written to the descriptor) still
 * shows, in a replay as in a fuzz run.
 *
 * A target built for libFuzzer runs one input after another in one
 * process, thousands a second, so what does not depend on the input is
 * done once rather than per input, and the loader targets hand the input
 * to the loaders as text.  The replay build (replay.c, -DFUZZ_REPLAY)
 * runs the same targets over a few hundred inputs, and there each loader
 * target also writes the input as a file, loads it the way the agent
 * does, and aborts when the two ways disagree.
 */
#ifndef REFAGENT_FUZZ_COMMON_H
#define REFAGENT_FUZZ_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The real stderr, for the harness's own complaints. */
static FILE *fuzz_stderr;
/*
 * GMime opens an iconv descriptor for every charset conversion and closes
 * it after, and glibc unloads a charset's module soon after its last
 * descriptor closes, to load it again (dlopen, under ASan a good part of
 * an input's time) at the next use.  A descriptor held open for each
 * charset mail uses most keeps its module loaded; the conversions are the
 * same.
 */
static const char *const fuzz_charsets[] = {
        "ISO-8859-1",  "WINDOWS-1252", "ISO-8859-15", "ISO-8859-2", "UTF-7",
        "UTF-16",      "WINDOWS-1251", "KOI8-R",      "SHIFT_JIS",  "EUC-JP",
        "ISO-2022-JP", "GB18030",      "BIG5",        "EUC-KR",
};
static iconv_t fuzz_charsets_held[sizeof(fuzz_charsets) / sizeof(fuzz_charsets[0])];

/* Once per process: stderr quiet, the common charsets kept loaded. */
static inline void fuzz_setup(void)
{
	static int ready;

	if (ready)
		return;
	ready = 1;
	fuzz_stderr = stderr;
	for (size_t i = 0; i < sizeof(fuzz_charsets) / sizeof(fuzz_charsets[0]); i++)
		fuzz_charsets_held[i] = iconv_open("UTF-8", fuzz_charsets[i]);
	if (getenv("FUZZ_VERBOSE") == NULL) {
		/* fully buffered: a fault line costs no write of its own */
		FILE *null = fopen("/dev/null", "we");

		if (null != NULL) {
			setvbuf(null, NULL, _IOFBF, 1 << 16);
			stderr = null;
		}
	}
}

static char fuzz_scratch[64];

/* At exit: the scratch folder and the files written into it go. */
static inline void fuzz_dir_remove(void)
{
	DIR *d = opendir(fuzz_scratch);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[sizeof(fuzz_scratch) + 256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", fuzz_scratch, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(fuzz_scratch);
}

/* A scratch folder made once per process ("/dev/shm" when there is one). */
static inline const char *fuzz_dir(void)
{
	if (fuzz_scratch[0] == '\0') {
		fuzz_setup();
		snprintf(fuzz_scratch, sizeof(fuzz_scratch), "%s/refagent-fuzz-XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(fuzz_scratch) == NULL) {
			fprintf(fuzz_stderr, "mkdtemp: %s\n", strerror(errno));
			abort();
		}
		atexit(fuzz_dir_remove);
	}
	return fuzz_scratch;
}

/* Writes data to dir/name; aborts when it cannot (a fuzzing setup fault). */
static inline void fuzz_write(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		fprintf(fuzz_stderr, "%s: %s\n", path, strerror(errno));
		abort();
	}
}

#endif
