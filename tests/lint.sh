#!/bin/sh
# lint.sh - formatting (clang-format, .clang-format) and banned functions.
# Banned, after curl's lib/checksrc.pl: unbounded or locale/overflow-blind
# calls that have a safe replacement in this tree.
set -u
cd "$(dirname "$0")/.."
fail=0
files=$(ls agent/*.c include/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c 2>/dev/null)
if command -v clang-format >/dev/null 2>&1; then
	for f in $files; do
		if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
			echo "lint: $f: not formatted (clang-format -i $f)"
			fail=1
		fi
	done
else
	echo "lint: clang-format not installed (make deps)" >&2
	fail=1
fi
banned='\b(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|atof|gets|tmpnam|mktemp)[[:space:]]*\('
if grep -nE "$banned" $files; then
	echo "lint: banned function above (use snprintf/buf_printf, xstrdup, strtok_r, parse_long)"
	fail=1
fi
# The vocabulary is declared once (include/kinds.h): a status or mail name
# written as a string anywhere but agent/kinds.c is a second declaration.
names=$(grep -oE '^ *\[(STATUS|MAIL)_[A-Z_]+\] = \{"[a-z-]+"' agent/kinds.c | sed 's/.*"\([a-z-]*\)"$/\1/')
[ -n "$names" ] || { echo "lint: no status or mail names found in agent/kinds.c"; fail=1; }
for n in $names; do
	if grep -ln "\"$n\"" agent/*.c | grep -v '^agent/kinds.c$'; then
		echo "lint: \"$n\" is a status or mail name: use status_name()/mail_name() (kinds.h)"
		fail=1
	fi
done
[ $fail = 0 ] && echo "lint: ok ($(echo $files | wc -w) files)"
exit $fail
