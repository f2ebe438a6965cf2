#!/bin/sh
# run-unit.sh BUILD TEST... - runs each cmocka unit test binary (under
# valgrind when VALGRIND=1), from the top of the tree so tests find
# tests/data and filters/.  Fails when any test fails.
set -u
build=$1; shift
fail=0; n=0
for t in "$@"; do
	n=$((n + 1))
	if [ "${VALGRIND:-0}" = 1 ]; then
		out=$(valgrind -q --error-exitcode=99 --leak-check=full --suppressions="$(dirname "$0")/valgrind.supp" "$t" 2>&1)
	else
		out=$("$t" 2>&1)
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$out"
		echo "FAIL: $t (exit $rc)"
		fail=1
	else
		echo "ok   $(basename "$t"): $(echo "$out" | grep -o '[0-9]* test(s) run' | head -1)"
	fi
done
[ $fail = 0 ] && echo "unit: $n test programs passed"
exit $fail
