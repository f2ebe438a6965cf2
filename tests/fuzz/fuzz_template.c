/*
 * fuzz_template.c - libFuzzer target for the template loader: the input is
 * the text of thank-referrer.tmpl, the other mails get a minimal valid
 * file, and a set that loads is rendered with every placeholder set (a
 * value with a CR LF in it too).  Build with `make fuzz`.
 */
#include "fuzz_common.h"
#include "kinds.h"
#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char minimal[] = "Subject: s\n\nx\n";
	static int ready;
	const char *dir = fuzz_dir();
	struct template_set *set = NULL;
	struct tvar vars[128];
	size_t n = 0;

	if (!ready) {
		for (int k = 0; k < MAIL_COUNT; k++) {
			char name[80];

			snprintf(name, sizeof(name), "%s.tmpl", mail_name((enum mail_kind)k));
			fuzz_write(dir, name, (const uint8_t *)minimal, sizeof(minimal) - 1);
		}
		ready = 1;
	}
	fuzz_write(dir, "thank-referrer.tmpl", data, size);
	if (template_load(dir, &set) != 0)
		return 0;
	for (size_t i = 0; template_var_names[i] && n < 128; i++)
		vars[n++] = (struct tvar){template_var_names[i], i % 3 ? "Ann <a&b>" : "x\r\ny"};
	for (int k = 0; k < MAIL_COUNT; k++) {
		struct rendered r;

		if (template_render(set, (enum mail_kind)k, vars, n, &r, NULL) == 0)
			rendered_clear(&r);
	}
	template_free(set);
	return 0;
}
