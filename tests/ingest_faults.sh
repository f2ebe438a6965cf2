#!/usr/bin/env bash
# ingest_faults.sh BIN - `ingest` when things go wrong, without servers:
#   - a full disk (an 8 MB tmpfs, which the database and its WAL fill
#     after the first commit): the summary counts what was committed, says
#     how many messages were not, and ingest stops after three files in a
#     row could not be written, saying how many were left
#   - a locked database (another process holding the write lock): the
#     error names the database file, the next file is still processed
#   - an mbox larger than max_message_size whose messages are small, with
#     one message over the limit (skipped, named), and a large mbox read in
#     flat memory
#   - folders within folders, a Maildir's cur/ and new/, hidden files and
#     a FIFO (named as skipped)
# Needs root for the tmpfs (as the end-to-end tests do).
set -uo pipefail
BIN=$1
top=$(cd "$(dirname "$0")/.." && pwd)
data=$top/tests/data
work=$(mktemp -d /tmp/refagent-faults.XXXXXX)
lockpid=
cleanup() {
	[ -n "$lockpid" ] && kill "$lockpid" 2>/dev/null
	mountpoint -q "$work/full" && umount "$work/full"
	rm -rf "$work"
}
trap cleanup EXIT
pass=0
fail() { echo "ingest-faults: FAIL: $*" >&2; exit 1; }
ok() { pass=$((pass + 1)); }
expect() {
	local want=$1; shift
	"$@" >"$work/out" 2>"$work/err"
	local rc=$?
	[ $rc = "$want" ] || fail "'$*' exited $rc, want $want; stderr: $(head -5 "$work/err")"
}
has() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2': $(head -8 "$work/$1")"; }
lacks() { ! grep -qF -- "$2" "$work/$1" || fail "$1 has '$2'"; }
conf() { # conf NAME DB [extra [agent] lines]
	local name=$1 db=$2; shift 2
	{
		printf '[agent]\naddress = agent@biz.test\ndomains = biz.test\ndatabase = %s\n' "$db"
		printf 'filters = %s\ntemplates = %s\n' "$top/filters" "$top/templates"
		for l in "$@"; do printf '%s\n' "$l"; done
		printf '[reps]\nrep@biz.test = Tom Rivera\n'
	} >"$work/$name.conf"
}
# intro N: an introduction of its own lead, with a body of about 600 bytes
intro() {
	cat <<EOM
From: Referrer $1 <ref$1@partner.test>
To: Lead $1 <lead$1@client.test>
Cc: agent@biz.test
Subject: Intro: Lead $1 <> Brightpath
Message-ID: <fault-$1@partner.test>
Date: Tue, 01 Dec 2026 10:00:00 +0000

Lead $1, meet Brightpath. Happy to connect you two; they redid our kitchen
last year and were great. Lead $1 wants a bathroom remodel this spring and
has a budget of about \$20,000. Best number is (415) 555-0142.

Best,
Referrer $1
EOM
}
# mbox FROM TO: intros FROM..TO as an mbox (one awk, not a process each)
mbox() { awk -v a="$1" -v b="$2" -v tag=fault -f "$top/tests/gen_intros.awk"; }
# committed DB: messages stored
committed() { sqlite3 "$1" 'SELECT count(*) FROM messages'; }

# ---- a full disk ----
mkdir "$work/full"
mount -t tmpfs -o size=8m tmpfs "$work/full" || fail "cannot mount a tmpfs (run as root)"
conf full "$work/full/db.sqlite"
# each file longer than a batch (INGEST_BATCH, 2,000), so that each has a
# commit of its own to fail
per=2400
for f in 1 2 3 4 5 6; do mbox $(((f - 1) * per + 1)) $((f * per)) >"$work/part$f.mbox"; done
expect 1 "$BIN" -c "$work/full.conf" ingest --quiet "$work"/part{1,2,3,4,5,6}.mbox
n=$(committed "$work/full/db.sqlite")
[ "$n" -gt 0 ] && [ "$n" -lt $((6 * per)) ] || fail "full disk: $n messages committed (want some, not all)"
has err "refagent: ingested $n messages"
has err "database or disk is full"
has err "$work/full/db.sqlite: "
has err "messages not committed: processed again by the next run"
has err "stopping after 3 files in a row could not be written"
has err "3 files could not be written, "; has err " files not processed"; ok
# what was not committed is processed by the next run, once there is room
umount "$work/full"
mkdir -p "$work/roomy"
conf roomy "$work/roomy/db.sqlite"
expect 0 "$BIN" -c "$work/roomy.conf" ingest --quiet "$work"/part{1,2,3,4,5,6}.mbox
has err "ingested $((6 * per)) messages"; lacks err "not committed"; ok

# ---- a locked database ----
conf locked "$work/locked.sqlite"
cp "$data/intake/intro-basic.eml" "$work/a.eml"
intro 9001 >"$work/b.eml"
expect 0 "$BIN" -c "$work/locked.conf" ingest "$data/intake/web-form.eml"
# another writer holds the lock for 13 s: the first file waits the 10 s
# busy timeout and fails, the second gets the lock once it is free
(
	echo "BEGIN IMMEDIATE; INSERT INTO counters (business, name, value) VALUES ('lock-test', 'lock-test', 1);"
	sleep 13
	echo "ROLLBACK;"
) | sqlite3 "$work/locked.sqlite" &
lockpid=$!
sleep 0.5
expect 1 "$BIN" -c "$work/locked.conf" ingest "$work/a.eml" "$work/b.eml"
wait "$lockpid"; lockpid=
has err "$work/a.eml: $work/locked.sqlite: "
has err "database is locked"
has out "$work/b.eml: referral"
has err "ingested 1 messages"
has err "1 messages not committed: processed again by the next run"
has err "1 files could not be written"; ok
expect 0 "$BIN" -c "$work/locked.conf" ingest "$work/a.eml" "$work/b.eml"
has out "a.eml: referral"; has out "b.eml: duplicate"; ok

# ---- an mbox over max_message_size, of small messages ----
conf small "$work/small.sqlite" "max_message_size = 4096"
{
	mbox 1 20
	printf 'From big@partner.test Tue Dec  1 10:00:00 2026\n'
	intro 21 | sed 's/^Message-ID: .*/Message-ID: <fault-big@partner.test>/'
	for ((i = 0; i < 80; i++)); do echo "A long line of the oversized message, number $i of many."; done
	echo
	mbox 22 30
} >"$work/small.mbox"
[ "$(stat -c %s "$work/small.mbox")" -gt 4096 ] || fail "the mbox is not over the limit"
expect 1 "$BIN" -c "$work/small.conf" ingest "$work/small.mbox"
has out "small.mbox[20]: referral"
has out "small.mbox[22]: referral"
has err "small.mbox[21]: a message of "
has err "larger than max_message_size (4096 bytes); skipped"
has err "ingested 29 messages"; ok
# a single file over the limit is still refused unread
intro 40 >"$work/big.eml"
for ((i = 0; i < 80; i++)); do echo "padding line $i of a message too large to read" >>"$work/big.eml"; done
expect 1 "$BIN" -c "$work/small.conf" ingest "$work/big.eml"
has err "big.eml: larger than max_message_size (4096 bytes); not read"; ok

# a 100 MB mbox is read a message at a time: the same 40 KB message 2,500
# times (the first is stored, the others are duplicates), in flat memory
conf flat "$work/flat.sqlite"
{
	printf 'From x@partner.test Tue Dec  1 10:00:00 2026\n'
	intro 50
	head -c 40000 /dev/zero | tr '\0' 'x' | fold -w 76
	echo
} >"$work/one.mbox"
for ((i = 0; i < 50; i++)); do cat "$work/one.mbox"; done >"$work/fifty.mbox"
for ((i = 0; i < 50; i++)); do cat "$work/fifty.mbox"; done >"$work/flat.mbox"
size=$(stat -c %s "$work/flat.mbox")
[ "$size" -gt 100000000 ] || fail "flat.mbox is $size bytes"
# On a sanitizer build (make check SANITIZE=1) ASan keeps 256 MB of freed
# memory in quarantine and adds its own: a small quarantine and twice the
# bound there, still far below the 100 MB the file would take if it were
# held whole
limit=65536
if grep -q __asan_init "$BIN"; then
	limit=131072
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
fi
/usr/bin/time -f '%M' -o "$work/rss" "$BIN" -c "$work/flat.conf" ingest --quiet --no-mail \
	"$work/flat.mbox" >"$work/out" 2>"$work/err" || fail "flat.mbox: $(head -3 "$work/err")"
has err "ingested 2500 messages"; has err "2499 duplicate"
rss=$(cat "$work/rss")
[ "$rss" -lt "$limit" ] || fail "ingest of a $size byte mbox took $rss KB of memory"; ok

# ---- folders within folders ----
conf tree "$work/tree.sqlite"
t=$work/tree
mkdir -p "$t/a/Maildir/cur" "$t/a/Maildir/new" "$t/a/Maildir/tmp" "$t/b/c" "$t/.hidden"
intro 61 >"$t/a/Maildir/cur/1.x:2,S"
intro 62 >"$t/a/Maildir/new/2.x"
intro 63 >"$t/a/Maildir/tmp/3.x" # being delivered: not taken
intro 64 >"$t/b/c/4.eml"
intro 65 >"$t/b/5.eml"
intro 66 >"$t/.hidden/6.eml"
intro 67 >"$t/.7.eml"
intro 68 >"$t/0.eml"
mkfifo "$t/b/pipe"
# a link is followed (readdir types it a link; stat says what it points at)
mkdir -p "$work/elsewhere"
intro 69 >"$work/elsewhere/9.eml"
ln -s "$work/elsewhere/9.eml" "$t/b/9.eml"
expect 0 "$BIN" -c "$work/tree.conf" ingest "$t"
has out "tree/0.eml: referral #1"
has out "tree/a/Maildir/cur/1.x:2,S: referral #2"
has out "tree/a/Maildir/new/2.x: referral #3"
has out "tree/b/5.eml: referral #4"
has out "tree/b/9.eml: referral #5"
has out "tree/b/c/4.eml: referral #6"
lacks out "3.x"; lacks out "6.eml"; lacks out "7.eml"
has err "$t/b/pipe: skipped: not a regular file"
has err "ingested 6 messages"; ok

echo "ingest-faults: $pass checks passed"
