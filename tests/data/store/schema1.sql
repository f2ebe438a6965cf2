-- A database at schema 1 (refagent before follow-up mail), made by
-- ingesting three tests/data/intake messages; sqlite3 .dump.  Used by
-- tests/unit/test_store.c to check the 1 -> 2 migration keeps the data.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE people (  id         INTEGER PRIMARY KEY,  email      TEXT UNIQUE COLLATE NOCASE             CONSTRAINT people_email_lower CHECK (email IS NULL OR               (length(email) > 0 AND email NOT GLOB '*[A-Z]*')),  name       TEXT,  phone      TEXT,  company    TEXT,  created_at INTEGER NOT NULL);
INSERT INTO people VALUES(1,'sarah@partner.test','Sarah Lee',NULL,NULL,1796057571);
INSERT INTO people VALUES(2,'bob@client.test','Bob Smith','(415) 555-0142','Northwind Advisors',1796057571);
INSERT INTO people VALUES(3,NULL,'David Ortiz',NULL,NULL,1796057571);
INSERT INTO people VALUES(4,'fatima@client.test','Fatima Haddad','+44 20 7946 0321',NULL,1796057571);
CREATE TABLE referrals (  id               INTEGER PRIMARY KEY,  status           TEXT NOT NULL CONSTRAINT referral_status CHECK (status IN                     ('new', 'contacted', 'qualified', 'proposal', 'won', 'lost',                      'held', 'rejected', 'expired')),  referrer_id      INTEGER REFERENCES people(id),  lead_id          INTEGER NOT NULL REFERENCES people(id),  rep_email        TEXT COLLATE NOCASE,  rep_name         TEXT,  need             TEXT,  budget           TEXT,  timeline         TEXT,  context          TEXT,  subject          TEXT,  held_reason      TEXT,  thread_key       TEXT,  value            REAL,  created_at       INTEGER NOT NULL,  updated_at       INTEGER NOT NULL,  first_contact_at INTEGER,  closed_at        INTEGER,  last_activity_at INTEGER NOT NULL);
INSERT INTO referrals VALUES(1,'new',1,2,'rep@biz.test','Tom Rivera','is planning a full kitchen remodel','around $25,000','this spring',replace('Hi Bob,\n\nI''d like to introduce you to the team at Brightpath; they did a great job\non our kitchen last year. Bob (Northwind Advisors) is planning a full\nkitchen remodel, budget is around $25,000, and he''d like to start this spring.\n\nBest number to reach Bob is (415) 555-0142.\n\nI''ll let you two take it from here.\n','\n',char(10)),'Bob, meet Brightpath',NULL,'intro-basic-1@partner.test',NULL,1796057571,1796057571,NULL,NULL,1796057571);
INSERT INTO referrals VALUES(2,'new',3,4,'rep2@biz.test','Ana Lopez','needs two bathrooms redone before their tenants move in','under £20,000',NULL,replace('You have a new form submission.\n\nName: Fatima Haddad\nEmail: fatima@client.test\nPhone: +44 20 7946 0321\nHow did you hear about us?: Referred by David Ortiz\nProject: needs two bathrooms redone before their tenants move in\nBudget: under £20,000\n\nSubmitted Tue, 01 Dec 2026 17:00:00 +0000 from https://biz.test/contact\n','\n',char(10)),'New submission: Contact us - Fatima Haddad',NULL,'form-1@forms.biz.test',NULL,1796057571,1796057571,NULL,NULL,1796057571);
CREATE TABLE messages (  id          INTEGER PRIMARY KEY,  key         TEXT NOT NULL UNIQUE,  direction   TEXT NOT NULL CONSTRAINT message_direction                CHECK (direction IN ('in', 'out')),  kind        TEXT NOT NULL,  why         TEXT,  mailbox     TEXT,  uidvalidity INTEGER,  uid         INTEGER,  source      TEXT,  from_email  TEXT,  subject     TEXT,  date        INTEGER,  at          INTEGER NOT NULL);
INSERT INTO messages VALUES(1,'intro-basic-1@partner.test','in','intro','introduction (rule intro-subject)',NULL,NULL,NULL,'tests/data/intake/intro-basic.eml','sarah@partner.test','Bob, meet Brightpath',1796113800,1796057571);
INSERT INTO messages VALUES(2,'form-1@forms.biz.test','in','form','web form (rule form-notification): David Ortiz referred Fatima Haddad',NULL,NULL,NULL,'tests/data/intake/web-form.eml','no-reply@forms.biz.test','New submission: Contact us - Fatima Haddad',1796144400,1796057571);
INSERT INTO messages VALUES(3,'reply-1@client.test','in','reply','reply in the thread of referral 1',NULL,NULL,NULL,'tests/data/intake/reply-in-thread.eml','bob@client.test','Re: Bob, meet Brightpath',1796130000,1796057571);
CREATE TABLE message_referrals (  message_id  INTEGER NOT NULL REFERENCES messages(id),  referral_id INTEGER NOT NULL REFERENCES referrals(id),  PRIMARY KEY (message_id, referral_id)) WITHOUT ROWID;
INSERT INTO message_referrals VALUES(1,1);
INSERT INTO message_referrals VALUES(3,1);
INSERT INTO message_referrals VALUES(2,2);
CREATE TABLE events (  id          INTEGER PRIMARY KEY,  referral_id INTEGER NOT NULL REFERENCES referrals(id),  at          INTEGER NOT NULL,  actor       TEXT NOT NULL,  kind        TEXT NOT NULL,  old_status  TEXT,  new_status  TEXT,  detail      TEXT,  message_id  INTEGER REFERENCES messages(id));
INSERT INTO events VALUES(1,1,1796057571,'sarah@partner.test','created',NULL,'new','introduction (rule intro-subject)',1);
INSERT INTO events VALUES(2,1,1796057571,'agent','assigned',NULL,NULL,'assigned to Tom Rivera <rep@biz.test> (round robin)',1);
INSERT INTO events VALUES(3,2,1796057571,'agent','created',NULL,'new','web form (rule form-notification): David Ortiz referred Fatima Haddad',2);
INSERT INTO events VALUES(4,2,1796057571,'agent','assigned',NULL,NULL,'assigned to Ana Lopez <rep2@biz.test> (round robin)',2);
INSERT INTO events VALUES(5,1,1796057571,'bob@client.test','reply',NULL,NULL,'reply from bob@client.test',3);
CREATE TABLE checkpoints (  mailbox     TEXT NOT NULL PRIMARY KEY,  uidvalidity INTEGER NOT NULL CONSTRAINT checkpoint_uidvalidity                CHECK (uidvalidity BETWEEN 0 AND 4294967295),  last_uid    INTEGER NOT NULL CONSTRAINT checkpoint_last_uid                CHECK (last_uid BETWEEN 0 AND 4294967295)) WITHOUT ROWID;
CREATE TABLE counters (  name  TEXT NOT NULL PRIMARY KEY,  value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO counters VALUES('round_robin',2);
CREATE INDEX referrals_lead_status ON referrals(lead_id, status);
CREATE INDEX referrals_status ON referrals(status);
CREATE INDEX messages_kind ON messages(kind);
CREATE INDEX message_referrals_referral ON message_referrals(referral_id);
CREATE INDEX events_referral ON events(referral_id, at);
COMMIT;
PRAGMA user_version = 1;
