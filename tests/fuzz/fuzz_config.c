/*
 * fuzz_config.c - libFuzzer target for the config loader: the input is a
 * refagent.conf.  Build with `make fuzz`.
 *
 * The fuzzer loads the input with config_load_text, the loader without
 * the file (writing and reading it cost more than a small config's
 * parse), as the config DIR/refagent.conf of a scratch folder, so the
 * paths in it resolve as they would.  The replay (-DFUZZ_REPLAY) also
 * writes that file, loads it with config_load, and aborts when the two
 * ways disagree.
 */
#include "config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef FUZZ_REPLAY
/* The file way, which must come to what the text's came to (rc); aborts
 * when it does not. */
static void check_file(const char *path, const uint8_t *data, size_t size, int rc)
{
	struct config *cfg = NULL;

	fuzz_write(fuzz_dir(), "refagent.conf", data, size);
	if (config_load(path, &cfg) != rc) {
		fprintf(fuzz_stderr, "config_load and config_load_text disagree\n");
		abort();
	}
	config_free(cfg);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[256];
	struct config *cfg = NULL;
	int rc;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "%s/refagent.conf", fuzz_dir());
	rc = config_load_text(path, (const char *)data, size, &cfg);
	config_free(cfg);
#ifdef FUZZ_REPLAY
	check_file(path, data, size, rc);
#else
	(void)rc;
#endif
	return 0;
}
