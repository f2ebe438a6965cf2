/*
 * store.c - the agent's memory: one SQLite database (the only module that
 * includes sqlite3, see STYLE.md).
 *
 * Why it is built this way:
 *  - The schema is a list of migrations below; migration i takes
 *    PRAGMA user_version i to i+1 inside one transaction together with the
 *    version bump, so a crash mid-way leaves the old version intact and the
 *    next open simply tries again.  A file written by a newer build is
 *    refused rather than guessed at.
 *  - WAL lets `list` and reports read while the daemon writes;
 *    synchronous=NORMAL is durable across process crashes in WAL mode (a
 *    power cut may lose the last commits, which IMAP simply delivers
 *    again); busy_timeout lets a second writer wait instead of failing.
 *  - Every statement is prepared once, on first use, and kept in st->stmt:
 *    intake runs the same ten statements for every message, and preparing
 *    them each time would cost more than running them.  Values are always
 *    bound, never pasted into SQL.  Strings are bound SQLITE_STATIC (no
 *    copy) because every statement is reset and its bindings cleared before
 *    the call that bound them returns (stmt_done).
 *  - Errors are kept as text naming the operation and the SQLite message,
 *    e.g. "insert message <a@b>: UNIQUE constraint failed: messages.key".
 */
#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "log.h"
#include "util.h"

/*
 * Schema migrations.  migrations[i] takes user_version i to i+1.  Append
 * only: never edit a migration that has shipped, add a new one instead.
 *
 * Schema 1 is laid out so the next features only add: new tables, and new
 * NULL-able columns through ALTER TABLE ... ADD COLUMN (which SQLite does
 * without rewriting the table).  A migration that must rebuild a table has
 * to turn foreign_keys off around its transaction (the pragma is a no-op
 * inside one), see https://www.sqlite.org/lang_altertable.html section 7.
 *
 * Names: every CHECK is named so a failure says which rule broke.
 */
const char *const store_statuses[9] = {"new",  "contacted", "qualified", "proposal", "won",
                                       "lost", "held",      "rejected",  "expired"};

/* The statuses that close a referral (see DESIGN.md, Statuses). */
#define CLOSED_STATUSES "('won', 'lost', 'rejected', 'expired')"

static const char *const migrations[] = {
        /* 0 -> 1: the first schema. */
        "CREATE TABLE people ("
        "  id         INTEGER PRIMARY KEY,"
        /* NULL for someone known by name only (a web form); UNIQUE allows
         * any number of NULLs.  Stored lower case (ASCII, like str_lower);
         * GLOB is case-sensitive, so the check does not depend on how this
         * SQLite build folds case. */
        "  email      TEXT UNIQUE COLLATE NOCASE"
        "             CONSTRAINT people_email_lower CHECK (email IS NULL OR"
        "               (length(email) > 0 AND email NOT GLOB '*[A-Z]*')),"
        "  name       TEXT,"
        "  phone      TEXT,"
        "  company    TEXT,"
        "  created_at INTEGER NOT NULL"
        ");"

        "CREATE TABLE referrals ("
        "  id               INTEGER PRIMARY KEY,"
        "  status           TEXT NOT NULL CONSTRAINT referral_status CHECK (status IN"
        "                     ('new', 'contacted', 'qualified', 'proposal', 'won', 'lost',"
        "                      'held', 'rejected', 'expired')),"
        "  referrer_id      INTEGER REFERENCES people(id),"
        "  lead_id          INTEGER NOT NULL REFERENCES people(id),"
        "  rep_email        TEXT COLLATE NOCASE,"
        "  rep_name         TEXT,"
        "  need             TEXT,"
        "  budget           TEXT,"
        "  timeline         TEXT,"
        "  context          TEXT,"
        "  subject          TEXT,"
        "  held_reason      TEXT,"
        "  thread_key       TEXT,"
        "  value            REAL,"
        "  created_at       INTEGER NOT NULL,"
        "  updated_at       INTEGER NOT NULL,"
        "  first_contact_at INTEGER,"
        "  closed_at        INTEGER,"
        "  last_activity_at INTEGER NOT NULL"
        ");"
        /* store_referral_open_for_lead. */
        "CREATE INDEX referrals_lead_status ON referrals(lead_id, status);"
        /* store_referral_list by status (rowid order within a status). */
        "CREATE INDEX referrals_status ON referrals(status);"
        /* No index on referrer_id yet: nothing here looks referrals up by
         * referrer, people are never deleted, and it cost intake 3%.  The
         * migration that adds check-ins and rewards adds it. */

        "CREATE TABLE messages ("
        "  id          INTEGER PRIMARY KEY,"
        "  key         TEXT NOT NULL UNIQUE,"
        "  direction   TEXT NOT NULL CONSTRAINT message_direction"
        "                CHECK (direction IN ('in', 'out')),"
        "  kind        TEXT NOT NULL,"
        "  why         TEXT,"
        "  mailbox     TEXT,"
        "  uidvalidity INTEGER,"
        "  uid         INTEGER,"
        "  source      TEXT,"
        "  from_email  TEXT,"
        "  subject     TEXT,"
        "  date        INTEGER,"
        "  at          INTEGER NOT NULL"
        ");"
        /* store_message_count. */
        "CREATE INDEX messages_kind ON messages(kind);"

        /* The primary key serves message -> referrals (store_thread_find);
         * the index serves referral -> messages. */
        "CREATE TABLE message_referrals ("
        "  message_id  INTEGER NOT NULL REFERENCES messages(id),"
        "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
        "  PRIMARY KEY (message_id, referral_id)"
        ") WITHOUT ROWID;"
        "CREATE INDEX message_referrals_referral ON message_referrals(referral_id);"

        "CREATE TABLE events ("
        "  id          INTEGER PRIMARY KEY,"
        "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
        "  at          INTEGER NOT NULL,"
        "  actor       TEXT NOT NULL,"
        "  kind        TEXT NOT NULL,"
        "  old_status  TEXT,"
        "  new_status  TEXT,"
        "  detail      TEXT,"
        "  message_id  INTEGER REFERENCES messages(id)"
        ");"
        /* store_referral_get: a referral's events in time order. */
        "CREATE INDEX events_referral ON events(referral_id, at);"

        "CREATE TABLE checkpoints ("
        "  mailbox     TEXT NOT NULL PRIMARY KEY,"
        "  uidvalidity INTEGER NOT NULL CONSTRAINT checkpoint_uidvalidity"
        "                CHECK (uidvalidity BETWEEN 0 AND 4294967295),"
        "  last_uid    INTEGER NOT NULL CONSTRAINT checkpoint_last_uid"
        "                CHECK (last_uid BETWEEN 0 AND 4294967295)"
        ") WITHOUT ROWID;"

        "CREATE TABLE counters ("
        "  name  TEXT NOT NULL PRIMARY KEY,"
        "  value INTEGER NOT NULL"
        ") WITHOUT ROWID;",

        /* 1 -> 2: outgoing mail (jobs), and what people asked of it. */
        "ALTER TABLE people ADD COLUMN opted_out_at INTEGER;"
        "ALTER TABLE people ADD COLUMN opt_out_source TEXT;"
        "ALTER TABLE people ADD COLUMN bouncing_at INTEGER;"
        "ALTER TABLE people ADD COLUMN bounce_reason TEXT;"
        /* random, for the List-Unsubscribe address of this person */
        "ALTER TABLE people ADD COLUMN token TEXT;"
        "CREATE UNIQUE INDEX people_token ON people(token) WHERE token IS NOT NULL;"
        /* when this person last got (or was scheduled) a check-in */
        "ALTER TABLE people ADD COLUMN checkin_at INTEGER;"
        /* check-ins look referrals up by referrer */
        "CREATE INDEX referrals_referrer ON referrals(referrer_id, created_at);"

        "CREATE TABLE jobs ("
        "  id              INTEGER PRIMARY KEY,"
        "  referral_id     INTEGER REFERENCES referrals(id),"
        "  template        TEXT NOT NULL,"
        "  recipient       TEXT NOT NULL CONSTRAINT job_recipient_lower"
        "                    CHECK (length(recipient) > 0 AND recipient NOT GLOB '*[A-Z]*'),"
        "  recipient_name  TEXT,"
        "  cc              TEXT,"
        "  seq             INTEGER NOT NULL DEFAULT 0,"
        "  note            TEXT,"
        "  due_at          INTEGER NOT NULL,"
        "  next_attempt_at INTEGER NOT NULL,"
        "  state           TEXT NOT NULL DEFAULT 'pending' CONSTRAINT job_state"
        "                    CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),"
        "  attempts        INTEGER NOT NULL DEFAULT 0,"
        "  last_error      TEXT,"
        /* unique by construction (referral, template and 64 random
         * bits, schedule_message_id); no index needed to enforce it */
        "  message_key     TEXT NOT NULL,"
        "  in_reply_to     TEXT,"
        "  refs            TEXT,"
        "  claimed_by      TEXT,"
        "  claimed_until   INTEGER,"
        "  created_at      INTEGER NOT NULL,"
        "  done_at         INTEGER"
        ");"
        /* Partial indexes: picking due jobs and cancelling them touch only
         * pending rows, so their cost does not grow with the sent ones. */
        "CREATE INDEX jobs_due ON jobs(next_attempt_at) WHERE state = 'pending';"
        "CREATE INDEX jobs_referral ON jobs(referral_id, template) WHERE state = 'pending';"
        /* the daily cap per recipient */
        "CREATE INDEX jobs_sent ON jobs(recipient, done_at) WHERE state = 'sent';",

        /* 2 -> 3: replies that move referrals: the reward ledger and status
         * lines waiting for the rep's confirmation. */
        "CREATE TABLE rewards ("
        "  id          INTEGER PRIMARY KEY,"
        "  referral_id INTEGER NOT NULL UNIQUE REFERENCES referrals(id),"
        "  referrer_id INTEGER REFERENCES people(id),"
        "  amount      REAL NOT NULL CONSTRAINT reward_amount CHECK (amount >= 0),"
        "  rule        TEXT,"
        "  state       TEXT NOT NULL DEFAULT 'owed' CONSTRAINT reward_state"
        "                CHECK (state IN ('owed', 'paid')),"
        "  created_at  INTEGER NOT NULL,"
        "  paid_at     INTEGER"
        ");"
        "CREATE TABLE confirmations ("
        "  id          INTEGER PRIMARY KEY,"
        "  referral_id INTEGER NOT NULL REFERENCES referrals(id),"
        "  rep         TEXT NOT NULL,"
        "  command     TEXT NOT NULL,"
        "  arg         TEXT,"
        "  message_key TEXT NOT NULL UNIQUE,"
        "  state       TEXT NOT NULL DEFAULT 'pending' CONSTRAINT confirmation_state"
        "                CHECK (state IN ('pending', 'applied', 'declined')),"
        "  created_at  INTEGER NOT NULL,"
        "  done_at     INTEGER"
        ");"
        /* expiry looks for open referrals by their last activity */
        "CREATE INDEX referrals_activity ON referrals(last_activity_at)"
        "  WHERE status NOT IN " CLOSED_STATUSES ";",
};

_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

/* The columns of a referral view, in the order view_fill reads them. */
#define REFERRAL_VIEW_SELECT                                                                       \
	"SELECT r.id, r.status, rp.name, rp.email, rp.phone, rp.company, lp.name, lp.email,"       \
	" lp.phone, lp.company, r.rep_name, r.rep_email, r.need, r.budget, r.timeline,"            \
	" r.context, r.subject, r.held_reason, r.created_at, r.updated_at, r.first_contact_at,"    \
	" r.value, r.thread_key, r.referrer_id, r.lead_id FROM referrals r"                        \
	" LEFT JOIN people rp ON rp.id = r.referrer_id"                                            \
	" JOIN people lp ON lp.id = r.lead_id "

/* The columns of a job view, in the order job_fill reads them. */
#define JOB_VIEW_SELECT                                                                            \
	"SELECT id, referral_id, template, recipient, recipient_name, cc, seq, note, due_at,"      \
	" next_attempt_at, state, attempts, last_error, message_key, in_reply_to, refs,"           \
	" created_at, done_at FROM jobs "

enum stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_MESSAGE_FIND,
	ST_MESSAGE_ADD,
	ST_MESSAGE_LINK,
	ST_THREAD_FIND,
	ST_MESSAGE_COUNT,
	ST_MESSAGE_COUNT_ALL,
	ST_PERSON_FIND,
	ST_PERSON_ENSURE,
	ST_PERSON_FILL,
	ST_REFERRAL_ADD,
	ST_REFERRAL_OPEN_FOR_LEAD,
	ST_REFERRAL_TOUCH,
	ST_REFERRAL_SET_STATUS,
	ST_REFERRAL_FIRST_CONTACT,
	ST_EVENT_ADD,
	ST_CHECKPOINT_GET,
	ST_CHECKPOINT_SET,
	ST_COUNTER_BUMP,
	ST_COUNTER_PEEK,
	ST_REFERRAL_LIST_ALL,
	ST_REFERRAL_LIST_STATUS,
	ST_REFERRAL_GET,
	ST_EVENT_LIST,
	ST_JOB_ADD,
	ST_JOBS_DUE,
	ST_JOB_NEXT_DUE,
	ST_JOB_CLAIM,
	ST_JOB_SENT,
	ST_JOB_RETRY,
	ST_JOB_FINISH,
	ST_JOBS_CANCEL_REFERRAL,
	ST_JOBS_CANCEL_RECIPIENT,
	ST_JOB_LIST_ALL,
	ST_JOB_LIST_STATE,
	ST_JOB_GET,
	ST_SENT_WINDOW,
	ST_PERSON_FLAGS,
	ST_PERSON_SET_TOKEN,
	ST_CHECKIN_DUE,
	ST_PERSON_SET_CHECKIN,
	ST_PERSON_OPT_OUT,
	ST_PERSON_BOUNCING,
	ST_PERSON_BY_TOKEN,
	ST_MESSAGE_FIND_OUT,
	ST_REFERRAL_SET_REFERRER,
	ST_REFERRALS_STALE,
	ST_REFERRALS_OF_REFERRER,
	ST_REFERRALS_OF_LEAD,
	ST_REWARD_ADD,
	ST_REWARD_LIST,
	ST_REWARD_PAY,
	ST_CONFIRM_ADD,
	ST_CONFIRM_FIND,
	ST_CONFIRM_DONE,
	ST_REPORT_STATUS,
	ST_REPORT_CONTACT,
	ST_REPORT_REFERRERS,
	ST_REPORT_REWARDS,
	ST__COUNT
};

static const struct {
	const char *name; /* for "prepare <name>: ..." errors */
	const char *sql;
} stmt_def[ST__COUNT] = {
        [ST_BEGIN] = {"begin", "BEGIN IMMEDIATE"},
        [ST_COMMIT] = {"commit", "COMMIT"},
        [ST_ROLLBACK] = {"rollback", "ROLLBACK"},
        [ST_MESSAGE_FIND] = {"message find", "SELECT id FROM messages WHERE key = ?1"},
        [ST_MESSAGE_ADD] = {"message add",
                            "INSERT INTO messages (key, direction, kind, why, mailbox, uidvalidity,"
                            " uid, source, from_email, subject, date, at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"},
        [ST_MESSAGE_LINK] =
                {"message link",
                 "INSERT INTO message_referrals (message_id, referral_id) VALUES (?1, ?2)"
                 " ON CONFLICT DO NOTHING"},
        [ST_THREAD_FIND] = {"thread find",
                            "SELECT mr.referral_id FROM messages m"
                            " JOIN message_referrals mr ON mr.message_id = m.id WHERE m.key = ?1"},
        [ST_MESSAGE_COUNT] = {"message count", "SELECT count(*) FROM messages WHERE kind = ?1"},
        [ST_MESSAGE_COUNT_ALL] = {"message count", "SELECT count(*) FROM messages"},
        /* Tried first by store_person_ensure: id, and whether the name is
         * empty. */
        [ST_PERSON_FIND] = {"person find",
                            "SELECT id, coalesce(name, '') = '' FROM people WHERE email = ?1"},
        /* New address, a name to fill, or a row another process just added:
         * one atomic statement.  DO UPDATE (not DO NOTHING) so RETURNING
         * gives the existing id on conflict. */
        [ST_PERSON_ENSURE] = {"person ensure",
                              "INSERT INTO people (email, name, created_at) VALUES (?1, ?2, ?3)"
                              " ON CONFLICT (email) DO UPDATE"
                              " SET name = coalesce(nullif(name, ''), excluded.name, name)"
                              " RETURNING id"},
        [ST_PERSON_FILL] = {"person fill",
                            "UPDATE people SET phone = coalesce(nullif(phone, ''), ?2, phone),"
                            " company = coalesce(nullif(company, ''), ?3, company) WHERE id = ?1"},
        [ST_REFERRAL_ADD] =
                {"referral add",
                 "INSERT INTO referrals (status, referrer_id, lead_id, rep_email, rep_name,"
                 " need, budget, timeline, context, subject, held_reason, thread_key,"
                 " created_at, updated_at, last_activity_at)"
                 " VALUES (coalesce(?1, 'new'), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                 " ?12, ?13, ?13, ?13)"},
        [ST_REFERRAL_OPEN_FOR_LEAD] =
                {"referral open for lead",
                 "SELECT min(r.id) FROM people p JOIN referrals r ON r.lead_id = p.id"
                 " WHERE p.email = ?1 AND r.status NOT IN " CLOSED_STATUSES},
        /* max(): mail ingested late (an old file) must not make a referral
         * look idle. */
        [ST_REFERRAL_TOUCH] = {"referral touch",
                               "UPDATE referrals SET last_activity_at = max(last_activity_at, ?2)"
                               " WHERE id = ?1"},
        [ST_REFERRAL_SET_STATUS] = {"referral set status",
                                    "UPDATE referrals SET status = ?2,"
                                    " value = CASE WHEN ?3 THEN ?4 ELSE value END,"
                                    " updated_at = ?5,"
                                    " last_activity_at = max(last_activity_at, ?5),"
                                    " closed_at = CASE WHEN ?2 IN " CLOSED_STATUSES
                                    " THEN coalesce(closed_at, ?5) END"
                                    " WHERE id = ?1"},
        [ST_REFERRAL_FIRST_CONTACT] =
                {"referral first contact",
                 "UPDATE referrals SET first_contact_at = ?2, updated_at = ?2,"
                 " last_activity_at = max(last_activity_at, ?2)"
                 " WHERE id = ?1 AND first_contact_at IS NULL"},
        [ST_EVENT_ADD] =
                {"event add",
                 "INSERT INTO events (referral_id, at, actor, kind, old_status, new_status,"
                 " detail, message_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
        [ST_CHECKPOINT_GET] = {"checkpoint get",
                               "SELECT uidvalidity, last_uid FROM checkpoints WHERE mailbox = ?1"},
        [ST_CHECKPOINT_SET] =
                {"checkpoint set",
                 "INSERT INTO checkpoints (mailbox, uidvalidity, last_uid)"
                 " VALUES (?1, ?2, ?3) ON CONFLICT (mailbox) DO UPDATE"
                 " SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid"},
        /* No RETURNING: see store_counter_next. */
        [ST_COUNTER_BUMP] = {"counter next", "INSERT INTO counters (name, value) VALUES (?1, 1)"
                                             " ON CONFLICT (name) DO UPDATE SET value = value + 1"},
        [ST_COUNTER_PEEK] = {"counter peek", "SELECT value FROM counters WHERE name = ?1"},
        [ST_REFERRAL_LIST_ALL] = {"referral list", REFERRAL_VIEW_SELECT "ORDER BY r.id"},
        [ST_REFERRAL_LIST_STATUS] = {"referral list",
                                     REFERRAL_VIEW_SELECT "WHERE r.status = ?1 ORDER BY r.id"},
        [ST_REFERRAL_GET] = {"referral get", REFERRAL_VIEW_SELECT "WHERE r.id = ?1"},
        [ST_EVENT_LIST] =
                {"event list",
                 "SELECT e.at, e.actor, e.kind, e.old_status, e.new_status, e.detail, m.key"
                 " FROM events e LEFT JOIN messages m ON m.id = e.message_id"
                 " WHERE e.referral_id = ?1 ORDER BY e.at, e.id"},

        [ST_JOB_ADD] =
                {"job add",
                 "INSERT INTO jobs (referral_id, template, recipient, recipient_name, cc,"
                 " seq, note, due_at, next_attempt_at, message_key, in_reply_to, refs,"
                 " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12)"},
        [ST_JOBS_DUE] = {"jobs due",
                         JOB_VIEW_SELECT "WHERE state = 'pending' AND next_attempt_at <= ?1"
                                         " AND (claimed_until IS NULL OR claimed_until <= ?1)"
                                         " ORDER BY next_attempt_at, id LIMIT ?2"},
        [ST_JOB_NEXT_DUE] = {"jobs next due",
                             "SELECT min(next_attempt_at) FROM jobs WHERE state = 'pending'"},
        [ST_JOB_CLAIM] =
                {"job claim",
                 "UPDATE jobs SET claimed_by = ?2, claimed_until = ?4 WHERE id = ?1"
                 " AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?3)"},
        [ST_JOB_SENT] = {"job sent",
                         "UPDATE jobs SET state = 'sent', done_at = ?2, last_error = ?3,"
                         " attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL"
                         " WHERE id = ?1 AND state = 'pending'"},
        [ST_JOB_RETRY] = {"job retry",
                          "UPDATE jobs SET next_attempt_at = ?2, last_error = ?3,"
                          " attempts = attempts + ?4, claimed_by = NULL, claimed_until = NULL"
                          " WHERE id = ?1 AND state = 'pending'"},
        [ST_JOB_FINISH] = {"job finish",
                           "UPDATE jobs SET state = ?2, done_at = ?3, last_error = ?4,"
                           " attempts = attempts + ?5, claimed_by = NULL, claimed_until = NULL"
                           " WHERE id = ?1 AND state = 'pending'"},
        [ST_JOBS_CANCEL_REFERRAL] = {"jobs cancel",
                                     "UPDATE jobs SET state = 'cancelled', done_at = ?3,"
                                     " last_error = ?4 WHERE referral_id = ?1"
                                     " AND state = 'pending' AND (?2 IS NULL OR template = ?2)"},
        [ST_JOBS_CANCEL_RECIPIENT] =
                {"jobs cancel", "UPDATE jobs SET state = 'cancelled', done_at = ?2,"
                                " last_error = ?3 WHERE recipient = ?1 AND state = 'pending'"},
        [ST_JOB_LIST_ALL] = {"job list", JOB_VIEW_SELECT "ORDER BY id"},
        [ST_JOB_LIST_STATE] = {"job list", JOB_VIEW_SELECT "WHERE state = ?1 ORDER BY id"},
        [ST_JOB_GET] = {"job get", JOB_VIEW_SELECT "WHERE id = ?1"},
        [ST_SENT_WINDOW] = {"sent count",
                            "SELECT count(*), min(done_at) FROM jobs"
                            " WHERE recipient = ?1 AND state = 'sent' AND done_at > ?2"},
        [ST_PERSON_FLAGS] = {"person flags",
                             "SELECT id, opted_out_at, bouncing_at, token FROM people"
                             " WHERE email = ?1"},
        [ST_PERSON_SET_TOKEN] = {"person token",
                                 "UPDATE people SET token = ?2 WHERE id = ?1 AND token IS NULL"},
        [ST_CHECKIN_DUE] = {"check-ins due",
                            "SELECT p.id, p.email, p.name FROM people p WHERE p.email IS NOT NULL"
                            " AND p.opted_out_at IS NULL AND p.bouncing_at IS NULL"
                            " AND EXISTS (SELECT 1 FROM referrals r WHERE r.referrer_id = p.id"
                            "   AND r.created_at >= ?1)"
                            " AND coalesce(p.checkin_at, (SELECT min(r.created_at) FROM referrals r"
                            "   WHERE r.referrer_id = p.id)) <= ?2"
                            " ORDER BY p.id LIMIT ?3"},
        [ST_PERSON_OPT_OUT] = {"person opt out",
                               "UPDATE people SET opted_out_at = ?2, opt_out_source = ?3"
                               " WHERE email = ?1 AND opted_out_at IS NULL"},
        [ST_PERSON_BOUNCING] = {"person bouncing",
                                "UPDATE people SET bouncing_at = ?2, bounce_reason = ?3"
                                " WHERE email = ?1"},
        [ST_PERSON_BY_TOKEN] = {"person by token", "SELECT email FROM people WHERE token = ?1"},
        [ST_MESSAGE_FIND_OUT] = {"sent message find",
                                 "SELECT m.id, (SELECT min(referral_id) FROM message_referrals"
                                 " WHERE message_id = m.id) FROM messages m"
                                 " WHERE m.key = ?1 AND m.direction = 'out'"},
        [ST_REFERRAL_SET_REFERRER] = {"referral credit",
                                      "UPDATE referrals SET referrer_id = ?2, updated_at = ?3"
                                      " WHERE id = ?1"},
        [ST_REFERRALS_STALE] = {"stale referrals",
                                "SELECT id FROM referrals WHERE last_activity_at < ?1"
                                " AND status NOT IN " CLOSED_STATUSES
                                " ORDER BY last_activity_at LIMIT ?2"},
        [ST_REFERRALS_OF_REFERRER] = {"referrals of a referrer",
                                      REFERRAL_VIEW_SELECT "WHERE rp.email = ?1 ORDER BY r.id"},
        [ST_REFERRALS_OF_LEAD] = {"referrals of a lead",
                                  REFERRAL_VIEW_SELECT "WHERE lp.email = ?1 ORDER BY r.id"},
        [ST_REWARD_ADD] =
                {"reward add",
                 "INSERT INTO rewards (referral_id, referrer_id, amount, rule, created_at)"
                 " VALUES (?1, ?2, ?3, ?4, ?5)"},
        [ST_REWARD_LIST] = {"reward list",
                            "SELECT w.id, w.referral_id, w.amount, w.rule, w.state, w.created_at,"
                            " w.paid_at, p.name, p.email, l.name, l.email FROM rewards w"
                            " JOIN referrals r ON r.id = w.referral_id"
                            " LEFT JOIN people p ON p.id = w.referrer_id"
                            " JOIN people l ON l.id = r.lead_id ORDER BY w.id"},
        [ST_REWARD_PAY] = {"reward pay", "UPDATE rewards SET state = 'paid', paid_at = ?2"
                                         " WHERE id = ?1 AND state = 'owed'"},
        [ST_CONFIRM_ADD] = {"confirmation add",
                            "INSERT INTO confirmations (referral_id, rep, command, arg,"
                            " message_key, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        [ST_CONFIRM_FIND] = {"confirmation find",
                             "SELECT id, referral_id, rep, command, arg, state FROM confirmations"
                             " WHERE message_key = ?1"},
        [ST_CONFIRM_DONE] = {"confirmation done",
                             "UPDATE confirmations SET state = ?2, done_at = ?3"
                             " WHERE id = ?1 AND state = 'pending'"},
        [ST_REPORT_STATUS] = {"report by status",
                              "SELECT status, count(*), total(value) FROM referrals"
                              " WHERE created_at >= ?1 GROUP BY status"},
        [ST_REPORT_CONTACT] = {"report first contact",
                               "SELECT first_contact_at - created_at FROM referrals"
                               " WHERE created_at >= ?1 AND first_contact_at IS NOT NULL"
                               " ORDER BY 1"},
        [ST_REPORT_REFERRERS] = {"report referrers",
                                 "SELECT p.name, p.email, count(*),"
                                 " sum(r.status = 'won'),"
                                 " total(CASE WHEN r.status = 'won' THEN r.value END)"
                                 " FROM referrals r JOIN people p ON p.id = r.referrer_id"
                                 " WHERE r.created_at >= ?1 GROUP BY r.referrer_id"
                                 " ORDER BY count(*) DESC, 4 DESC, p.id LIMIT 10"},
        [ST_REPORT_REWARDS] = {"report rewards",
                               "SELECT state, count(*), total(amount) FROM rewards GROUP BY state"},
        [ST_PERSON_SET_CHECKIN] = {"person check-in",
                                   "UPDATE people SET checkin_at = ?2 WHERE id = ?1"},
};

struct store {
	sqlite3 *db;
	char *path;
	int readonly;
	char *error; /* last error, owned */
	sqlite3_stmt *stmt[ST__COUNT];
};

/* Caps what a key or address from mail adds to an error line. */
#define ERR_ARG "%.200s"

static void store_fail(struct store *st, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Records "<what>: <sqlite message>".  Call before resetting the
 * statement that failed. */
static void store_fail(struct store *st, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	free(st->error);
	st->error = xasprintf("%s: %s", what, sqlite3_errmsg(st->db));
}

/* The cached statement id, prepared on first use; NULL on error. */
static sqlite3_stmt *stmt_get(struct store *st, enum stmt_id id)
{
	if (st->stmt[id] == NULL &&
	    sqlite3_prepare_v3(st->db, stmt_def[id].sql, -1, SQLITE_PREPARE_PERSISTENT,
	                       &st->stmt[id], NULL) != SQLITE_OK) {
		store_fail(st, "prepare %s", stmt_def[id].name);
		st->stmt[id] = NULL;
	}
	return st->stmt[id];
}

/* Ends a use of a cached statement: ends its read or write, and drops the
 * bindings so no SQLITE_STATIC pointer outlives the call that bound it. */
static void stmt_done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/*
 * Binding helpers: each does nothing once *rc is an error, so a function
 * binds everything and checks once.  NULL text binds SQL NULL.
 */
static void bind_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

static void bind_int(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = sqlite3_bind_int64(s, i, v);
}

/* Ids and times where 0 means "none" bind NULL. */
static void bind_opt_int(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
	if (*rc == SQLITE_OK)
		*rc = v ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

/* Steps s once its binds succeeded (brc == SQLITE_OK); returns SQLITE_ROW,
 * SQLITE_DONE or the error code. */
static int stmt_step(sqlite3_stmt *s, int brc)
{
	return brc == SQLITE_OK ? sqlite3_step(s) : brc;
}

/* A lower-cased copy of an address, or NULL for NULL or "" (caller frees). */
static char *email_norm(const char *email)
{
	if (email == NULL || *email == '\0')
		return NULL;
	return str_lower(xstrdup(email));
}

static char *col_text(sqlite3_stmt *s, int i)
{
	return xstrdup((const char *)sqlite3_column_text(s, i));
}

/* ---- open, migrate, close ---- */

/* Runs one constant SQL text (pragmas and migrations; never values). */
static int exec_sql(struct store *st, const char *sql)
{
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int read_user_version(struct store *st, int *v_r)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*v_r = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int set_wal(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1, &s, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(s);
	/* Some file systems (network mounts) cannot do WAL; SQLite then keeps
	 * the rollback journal, which is correct, only slower for readers. */
	if (rc == SQLITE_ROW && !str_ieq((const char *)sqlite3_column_text(s, 0), "wal"))
		log_warn("%s: journal mode %s, not WAL", st->path, sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Applies the migrations from the file's version up to
 * STORE_SCHEMA_VERSION, each in its own transaction. */
static int migrate(struct store *st, char **error_r)
{
	int v;

	if (read_user_version(st, &v) != 0) {
		*error_r =
		        xasprintf("%s: read schema version: %s", st->path, sqlite3_errmsg(st->db));
		return -1;
	}
	while (v < STORE_SCHEMA_VERSION) {
		char bump[64];

		if (st->readonly) {
			*error_r = xasprintf("%s: schema version %d, this build needs %d: open it "
			                     "once read-write (e.g. `refagent check`) to migrate",
			                     st->path, v, STORE_SCHEMA_VERSION);
			return -1;
		}
		if (exec_sql(st, "BEGIN IMMEDIATE") != 0)
			goto fail;
		/* Another process may have migrated while we waited for the
		 * write lock: look again inside the transaction. */
		if (read_user_version(st, &v) != 0)
			goto fail;
		if (v >= STORE_SCHEMA_VERSION) {
			if (exec_sql(st, "COMMIT") != 0)
				goto fail;
			break;
		}
		/* The version is our own loop counter, not a value from
		 * outside, and PRAGMA takes no parameters. */
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v + 1);
		if (exec_sql(st, migrations[v]) != 0 || exec_sql(st, bump) != 0 ||
		    exec_sql(st, "COMMIT") != 0)
			goto fail;
		log_debug("%s: schema migrated to version %d", st->path, v + 1);
		v++;
	}
	if (v > STORE_SCHEMA_VERSION) {
		*error_r = xasprintf("%s: schema version %d is newer than this build's %d: "
		                     "use a newer refagent",
		                     st->path, v, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
fail:
	*error_r = xasprintf("%s: migrate schema %d to %d: %s", st->path, v, v + 1,
	                     sqlite3_errmsg(st->db));
	if (!sqlite3_get_autocommit(st->db))
		exec_sql(st, "ROLLBACK");
	return -1;
}

int store_open(const char *path, int readonly, struct store **st_r, char **error_r)
{
	struct store *st;
	struct stat sb;
	char *fname;
	int rc;

	*st_r = NULL;
	*error_r = NULL;
	/* SQLite can open a missing file read-only only to fail later with
	 * "unable to open database file"; say what is wrong instead. */
	if (readonly && stat(path, &sb) != 0) {
		*error_r = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	st->readonly = readonly;
	/* This SQLite is built with URI names on: a relative file name that
	 * starts with "file:" must stay a file name. */
	fname = strncmp(path, "file:", 5) == 0 ? xasprintf("./%s", path) : xstrdup(path);
	rc = sqlite3_open_v2(
	        fname, &st->db,
	        readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	free(fname);
	if (st->db == NULL)
		fatal("out of memory (sqlite3_open_v2)");
	if (rc != SQLITE_OK) {
		*error_r = xasprintf("%s: open: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	/* journal_mode=WAL is stored in the file, so a read-only open leaves
	 * it as the writer set it.  foreign_keys and synchronous are per
	 * connection and must be set each time. */
	if ((!readonly && set_wal(st) != 0) || exec_sql(st, "PRAGMA foreign_keys=ON") != 0 ||
	    exec_sql(st, "PRAGMA synchronous=NORMAL") != 0) {
		*error_r = xasprintf("%s: %s", path, sqlite3_errmsg(st->db));
		goto fail;
	}
	if (migrate(st, error_r) != 0)
		goto fail;
	*st_r = st;
	return 0;
fail:
	store_close(st);
	return -1;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	/* An open transaction (a caller that neither committed nor rolled
	 * back) is rolled back by sqlite3_close. */
	if (st->db && sqlite3_close(st->db) != SQLITE_OK)
		log_error("%s: close: %s", st->path, sqlite3_errmsg(st->db));
	free(st->path);
	free(st->error);
	free(st);
}

const char *store_error(const struct store *st)
{
	if (st == NULL)
		return "no database";
	return st->error ? st->error : "no error";
}

/* ---- transactions ---- */

static int run_simple(struct store *st, enum stmt_id id)
{
	sqlite3_stmt *s = stmt_get(st, id);
	int rc;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		store_fail(st, "%s", stmt_def[id].name);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_begin(struct store *st)
{
	return run_simple(st, ST_BEGIN);
}

int store_commit(struct store *st)
{
	return run_simple(st, ST_COMMIT);
}

void store_rollback(struct store *st)
{
	/* A failed statement may already have rolled the transaction back
	 * (SQLITE_FULL, an interrupted commit); ROLLBACK would then fail. */
	if (st == NULL || sqlite3_get_autocommit(st->db))
		return;
	if (run_simple(st, ST_ROLLBACK) != 0)
		log_error("%s: %s", st->path, st->error);
}

/* ---- messages ---- */

int store_message_find(struct store *st, const char *key, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_MESSAGE_FIND);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_text(s, 1, key, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW && id_r)
		*id_r = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		store_fail(st, "find message " ERR_ARG, key ? key : "(null)");
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_message_add(struct store *st, const struct msg_rec *r, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_MESSAGE_ADD);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_text(s, 1, r->key, &rc);
	bind_text(s, 2, r->direction, &rc);
	bind_text(s, 3, r->kind, &rc);
	bind_text(s, 4, r->why, &rc);
	bind_text(s, 5, r->mailbox, &rc);
	/* UIDs mean nothing without the mailbox they came from. */
	if (r->mailbox) {
		bind_int(s, 6, r->uidvalidity, &rc);
		bind_int(s, 7, r->uid, &rc);
	}
	bind_text(s, 8, r->source, &rc);
	bind_text(s, 9, r->from_email, &rc);
	bind_text(s, 10, r->subject, &rc);
	bind_opt_int(s, 11, r->date, &rc);
	bind_int(s, 12, r->at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "insert message " ERR_ARG, r->key ? r->key : "(null)");
	else if (id_r)
		*id_r = sqlite3_last_insert_rowid(st->db);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_message_link(struct store *st, int64_t message_id, int64_t referral_id)
{
	sqlite3_stmt *s = stmt_get(st, ST_MESSAGE_LINK);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, message_id, &rc);
	bind_int(s, 2, referral_id, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "link message %lld to referral %lld", (long long)message_id,
		           (long long)referral_id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* One key at a time through one cached statement: each lookup is two
 * index probes, so 100 keys cost well under a millisecond, and there is
 * no SQL to build per call. */
int store_thread_find(struct store *st, const char *const *keys, size_t n, int64_t **ids_r,
                      size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_THREAD_FIND);
	int64_t *ids = NULL;
	size_t len = 0, cap = 0, out = 0;

	*ids_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int rc = SQLITE_OK;

		if (keys[i] == NULL)
			continue;
		bind_text(s, 1, keys[i], &rc);
		for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
			ids = xgrow(ids, &cap, len + 1, sizeof(*ids));
			ids[len++] = sqlite3_column_int64(s, 0);
		}
		if (rc != SQLITE_DONE) {
			store_fail(st, "find thread of " ERR_ARG, keys[i]);
			stmt_done(s);
			free(ids);
			return -1;
		}
		stmt_done(s);
	}
	if (len == 0)
		return 0;
	qsort(ids, len, sizeof(*ids), cmp_id);
	for (size_t i = 0; i < len; i++)
		if (out == 0 || ids[out - 1] != ids[i])
			ids[out++] = ids[i];
	*ids_r = ids;
	*n_r = out;
	return 0;
}

int store_message_count(struct store *st, const char *kind, int64_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, kind ? ST_MESSAGE_COUNT : ST_MESSAGE_COUNT_ALL);
	int rc = SQLITE_OK;

	*n_r = 0;
	if (s == NULL)
		return -1;
	if (kind)
		bind_text(s, 1, kind, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW)
		*n_r = sqlite3_column_int64(s, 0);
	else
		store_fail(st, "count messages of kind %s", kind ? kind : "(any)");
	stmt_done(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* ---- people ---- */

/*
 * Most calls name someone already stored whose name is known: one indexed
 * read answers them, where the upsert would write the row and (for
 * RETURNING) fill a temporary table every time.  Returns 1 and sets *id_r
 * when that settles it, 0 when the upsert must run (new address, or a name
 * to fill in), -1 on error.
 */
static int person_find(struct store *st, const char *lower, const char *name, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_FIND);
	int rc = SQLITE_OK, done = 0;

	if (s == NULL)
		return -1;
	bind_text(s, 1, lower, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		done = sqlite3_column_int(s, 1) == 0 || name == NULL || *name == '\0';
		if (done && id_r)
			*id_r = sqlite3_column_int64(s, 0);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "find person " ERR_ARG, lower);
	}
	stmt_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? done : -1;
}

int store_person_ensure(struct store *st, const char *email, const char *name, int64_t now,
                        int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_ENSURE);
	char *lower = email_norm(email);
	int rc = SQLITE_OK;

	if (s == NULL) {
		free(lower);
		return -1;
	}
	if (lower) {
		int found = person_find(st, lower, name, id_r);

		if (found != 0) {
			free(lower);
			return found < 0 ? -1 : 0;
		}
	}
	bind_text(s, 1, lower, &rc);
	bind_text(s, 2, name, &rc);
	bind_int(s, 3, now, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		if (id_r)
			*id_r = sqlite3_column_int64(s, 0);
	} else {
		store_fail(st, "ensure person " ERR_ARG, lower ? lower : "(no address)");
	}
	stmt_done(s);
	free(lower);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_person_fill(struct store *st, int64_t id, const char *phone, const char *company)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_FILL);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, phone, &rc);
	bind_text(s, 3, company, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "fill person %lld", (long long)id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- referrals ---- */

int store_referral_add(struct store *st, const struct referral_rec *r, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_ADD);
	char *rep = email_norm(r->rep_email);
	int rc = SQLITE_OK;

	if (s == NULL) {
		free(rep);
		return -1;
	}
	bind_text(s, 1, r->status, &rc);
	bind_opt_int(s, 2, r->referrer_id, &rc);
	bind_int(s, 3, r->lead_id, &rc);
	bind_text(s, 4, rep, &rc);
	bind_text(s, 5, r->rep_name, &rc);
	bind_text(s, 6, r->need, &rc);
	bind_text(s, 7, r->budget, &rc);
	bind_text(s, 8, r->timeline, &rc);
	bind_text(s, 9, r->context, &rc);
	bind_text(s, 10, r->subject, &rc);
	bind_text(s, 11, r->held_reason, &rc);
	bind_text(s, 12, r->thread_key, &rc);
	bind_int(s, 13, r->at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "insert referral for lead %lld", (long long)r->lead_id);
	else if (id_r)
		*id_r = sqlite3_last_insert_rowid(st->db);
	stmt_done(s);
	free(rep);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_referral_open_for_lead(struct store *st, const char *lead_email, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_OPEN_FOR_LEAD);
	int rc = SQLITE_OK, found = 0;

	if (s == NULL)
		return -1;
	if (lead_email == NULL || *lead_email == '\0')
		return 0;
	/* The column is COLLATE NOCASE: no need to lower-case here. */
	bind_text(s, 1, lead_email, &rc);
	rc = stmt_step(s, rc);
	/* min() gives one row, NULL when there is no open referral; unlike
	 * ORDER BY id LIMIT 1 it needs no sorter. */
	if (rc == SQLITE_ROW) {
		found = sqlite3_column_type(s, 0) != SQLITE_NULL;
		if (found && id_r)
			*id_r = sqlite3_column_int64(s, 0);
	} else {
		store_fail(st, "find open referral of " ERR_ARG, lead_email);
	}
	stmt_done(s);
	return rc == SQLITE_ROW ? found : -1;
}

/* Runs an UPDATE of one referral; returns 1 when it changed a row, 0 when
 * none matched, -1 on error. */
static int referral_update(struct store *st, sqlite3_stmt *s, int rc, int64_t id, const char *what)
{
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "%s referral %lld", what, (long long)id);
	stmt_done(s);
	if (rc != SQLITE_DONE)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int store_referral_touch(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_TOUCH);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, at, &rc);
	return referral_update(st, s, rc, id, "touch") < 0 ? -1 : 0;
}

int store_referral_set_status(struct store *st, int64_t id, const char *status, int has_value,
                              double value, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_SET_STATUS);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, status, &rc);
	bind_int(s, 3, has_value != 0, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(s, 4, value);
	bind_int(s, 5, at, &rc);
	return referral_update(st, s, rc, id, "set status of");
}

int store_referral_first_contact(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_FIRST_CONTACT);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, at, &rc);
	return referral_update(st, s, rc, id, "mark first contact of");
}

int store_event_add(struct store *st, const struct event_rec *e)
{
	sqlite3_stmt *s = stmt_get(st, ST_EVENT_ADD);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, e->referral_id, &rc);
	bind_int(s, 2, e->at, &rc);
	bind_text(s, 3, e->actor, &rc);
	bind_text(s, 4, e->kind, &rc);
	bind_text(s, 5, e->old_status, &rc);
	bind_text(s, 6, e->new_status, &rc);
	bind_text(s, 7, e->detail, &rc);
	bind_opt_int(s, 8, e->message_id, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "insert %s event for referral %lld", e->kind ? e->kind : "(null)",
		           (long long)e->referral_id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- IMAP checkpoint ---- */

int store_checkpoint_get(struct store *st, const char *mailbox, uint32_t *uidvalidity_r,
                         uint32_t *last_uid_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_CHECKPOINT_GET);
	int rc = SQLITE_OK;

	*uidvalidity_r = 0;
	*last_uid_r = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, mailbox, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		*uidvalidity_r = (uint32_t)sqlite3_column_int64(s, 0);
		*last_uid_r = (uint32_t)sqlite3_column_int64(s, 1);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read checkpoint of " ERR_ARG, mailbox ? mailbox : "(null)");
	}
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_checkpoint_set(struct store *st, const char *mailbox, uint32_t uidvalidity,
                         uint32_t last_uid)
{
	sqlite3_stmt *s = stmt_get(st, ST_CHECKPOINT_SET);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_text(s, 1, mailbox, &rc);
	bind_int(s, 2, uidvalidity, &rc);
	bind_int(s, 3, last_uid, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "write checkpoint of " ERR_ARG, mailbox ? mailbox : "(null)");
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- counters ---- */

static int counter_run(struct store *st, enum stmt_id id, const char *name, int64_t *value_r)
{
	sqlite3_stmt *s = stmt_get(st, id);
	int rc = SQLITE_OK;

	*value_r = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, name, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW)
		*value_r = sqlite3_column_int64(s, 0);
	else if (rc != SQLITE_DONE)
		store_fail(st, "%s %s", stmt_def[id].name, name ? name : "(null)");
	stmt_done(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/*
 * A read and then an upsert, not one upsert ... RETURNING: RETURNING fills
 * a temporary table on every call, which made this the costliest step of
 * intake; the pair costs a third.  Both run in one write transaction (the
 * caller's, or one of our own) so no other writer gets between them.
 */
int store_counter_next(struct store *st, const char *name, int64_t *value_r)
{
	int own = sqlite3_get_autocommit(st->db);
	int64_t ignored;

	if (own && store_begin(st) != 0)
		return -1;
	if (counter_run(st, ST_COUNTER_PEEK, name, value_r) != 0 ||
	    counter_run(st, ST_COUNTER_BUMP, name, &ignored) != 0 ||
	    (own && store_commit(st) != 0)) {
		if (own)
			store_rollback(st);
		*value_r = 0;
		return -1;
	}
	return 0;
}

int store_counter_peek(struct store *st, const char *name, int64_t *value_r)
{
	return counter_run(st, ST_COUNTER_PEEK, name, value_r);
}

/* ---- views ---- */

/* Fills v from a row of REFERRAL_VIEW_SELECT. */
static void view_fill(sqlite3_stmt *s, struct referral_view *v)
{
	v->id = sqlite3_column_int64(s, 0);
	v->status = col_text(s, 1);
	v->referrer.name = col_text(s, 2);
	v->referrer.email = col_text(s, 3);
	v->referrer.phone = col_text(s, 4);
	v->referrer.company = col_text(s, 5);
	v->lead.name = col_text(s, 6);
	v->lead.email = col_text(s, 7);
	v->lead.phone = col_text(s, 8);
	v->lead.company = col_text(s, 9);
	v->rep_name = col_text(s, 10);
	v->rep_email = col_text(s, 11);
	v->need = col_text(s, 12);
	v->budget = col_text(s, 13);
	v->timeline = col_text(s, 14);
	v->context = col_text(s, 15);
	v->subject = col_text(s, 16);
	v->held_reason = col_text(s, 17);
	v->created_at = sqlite3_column_int64(s, 18);
	v->updated_at = sqlite3_column_int64(s, 19);
	v->first_contact_at = sqlite3_column_int64(s, 20); /* NULL reads 0 */
	v->has_value = sqlite3_column_type(s, 21) != SQLITE_NULL;
	v->value = v->has_value ? sqlite3_column_double(s, 21) : 0.0;
	v->thread_key = col_text(s, 22);
	v->referrer_id = sqlite3_column_int64(s, 23);
	v->lead_id = sqlite3_column_int64(s, 24);
}

int store_referral_list(struct store *st, const char *status, struct referral_view **v_r,
                        size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, status ? ST_REFERRAL_LIST_STATUS : ST_REFERRAL_LIST_ALL);
	struct referral_view *v = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_OK;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	if (status)
		bind_text(s, 1, status, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		view_fill(s, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list referrals");
		stmt_done(s);
		store_referral_views_free(v, n);
		return -1;
	}
	stmt_done(s);
	*v_r = v;
	*n_r = n;
	return 0;
}

static int events_read(struct store *st, int64_t id, struct event_view **ev_r, size_t *nev_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_EVENT_LIST);
	struct event_view *ev = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct event_view *e;

		ev = xgrow(ev, &cap, n + 1, sizeof(*ev));
		e = &ev[n++];
		e->at = sqlite3_column_int64(s, 0);
		e->actor = col_text(s, 1);
		e->kind = col_text(s, 2);
		e->old_status = col_text(s, 3);
		e->new_status = col_text(s, 4);
		e->detail = col_text(s, 5);
		e->message_key = col_text(s, 6);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list events of referral %lld", (long long)id);
		stmt_done(s);
		store_event_views_free(ev, n);
		return -1;
	}
	stmt_done(s);
	*ev_r = ev;
	*nev_r = n;
	return 0;
}

int store_referral_get(struct store *st, int64_t id, struct referral_view *v_r,
                       struct event_view **ev_r, size_t *nev_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_GET);
	int rc = SQLITE_OK, ret;

	memset(v_r, 0, sizeof(*v_r));
	if (ev_r)
		*ev_r = NULL;
	if (nev_r)
		*nev_r = 0;
	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_DONE) {
		stmt_done(s);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		store_fail(st, "read referral %lld", (long long)id);
		stmt_done(s);
		return -1;
	}
	view_fill(s, v_r);
	/* The referral statement is reset only after the events are read, so
	 * outside a transaction both reads see the same snapshot. */
	ret = ev_r && nev_r ? events_read(st, id, ev_r, nev_r) : 0;
	stmt_done(s);
	if (ret != 0) {
		store_referral_view_clear(v_r);
		return -1;
	}
	return 1;
}

static void person_view_clear(struct person_view *p)
{
	free(p->name);
	free(p->email);
	free(p->phone);
	free(p->company);
}

void store_referral_view_clear(struct referral_view *v)
{
	if (v == NULL)
		return;
	free(v->status);
	person_view_clear(&v->referrer);
	person_view_clear(&v->lead);
	free(v->rep_name);
	free(v->rep_email);
	free(v->need);
	free(v->budget);
	free(v->timeline);
	free(v->context);
	free(v->subject);
	free(v->held_reason);
	free(v->thread_key);
	memset(v, 0, sizeof(*v));
}

void store_referral_views_free(struct referral_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_referral_view_clear(&v[i]);
	free(v);
}

void store_event_views_free(struct event_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(v[i].actor);
		free(v[i].kind);
		free(v[i].old_status);
		free(v[i].new_status);
		free(v[i].detail);
		free(v[i].message_key);
	}
	free(v);
}

/* ---- jobs ---- */

int store_job_add(struct store *st, const struct job_rec *j, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_ADD);
	char *to = email_norm(j->recipient);
	int rc = SQLITE_OK;

	if (s == NULL) {
		free(to);
		return -1;
	}
	bind_opt_int(s, 1, j->referral_id, &rc);
	bind_text(s, 2, j->template, &rc);
	bind_text(s, 3, to, &rc);
	bind_text(s, 4, j->recipient_name, &rc);
	bind_text(s, 5, j->cc, &rc);
	bind_int(s, 6, j->seq, &rc);
	bind_text(s, 7, j->note, &rc);
	bind_int(s, 8, j->due_at, &rc);
	bind_text(s, 9, j->message_key, &rc);
	bind_text(s, 10, j->in_reply_to, &rc);
	bind_text(s, 11, j->refs, &rc);
	bind_int(s, 12, j->at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "add job %s to " ERR_ARG, j->template ? j->template : "(null)",
		           to ? to : "(null)");
	else if (id_r)
		*id_r = sqlite3_last_insert_rowid(st->db);
	stmt_done(s);
	free(to);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void job_fill(sqlite3_stmt *s, struct job_view *v)
{
	v->id = sqlite3_column_int64(s, 0);
	v->referral_id = sqlite3_column_int64(s, 1);
	v->template = col_text(s, 2);
	v->recipient = col_text(s, 3);
	v->recipient_name = col_text(s, 4);
	v->cc = col_text(s, 5);
	v->seq = sqlite3_column_int(s, 6);
	v->note = col_text(s, 7);
	v->due_at = sqlite3_column_int64(s, 8);
	v->next_attempt_at = sqlite3_column_int64(s, 9);
	v->state = col_text(s, 10);
	v->attempts = sqlite3_column_int(s, 11);
	v->last_error = col_text(s, 12);
	v->message_key = col_text(s, 13);
	v->in_reply_to = col_text(s, 14);
	v->refs = col_text(s, 15);
	v->created_at = sqlite3_column_int64(s, 16);
	v->done_at = sqlite3_column_int64(s, 17);
}

/* Reads every row of a bound job statement into an array. */
static int jobs_read(struct store *st, sqlite3_stmt *s, int rc, const char *what,
                     struct job_view **v_r, size_t *n_r)
{
	struct job_view *v = NULL;
	size_t n = 0, cap = 0;

	*v_r = NULL;
	*n_r = 0;
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		job_fill(s, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "%s", what);
		stmt_done(s);
		store_job_views_free(v, n);
		return -1;
	}
	stmt_done(s);
	*v_r = v;
	*n_r = n;
	return 0;
}

int store_jobs_due(struct store *st, int64_t now, size_t limit, struct job_view **v_r, size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOBS_DUE);
	int rc = SQLITE_OK;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	bind_int(s, 1, now, &rc);
	bind_int(s, 2, (int64_t)limit, &rc);
	return jobs_read(st, s, rc, "list due jobs", v_r, n_r);
}

int store_jobs_next_due(struct store *st, int64_t *at_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_NEXT_DUE);
	int rc, found = 0;

	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*at_r = sqlite3_column_int64(s, 0);
		found = 1;
	} else if (rc != SQLITE_ROW) {
		store_fail(st, "next due job");
		stmt_done(s);
		return -1;
	}
	stmt_done(s);
	return found;
}

/* Runs an UPDATE on one job; returns the number of rows changed (0 or 1)
 * or -1. */
static int job_update(struct store *st, sqlite3_stmt *s, int rc, int64_t id, const char *what)
{
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE) {
		store_fail(st, "%s job %lld", what, (long long)id);
		stmt_done(s);
		return -1;
	}
	stmt_done(s);
	return sqlite3_changes(st->db);
}

int store_job_claim(struct store *st, int64_t id, const char *owner, int64_t now, int64_t until)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_CLAIM);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, owner, &rc);
	bind_int(s, 3, now, &rc);
	bind_int(s, 4, until, &rc);
	rc = job_update(st, s, rc, id, "claim");
	return rc < 0 ? -1 : rc == 1;
}

int store_job_sent(struct store *st, int64_t id, int64_t at, const char *reply)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_SENT);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, at, &rc);
	bind_text(s, 3, reply, &rc);
	return job_update(st, s, rc, id, "mark sent") < 0 ? -1 : 0;
}

int store_job_retry(struct store *st, int64_t id, int64_t next_at, const char *error,
                    int count_attempt)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_RETRY);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, next_at, &rc);
	bind_text(s, 3, error, &rc);
	bind_int(s, 4, count_attempt ? 1 : 0, &rc);
	return job_update(st, s, rc, id, "postpone") < 0 ? -1 : 0;
}

int store_job_finish(struct store *st, int64_t id, const char *state, int64_t at, const char *why,
                     int count_attempt)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_FINISH);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, state, &rc);
	bind_int(s, 3, at, &rc);
	bind_text(s, 4, why, &rc);
	bind_int(s, 5, count_attempt ? 1 : 0, &rc);
	return job_update(st, s, rc, id, state) < 0 ? -1 : 0;
}

int store_jobs_cancel_referral(struct store *st, int64_t referral_id, const char *template,
                               int64_t at, const char *why, int *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOBS_CANCEL_REFERRAL);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, referral_id, &rc);
	bind_text(s, 2, template, &rc);
	bind_int(s, 3, at, &rc);
	bind_text(s, 4, why, &rc);
	rc = job_update(st, s, rc, referral_id, "cancel jobs of referral");
	if (rc >= 0 && n_r)
		*n_r = rc;
	return rc < 0 ? -1 : 0;
}

int store_jobs_cancel_recipient(struct store *st, const char *recipient, int64_t at,
                                const char *why, int *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOBS_CANCEL_RECIPIENT);
	char *to = email_norm(recipient);
	int rc = SQLITE_OK;

	if (s == NULL) {
		free(to);
		return -1;
	}
	bind_text(s, 1, to, &rc);
	bind_int(s, 2, at, &rc);
	bind_text(s, 3, why, &rc);
	rc = job_update(st, s, rc, 0, "cancel jobs to recipient");
	free(to);
	if (rc >= 0 && n_r)
		*n_r = rc;
	return rc < 0 ? -1 : 0;
}

int store_jobs_list(struct store *st, const char *state, struct job_view **v_r, size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, state ? ST_JOB_LIST_STATE : ST_JOB_LIST_ALL);
	int rc = SQLITE_OK;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	if (state)
		bind_text(s, 1, state, &rc);
	return jobs_read(st, s, rc, "list jobs", v_r, n_r);
}

int store_job_get(struct store *st, int64_t id, struct job_view *v_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_JOB_GET);
	int rc = SQLITE_OK;

	memset(v_r, 0, sizeof(*v_r));
	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW)
		job_fill(s, v_r);
	else if (rc != SQLITE_DONE)
		store_fail(st, "read job %lld", (long long)id);
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void store_job_view_clear(struct job_view *v)
{
	if (v == NULL)
		return;
	free(v->template);
	free(v->recipient);
	free(v->recipient_name);
	free(v->cc);
	free(v->note);
	free(v->state);
	free(v->last_error);
	free(v->message_key);
	free(v->in_reply_to);
	free(v->refs);
	memset(v, 0, sizeof(*v));
}

void store_job_views_free(struct job_view *v, size_t n)
{
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		store_job_view_clear(&v[i]);
	free(v);
}

int store_sent_since(struct store *st, const char *recipient, int64_t since, int64_t *n_r,
                     int64_t *first_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_SENT_WINDOW);
	char *to = email_norm(recipient);
	int rc = SQLITE_OK;

	*n_r = 0;
	*first_r = 0;
	if (s == NULL) {
		free(to);
		return -1;
	}
	bind_text(s, 1, to, &rc);
	bind_int(s, 2, since, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		*n_r = sqlite3_column_int64(s, 0);
		*first_r = sqlite3_column_int64(s, 1);
	} else {
		store_fail(st, "count mail sent to " ERR_ARG, to ? to : "(null)");
	}
	stmt_done(s);
	free(to);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_person_flags(struct store *st, const char *email, struct person_flags *f)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_FLAGS);
	char *e = email_norm(email);
	int rc = SQLITE_OK;

	memset(f, 0, sizeof(*f));
	if (s == NULL || e == NULL) {
		free(e);
		return s == NULL ? -1 : 0;
	}
	bind_text(s, 1, e, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		f->id = sqlite3_column_int64(s, 0);
		f->opted_out_at = sqlite3_column_int64(s, 1);
		f->bouncing_at = sqlite3_column_int64(s, 2);
		f->token = col_text(s, 3);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "read person " ERR_ARG, e);
	}
	stmt_done(s);
	free(e);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_person_set_token(struct store *st, int64_t id, const char *token)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_SET_TOKEN);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, token, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "set token of person %lld", (long long)id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_checkins_due(struct store *st, int64_t active_since, int64_t due_before, size_t limit,
                       struct person_ref **v_r, size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_CHECKIN_DUE);
	struct person_ref *v = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_OK;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	bind_int(s, 1, active_since, &rc);
	bind_int(s, 2, due_before, &rc);
	bind_int(s, 3, (int64_t)limit, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		v[n].id = sqlite3_column_int64(s, 0);
		v[n].email = col_text(s, 1);
		v[n].name = col_text(s, 2);
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list check-ins due");
		stmt_done(s);
		store_people_free(v, n);
		return -1;
	}
	stmt_done(s);
	*v_r = v;
	*n_r = n;
	return 0;
}

void store_people_free(struct person_ref *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].email);
		free(v[i].name);
	}
	free(v);
}

int store_person_set_checkin(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_SET_CHECKIN);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "set check-in of person %lld", (long long)id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Sets a flag on the person with this address, adding the person first
 * when unknown (mail can be refused before anyone was recorded). */
static int person_flag(struct store *st, enum stmt_id id, const char *email, int64_t at,
                       const char *why, int *changed_r)
{
	sqlite3_stmt *s;
	char *e = email_norm(email);
	int64_t pid;
	int rc = SQLITE_OK;

	if (e == NULL) {
		free(e);
		return 0;
	}
	if (store_person_ensure(st, e, NULL, at, &pid) < 0 || (s = stmt_get(st, id)) == NULL) {
		free(e);
		return -1;
	}
	bind_text(s, 1, e, &rc);
	bind_int(s, 2, at, &rc);
	bind_text(s, 3, why, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "%s " ERR_ARG, stmt_def[id].name, e);
	stmt_done(s);
	free(e);
	if (rc == SQLITE_DONE && changed_r)
		*changed_r = sqlite3_changes(st->db);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_person_opt_out(struct store *st, const char *email, int64_t at, const char *source,
                         int *changed_r)
{
	return person_flag(st, ST_PERSON_OPT_OUT, email, at, source, changed_r);
}

int store_person_bouncing(struct store *st, const char *email, int64_t at, const char *reason)
{
	return person_flag(st, ST_PERSON_BOUNCING, email, at, reason, NULL);
}

int store_person_by_token(struct store *st, const char *token, char **email_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_PERSON_BY_TOKEN);
	int rc = SQLITE_OK;

	*email_r = NULL;
	if (s == NULL)
		return -1;
	bind_text(s, 1, token, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW)
		*email_r = col_text(s, 0);
	else if (rc != SQLITE_DONE)
		store_fail(st, "find person by token");
	stmt_done(s);
	return rc == SQLITE_ROW ? (*email_r != NULL) : rc == SQLITE_DONE ? 0 : -1;
}

int store_referral_set_referrer(struct store *st, int64_t id, int64_t person_id, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRAL_SET_REFERRER);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, person_id, &rc);
	bind_int(s, 3, at, &rc);
	return job_update(st, s, rc, id, "move the credit of referral") < 0 ? -1 : 0;
}

int store_referrals_stale(struct store *st, int64_t before, size_t limit, int64_t **ids_r,
                          size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REFERRALS_STALE);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_OK;

	*ids_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	bind_int(s, 1, before, &rc);
	bind_int(s, 2, (int64_t)limit, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		ids = xgrow(ids, &cap, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(s, 0);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list stale referrals");
		stmt_done(s);
		free(ids);
		return -1;
	}
	stmt_done(s);
	*ids_r = ids;
	*n_r = n;
	return 0;
}

static int referrals_of(struct store *st, enum stmt_id id, const char *email,
                        struct referral_view **v_r, size_t *n_r);

int store_referrals_of_referrer(struct store *st, const char *email, struct referral_view **v_r,
                                size_t *n_r)
{
	return referrals_of(st, ST_REFERRALS_OF_REFERRER, email, v_r, n_r);
}

int store_referrals_of_lead(struct store *st, const char *email, struct referral_view **v_r,
                            size_t *n_r)
{
	return referrals_of(st, ST_REFERRALS_OF_LEAD, email, v_r, n_r);
}

static int referrals_of(struct store *st, enum stmt_id id, const char *email,
                        struct referral_view **v_r, size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, id);
	struct referral_view *v = NULL;
	size_t n = 0, cap = 0;
	char *e = email_norm(email);
	int rc = SQLITE_OK;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL || e == NULL) {
		free(e);
		return s == NULL ? -1 : 0;
	}
	bind_text(s, 1, e, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		v = xgrow(v, &cap, n + 1, sizeof(*v));
		memset(&v[n], 0, sizeof(v[n]));
		view_fill(s, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "%s " ERR_ARG, stmt_def[id].name, e);
		stmt_done(s);
		store_referral_views_free(v, n);
		free(e);
		return -1;
	}
	stmt_done(s);
	free(e);
	*v_r = v;
	*n_r = n;
	return 0;
}

int store_reward_add(struct store *st, int64_t referral_id, int64_t referrer_id, double amount,
                     const char *rule, int64_t at, int64_t *id_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REWARD_ADD);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, referral_id, &rc);
	bind_opt_int(s, 2, referrer_id, &rc);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_double(s, 3, amount);
	bind_text(s, 4, rule, &rc);
	bind_int(s, 5, at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "add reward for referral %lld", (long long)referral_id);
	else if (id_r)
		*id_r = sqlite3_last_insert_rowid(st->db);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_rewards_list(struct store *st, struct reward_view **v_r, size_t *n_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_REWARD_LIST);
	struct reward_view *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*v_r = NULL;
	*n_r = 0;
	if (s == NULL)
		return -1;
	for (rc = sqlite3_step(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		struct reward_view *w;

		v = xgrow(v, &cap, n + 1, sizeof(*v));
		w = &v[n++];
		memset(w, 0, sizeof(*w));
		w->id = sqlite3_column_int64(s, 0);
		w->referral_id = sqlite3_column_int64(s, 1);
		w->amount = sqlite3_column_double(s, 2);
		w->rule = col_text(s, 3);
		w->state = col_text(s, 4);
		w->created_at = sqlite3_column_int64(s, 5);
		w->paid_at = sqlite3_column_int64(s, 6);
		w->referrer.name = col_text(s, 7);
		w->referrer.email = col_text(s, 8);
		w->lead.name = col_text(s, 9);
		w->lead.email = col_text(s, 10);
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "list rewards");
		stmt_done(s);
		store_reward_views_free(v, n);
		return -1;
	}
	stmt_done(s);
	*v_r = v;
	*n_r = n;
	return 0;
}

void store_reward_views_free(struct reward_view *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].rule);
		free(v[i].state);
		person_view_clear(&v[i].referrer);
		person_view_clear(&v[i].lead);
	}
	free(v);
}

int store_reward_pay(struct store *st, int64_t id, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_REWARD_PAY);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_int(s, 2, at, &rc);
	rc = job_update(st, s, rc, id, "pay reward");
	return rc < 0 ? -1 : rc == 1;
}

int store_confirmation_add(struct store *st, int64_t referral_id, const char *rep,
                           const char *command, const char *arg, const char *message_key,
                           int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_CONFIRM_ADD);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, referral_id, &rc);
	bind_text(s, 2, rep, &rc);
	bind_text(s, 3, command, &rc);
	bind_text(s, 4, arg, &rc);
	bind_text(s, 5, message_key, &rc);
	bind_int(s, 6, at, &rc);
	rc = stmt_step(s, rc);
	if (rc != SQLITE_DONE)
		store_fail(st, "add confirmation for referral %lld", (long long)referral_id);
	stmt_done(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_confirmation_find(struct store *st, const char *key, struct confirmation_view *c)
{
	sqlite3_stmt *s = stmt_get(st, ST_CONFIRM_FIND);
	int rc = SQLITE_OK;

	memset(c, 0, sizeof(*c));
	if (s == NULL)
		return -1;
	bind_text(s, 1, key, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW) {
		c->id = sqlite3_column_int64(s, 0);
		c->referral_id = sqlite3_column_int64(s, 1);
		c->rep = col_text(s, 2);
		c->command = col_text(s, 3);
		c->arg = col_text(s, 4);
		c->state = col_text(s, 5);
	} else if (rc != SQLITE_DONE) {
		store_fail(st, "find confirmation " ERR_ARG, key ? key : "(null)");
	}
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

void store_confirmation_clear(struct confirmation_view *c)
{
	free(c->rep);
	free(c->command);
	free(c->arg);
	free(c->state);
	memset(c, 0, sizeof(*c));
}

int store_confirmation_done(struct store *st, int64_t id, const char *state, int64_t at)
{
	sqlite3_stmt *s = stmt_get(st, ST_CONFIRM_DONE);
	int rc = SQLITE_OK;

	if (s == NULL)
		return -1;
	bind_int(s, 1, id, &rc);
	bind_text(s, 2, state, &rc);
	bind_int(s, 3, at, &rc);
	rc = job_update(st, s, rc, id, "close confirmation");
	return rc < 0 ? -1 : rc == 1;
}

int store_sent_message_find(struct store *st, const char *key, int64_t *referral_r)
{
	sqlite3_stmt *s = stmt_get(st, ST_MESSAGE_FIND_OUT);
	int rc = SQLITE_OK;

	*referral_r = 0;
	if (s == NULL)
		return -1;
	bind_text(s, 1, key, &rc);
	rc = stmt_step(s, rc);
	if (rc == SQLITE_ROW)
		*referral_r = sqlite3_column_int64(s, 1);
	else if (rc != SQLITE_DONE)
		store_fail(st, "find sent message " ERR_ARG, key ? key : "(null)");
	stmt_done(s);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_report(struct store *st, int64_t since, struct report *r)
{
	sqlite3_stmt *s;
	int64_t *delays = NULL;
	size_t nd = 0, cap = 0;
	int rc = SQLITE_OK;

	memset(r, 0, sizeof(*r));
	r->since = since;
	if ((s = stmt_get(st, ST_REPORT_STATUS)) == NULL)
		return -1;
	bind_int(s, 1, since, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		const char *status = (const char *)sqlite3_column_text(s, 0);
		int64_t n = sqlite3_column_int64(s, 1);

		r->total += n;
		for (size_t i = 0; i < ARRAY_SIZE(r->by_status); i++)
			if (status && strcmp(status, store_statuses[i]) == 0)
				r->by_status[i] = n;
		if (status && strcmp(status, "won") == 0)
			r->won_value = sqlite3_column_double(s, 2);
	}
	stmt_done(s);
	if (rc != SQLITE_DONE)
		goto fail;

	if ((s = stmt_get(st, ST_REPORT_CONTACT)) == NULL)
		return -1;
	rc = SQLITE_OK;
	bind_int(s, 1, since, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		delays = xgrow(delays, &cap, nd + 1, sizeof(*delays));
		delays[nd++] = sqlite3_column_int64(s, 0);
	}
	stmt_done(s);
	if (rc != SQLITE_DONE)
		goto fail;
	r->contacted = (int64_t)nd;
	if (nd) {
		double sum = 0;

		for (size_t i = 0; i < nd; i++)
			sum += (double)delays[i];
		r->first_contact_mean = sum / (double)nd;
		r->first_contact_median =
		        nd % 2 ? (double)delays[nd / 2]
		               : ((double)delays[nd / 2 - 1] + (double)delays[nd / 2]) / 2;
	}
	free(delays);
	delays = NULL;

	if ((s = stmt_get(st, ST_REPORT_REFERRERS)) == NULL)
		return -1;
	rc = SQLITE_OK;
	bind_int(s, 1, since, &rc);
	for (rc = stmt_step(s, rc); rc == SQLITE_ROW && r->ntop < ARRAY_SIZE(r->top);
	     rc = sqlite3_step(s)) {
		struct report_referrer *t = &r->top[r->ntop++];

		t->name = col_text(s, 0);
		t->email = col_text(s, 1);
		t->referrals = sqlite3_column_int64(s, 2);
		t->won = sqlite3_column_int64(s, 3);
		t->won_value = sqlite3_column_double(s, 4);
	}
	stmt_done(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		goto fail;

	if ((s = stmt_get(st, ST_REPORT_REWARDS)) == NULL)
		return -1;
	for (rc = sqlite3_step(s); rc == SQLITE_ROW; rc = sqlite3_step(s)) {
		const char *state = (const char *)sqlite3_column_text(s, 0);

		if (state && strcmp(state, "owed") == 0) {
			r->rewards_owed_n = sqlite3_column_int64(s, 1);
			r->rewards_owed = sqlite3_column_double(s, 2);
		} else if (state && strcmp(state, "paid") == 0) {
			r->rewards_paid_n = sqlite3_column_int64(s, 1);
			r->rewards_paid = sqlite3_column_double(s, 2);
		}
	}
	stmt_done(s);
	if (rc != SQLITE_DONE)
		goto fail;
	return 0;
fail:
	free(delays);
	store_fail(st, "report");
	store_report_clear(r);
	return -1;
}

void store_report_clear(struct report *r)
{
	for (size_t i = 0; i < r->ntop; i++) {
		free(r->top[i].name);
		free(r->top[i].email);
	}
	r->ntop = 0;
}
