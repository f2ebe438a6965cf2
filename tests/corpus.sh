#!/usr/bin/env bash
# corpus.sh BIN - every message of the shared real-world corpus through
# `refagent ingest` on a sanitizer build (ASan + UBSan + LeakSanitizer):
# no crash, no leak, no sanitizer report, and every file accounted for (a
# referral, a touch, a reply, held, ignored with a reason, or a one-line
# error naming it).  A second run must find every message a duplicate.
#
# The corpus lives outside the project (../shared/corpus, or
# $REFAGENT_SHARED/corpus); where it is absent this test says it is
# skipped and why, and is not counted as passed.
set -uo pipefail
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
shared=${REFAGENT_SHARED:-$top/../shared}
corpus=$(realpath -m "$shared/corpus")
if [ ! -d "$corpus" ]; then
	echo "corpus: SKIPPED (not passed): no corpus at $corpus; set REFAGENT_SHARED to the folder holding corpus/"
	exit 0
fi
work=$(mktemp -d /tmp/refagent-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat >"$work/refagent.conf" <<EOC
[agent]
address = agent@biz.test
domains = biz.test
database = $work/corpus.db
filters = $top/filters
[reps]
rep@biz.test = Tom Rivera
EOC
mapfile -t files < <(find "$corpus" -type f ! -name 'SOURCES.md' | LC_ALL=C sort)
export ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
fail=0

run() { # run OUT ERR: ingest every file
	"$bin" -c "$work/refagent.conf" ingest "${files[@]}" >"$1" 2>"$2"
}

run "$work/out1" "$work/err1"
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
	echo "corpus: FAIL: refagent exited $rc (crash or sanitizer report)"; fail=1
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error|UndefinedBehaviorSanitizer' "$work/err1"; then
	echo "corpus: FAIL: sanitizer report:"; grep -m 20 -A 12 -E 'Sanitizer|runtime error' "$work/err1"; fail=1
fi
# every file named in a result line (stdout) or a one-line error (stderr)
missing=0
for f in "${files[@]}"; do
	if ! grep -qF -e "$f: " -e "$f[" "$work/out1" "$work/err1"; then
		[ $missing -lt 10 ] && echo "corpus: not accounted for: $f"
		missing=$((missing + 1))
	fi
done
[ $missing -eq 0 ] || { echo "corpus: FAIL: $missing files not accounted for"; fail=1; }
# every stderr line is one line naming a file of the corpus (or the summary)
bad=$(grep -v -e "^refagent: error: $corpus/" -e '^refagent: ingested ' "$work/err1" | head -5)
[ -z "$bad" ] || { echo "corpus: FAIL: stderr lines that name no message:"; echo "$bad"; fail=1; }
summary=$(grep '^refagent: ingested ' "$work/err1")
echo "corpus: ${#files[@]} files: ${summary#refagent: }"

# second pass: nothing is processed twice
run "$work/out2" "$work/err2"
rc=$?
second=$(grep '^refagent: ingested ' "$work/err2")
made=$(grep -o '[0-9]* referral,' <<<"$second" | grep -o '[0-9]*')
if [ "${made:-x}" != 0 ] || grep -qE 'Sanitizer|runtime error' "$work/err2"; then
	echo "corpus: FAIL: second pass made referrals or failed: $second"; fail=1
fi
errors_first=$(grep -c '' <(grep -v '^refagent: ingested ' "$work/err1"))
notdup=$(grep -vc ': duplicate' "$work/out2")
if [ "$notdup" -ne 0 ]; then
	echo "corpus: FAIL: $notdup messages were not duplicates on the second pass:"
	grep -v ': duplicate' "$work/out2" | head -5; fail=1
fi
echo "corpus: second pass: ${second#refagent: }"
[ $fail = 0 ] && echo "corpus: ok (ASan+UBSan+LSan clean, $errors_first one-line errors, every file accounted for)"
exit $fail
