/*
 * fuzz_rules.c - libFuzzer target for the rules loader (filter_load): the
 * input is one rules file.  A set that loads is also run once over a small
 * message, so the compiled patterns meet a subject.  Build with
 * `make fuzz` (see the Makefile).
 */
#include "filter.h"
#include "fuzz_common.h"
#include "message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mail[] = "From: Sarah Lee <sarah@partner.test>\n"
	                           "To: Bob <bob@client.test>\n"
	                           "Cc: agent@biz.test\n"
	                           "Subject: Bob, meet Tom\n\n"
	                           "Hi Bob, meet Tom. You can reach Bob at +1 415 555 0142.\n";
	static struct message *m;
	const char *dir = fuzz_dir();
	struct filter_set *set = NULL;

	if (m == NULL) {
		char *err = NULL;

		message_init();
		if (message_parse(mail, sizeof(mail) - 1, &m, &err) != 0)
			abort();
	}
	fuzz_write(dir, "a.rules", data, size);
	if (filter_load(dir, &set) == 0) {
		struct filter_result res = {0};

		filter_run(set, m, 1, &res);
		filter_result_clear(&res);
		free(filter_context(set, m->body));
		filter_free(set);
	}
	return 0;
}
