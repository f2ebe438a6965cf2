#!/usr/bin/env bash
# bench_poll.sh BIN CORPUS_MAILDIR - the poll benchmark: `refagent poll
# --once` of a new mailbox of BENCH_POLL_N messages (default 5000, taken
# from the ingest corpus) on the loopback Dovecot, beside mbsync (isync,
# FSync no) copying the same mailbox; both write to tmpfs (/dev/shm), so
# the figure is the protocol and the processing, not the disk.  Median of
# BENCH_RUNS runs (default 3), process start included.  Dovecot has read
# the mailbox once before (its index is built), for both alike.  Needs
# root (the mail world).  Prints the table and the ratio.
set -euo pipefail
BIN=$1
CORPUS=$2
N=${BENCH_POLL_N:-5000}
RUNS=${BENCH_RUNS:-3}
E2E_NAME=benchpoll
E2E_PORT_BASE=17240
. "$(dirname "$0")/e2e/lib.sh"
shm=$(mktemp -d /dev/shm/refagent-benchpoll.XXXXXX)
trap 'world_stop; rm -rf "$shm"' EXIT
world_start

# the mailbox: N messages of the corpus, as delivered
box=$MAILWORLD_DIR/mail/biz.test/agent/Maildir
mkdir -p "$box/cur" "$box/new" "$box/tmp"
python3 - "$CORPUS" "$box/new" "$N" <<'EOP'
import os, shutil, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(src, d, f) for d in ("cur", "new") if os.path.isdir(os.path.join(src, d))
               for f in os.listdir(os.path.join(src, d)))[:n]
for i, f in enumerate(files, 1):
    shutil.copyfile(f, os.path.join(dst, "%d.bench.mailworld:2," % i))
EOP
chown -R "$(stat -c %u "$MAILWORLD_DIR/mail")":"$(stat -c %g "$MAILWORLD_DIR/mail")" \
	"$MAILWORLD_DIR/mail/biz.test" 2>/dev/null || true
got=$(imap_count agent@biz.test) # Dovecot indexes the mailbox here
[ "$got" = "$N" ] || { echo "bench: the mailbox holds $got messages, want $N" >&2; exit 1; }

sed "s|^database = .*|database = $shm/refagent.db|" "$W/refagent.conf" >"$W/poll.conf"
cat >"$W/mbsyncrc" <<EOC
FSync no
IMAPAccount world
Host 127.0.0.1
Port $MW_IMAP_PORT
User agent@biz.test
Pass pw
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account world

MaildirStore local
Path $shm/mbsync/
Inbox $shm/mbsync/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
EOC

now() { date +%s.%N; }
calc() { awk "BEGIN { print $* }"; }
median() { sort -g | sed -n "$(((RUNS + 1) / 2))p"; }
ra=() ms=()
for ((r = 0; r < RUNS; r++)); do
	rm -rf "$shm"/refagent.db* "$shm/mbsync"
	mkdir -p "$shm/mbsync"
	t0=$(now)
	"$BIN" -c "$W/poll.conf" -q poll --once 2>"$W/poll.log" || { tail -3 "$W/poll.log" >&2; exit 1; }
	t1=$(now)
	grep -q "polled $N messages" "$W/poll.log" || { tail -1 "$W/poll.log" >&2; exit 1; }
	ra+=("$(calc "$t1 - $t0")")
	t0=$(now)
	mbsync -q -c "$W/mbsyncrc" bench >"$W/mbsync.log" 2>&1 || { tail -3 "$W/mbsync.log" >&2; exit 1; }
	t1=$(now)
	copied=$(find "$shm/mbsync/INBOX" -type f \( -path '*/new/*' -o -path '*/cur/*' \) | wc -l)
	[ "$copied" = "$N" ] || { echo "bench: mbsync copied $copied messages, want $N" >&2; exit 1; }
	ms+=("$(calc "$t1 - $t0")")
done
ra_s=$(printf '%s\n' "${ra[@]}" | median)
ms_s=$(printf '%s\n' "${ms[@]}" | median)
ratio=$(calc "$ms_s / $ra_s")
printf '\npoll benchmark: %d new messages from the loopback Dovecot to tmpfs, median of %d runs\n' "$N" "$RUNS"
printf '%-34s %10s %10s\n' contender seconds msgs/s
printf '%-34s %10.3f %10.0f\n' "refagent poll --once" "$ra_s" "$(calc "$N / $ra_s")"
printf '%-34s %10.3f %10.0f\n' "mbsync (FSync no, a copy only)" "$ms_s" "$(calc "$N / $ms_s")"
if [ "$(calc "($ratio >= 1) ? 1 : 0")" = 1 ]; then
	printf 'target (poll no slower than mbsync): met, %.2fx\n' "$ratio"
else
	printf 'target (poll no slower than mbsync): NOT met, %.2fx\n' "$ratio"
fi
