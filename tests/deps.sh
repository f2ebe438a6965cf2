#!/bin/sh
# deps.sh [bench|fuzz] - install the Debian packages refagent needs that are
# missing.  As root it runs apt-get; otherwise it prints the one line to run.
# Why each package is there: README.md, "Dependencies".
set -eu

# build: compiler, pkg-config, the five core libraries, the helper libraries,
# libpq (the PostgreSQL client library: the shared store)
PKGS="build-essential pkg-config libetpan-dev libgmime-3.0-dev libsqlite3-dev \
libpcre2-dev libcurl4-gnutls-dev libinih-dev libjansson-dev libxml2-dev libcsv-dev libpq-dev"
# tests: cmocka, a real IMAP server (Dovecot; its oauth2 passdb is in
# dovecot-core) and SMTP server (Postfix), real mail clients (swaks, curl),
# jq to read --json, clang-format for lint, faketime to move the clock,
# msmtp as the send benchmark's peer, sqlite3 to hold a lock and count rows
# in the ingest fault tests, python3 for the OAuth2 test's token
# endpoint (tests/e2e/oauth_endpoint.py, standard library only); man,
# groff and col to render the man pages, systemd-analyze to verify the units;
# chromium (headless) and node to load the report page in a real browser;
# a PostgreSQL server (initdb, pg_ctl, psql) that tests/pg.sh starts for
# the store's tests on PostgreSQL
PKGS="$PKGS libcmocka-dev dovecot-imapd dovecot-lmtpd postfix swaks curl jq \
clang-format faketime msmtp sqlite3 ca-certificates openssl tzdata python3 \
man-db groff-base bsdextrautils systemd chromium nodejs postgresql"
if [ "${1:-}" = bench ]; then
	# the ingest benchmark's corpus generator and peers; mbsync (isync),
	# the poll benchmark's peer.  npm only when no npm is there: a nodejs
	# from NodeSource carries its own and conflicts with Debian's package
	PKGS="$PKGS isync"
	command -v npm >/dev/null || PKGS="$PKGS npm"
fi
if [ "${1:-}" = fuzz ]; then
	# make fuzz: clang's libFuzzer and its sanitizers
	PKGS="$PKGS clang"
fi

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "refagent: missing packages; run as root:" >&2
	echo "  apt-get update && apt-get install -y --no-install-recommends$missing" >&2
	exit 2
fi
echo "refagent: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix: "No configuration" keeps its postinst from writing /etc/postfix/main.cf;
# the tests run their own instance with their own config.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/tmp/refagent-apt.log 2>&1 || {
	tail -n 30 /tmp/refagent-apt.log >&2
	echo "refagent: apt-get install failed (log: /tmp/refagent-apt.log)" >&2
	exit 1
}
# On a host with systemd the packages start system-wide daemons on the
# standard ports; the tests do not need them.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable --now dovecot postfix postgresql >/dev/null 2>&1 || true
fi
echo "refagent: packages installed"
