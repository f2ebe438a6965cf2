/*
 * fuzz_config.c - libFuzzer target for the config loader: the input is a
 * refagent.conf.  Build with `make fuzz`.
 */
#include "config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_dir();
	struct config *cfg = NULL;
	char path[256];

	fuzz_write(dir, "refagent.conf", data, size);
	snprintf(path, sizeof(path), "%s/refagent.conf", dir);
	if (config_load(path, &cfg) == 0)
		config_free(cfg);
	return 0;
}
