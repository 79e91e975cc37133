import GRDB

/// The schema, as named, append-only migrations. Never edit a migration that has shipped; add one.
enum Migrations {
    /// Migrations recorded in the file that this build does not have: a newer TapStation wrote it.
    static func appliedButUnknown(_ db: Database) throws -> [String] {
        guard try db.tableExists("grdb_migrations") else { return [] }
        let known = Set(migrator.migrations)
        return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
            .filter { !known.contains($0) }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        registerInitialSchema(&migrator)
        migrator.registerMigration("2026-11-26 secret versions on every digest") { db in
            // Which server secret version made each stored MAC, so that a rotation keeps old ones verifiable.
            for table in ["operator", "pass", "sessionToken", "auditEvent", "auditHead"] {
                try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN keyVersion INTEGER NOT NULL DEFAULT 1")
            }
        }
        migrator.registerMigration("2026-11-26 trusted issuance") { db in
            try db.execute(
                sql: """
                    ALTER TABLE session ADD COLUMN passRequest TEXT;
                    ALTER TABLE session ADD COLUMN approval TEXT;
                    ALTER TABLE session ADD COLUMN approvalDeadline DATETIME;
                    ALTER TABLE session ADD COLUMN privilegedSubject BOOLEAN NOT NULL DEFAULT 0;
                    CREATE INDEX session_approval ON session(state, approvalDeadline) WHERE state = 'awaitingApproval';
                    ALTER TABLE pass ADD COLUMN issuedBy TEXT REFERENCES operator(id);
                    CREATE INDEX pass_issuer ON pass(issuedBy, createdAt);
                    CREATE INDEX pass_created ON pass(createdAt);
                    ALTER TABLE operator ADD COLUMN previousTokenDigest BLOB;
                    ALTER TABLE operator ADD COLUMN previousTokenKeyVersion INTEGER;
                    ALTER TABLE operator ADD COLUMN previousTokenExpiresAt DATETIME;
                    CREATE INDEX operator_previous_token ON operator(previousTokenDigest);
                    CREATE TABLE issuanceLock (
                        userPrincipalName TEXT PRIMARY KEY NOT NULL,
                        lockedUntil DATETIME NOT NULL,
                        reason TEXT NOT NULL,
                        lockedBy TEXT NOT NULL REFERENCES operator(id),
                        createdAt DATETIME NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("2026-11-26 kiosk enrolment codes") { db in
            // One-time codes a new kiosk exchanges for its operator token; only a MAC of each is kept.
            try db.execute(
                sql: """
                    CREATE TABLE kioskEnrolmentCode (
                        operatorId TEXT PRIMARY KEY NOT NULL REFERENCES operator(id),
                        digest BLOB NOT NULL UNIQUE,
                        keyVersion INTEGER NOT NULL,
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        usedAt DATETIME
                    );
                    """)
        }
        migrator.registerMigration("2026-11-26 site and state listing index") { db in
            // A bench lead's list (its site, one state) was a scan of the site's sessions; bench/scale found
            // it the slowest page at 100,000 sessions.
            try db.execute(sql: "CREATE INDEX session_site_state ON session(site, state, id)")
        }
        migrator.registerMigration("2026-11-26 security keys and webauthn challenges") { db in
            // Registered FIDO2 keys, and the challenges of ceremonies under way. A challenge is stored as its
            // SHA-256 only, single-use (usedAt) and expiring, bound to a session or to a relying-party token,
            // so a restart keeps it valid and a database reader cannot answer it.
            try db.execute(
                sql: """
                    CREATE TABLE securityKey (
                        id TEXT PRIMARY KEY NOT NULL,
                        credentialId BLOB NOT NULL UNIQUE CHECK (length(credentialId) BETWEEN 1 AND 1023),
                        userPrincipalName TEXT NOT NULL,
                        userHandle BLOB NOT NULL,
                        site TEXT NOT NULL,
                        -- The session that registered it; no foreign key, because a key outlives its session
                        -- when retention purges closed sessions.
                        sessionId TEXT NOT NULL,
                        publicKey BLOB NOT NULL,
                        algorithm INTEGER NOT NULL,
                        signCount INTEGER NOT NULL CHECK (signCount >= 0),
                        aaguid TEXT NOT NULL,
                        attestationFormat TEXT NOT NULL,
                        attestationType TEXT NOT NULL,
                        attestationTrust TEXT NOT NULL,
                        attestation TEXT NOT NULL,
                        transports TEXT NOT NULL DEFAULT '[]',
                        backupEligible BOOLEAN NOT NULL,
                        backupState BOOLEAN NOT NULL,
                        userVerified BOOLEAN NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pendingProof','active')),
                        proven BOOLEAN NOT NULL DEFAULT 0,
                        createdAt DATETIME NOT NULL,
                        lastUsedAt DATETIME
                    );
                    CREATE INDEX securityKey_user ON securityKey(userPrincipalName, id);
                    CREATE INDEX securityKey_session ON securityKey(sessionId);
                    CREATE INDEX securityKey_site ON securityKey(site, id);

                    CREATE TABLE webauthnChallenge (
                        digest BLOB PRIMARY KEY NOT NULL,
                        purpose TEXT NOT NULL CHECK (purpose IN ('registration','testSignIn','assertion')),
                        sessionId TEXT REFERENCES session(id),
                        operatorId TEXT REFERENCES operator(id),
                        userPrincipalName TEXT,
                        userHandle BLOB,
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        usedAt DATETIME,
                        CHECK ((sessionId IS NULL) <> (operatorId IS NULL))
                    );
                    CREATE INDEX webauthnChallenge_expiry ON webauthnChallenge(expiresAt);
                    """)
        }
        migrator.registerMigration("2026-11-26 batches and webhooks") { db in
            // A batch's idempotency key answers a replay row by row: the session created, or the refusal.
            // Webhook secrets are sealed under a key derived from the server secret; deliveries are an
            // outbox filled from the audit log behind a stored cursor, so a restart loses none.
            try db.execute(
                sql: """
                    CREATE TABLE batchIdempotencyKey (
                        operatorId TEXT NOT NULL REFERENCES operator(id),
                        key TEXT NOT NULL,
                        requestDigest BLOB NOT NULL,
                        items TEXT NOT NULL,
                        createdAt DATETIME NOT NULL,
                        PRIMARY KEY (operatorId, key)
                    );
                    CREATE INDEX batchIdempotencyKey_age ON batchIdempotencyKey(createdAt);

                    CREATE TABLE webhook (
                        id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        eventTypes TEXT NOT NULL,
                        description TEXT,
                        secret BLOB NOT NULL,
                        secretKeyVersion INTEGER NOT NULL,
                        createdAt DATETIME NOT NULL,
                        createdBy TEXT NOT NULL REFERENCES operator(id),
                        deletedAt DATETIME
                    );

                    CREATE TABLE webhookDelivery (
                        id TEXT PRIMARY KEY NOT NULL,
                        webhookId TEXT NOT NULL REFERENCES webhook(id),
                        eventSeq INTEGER NOT NULL,
                        eventType TEXT NOT NULL,
                        sessionId TEXT,
                        payload TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending','delivered','deadLetter','cancelled')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt DATETIME,
                        lastAttemptAt DATETIME,
                        lastStatus INTEGER,
                        lastError TEXT,
                        createdAt DATETIME NOT NULL,
                        deliveredAt DATETIME,
                        UNIQUE (webhookId, eventSeq)
                    );
                    CREATE INDEX webhookDelivery_due ON webhookDelivery(nextAttemptAt) WHERE state = 'pending';
                    CREATE INDEX webhookDelivery_webhook ON webhookDelivery(webhookId, id);

                    CREATE TABLE webhookCursor (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL
                    );
                    INSERT INTO webhookCursor (id, seq) VALUES (1, COALESCE((SELECT seq FROM auditHead WHERE id = 1), 0));
                    """)
        }
        migrator.registerMigration("2026-11-26 retention checkpoint") { db in
            // Retention cuts a prefix off the audit chain: the checkpoint holds the MAC of the last event cut
            // (under its own MAC), verification starts from it, and only events at or before it may go.
            try db.execute(
                sql: """
                    CREATE TABLE auditCheckpoint (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL,
                        mac BLOB NOT NULL,
                        checkpointMac BLOB NOT NULL,
                        keyVersion INTEGER NOT NULL,
                        createdAt DATETIME NOT NULL
                    );
                    DROP TRIGGER auditEvent_no_delete;
                    CREATE TRIGGER auditEvent_no_delete BEFORE DELETE ON auditEvent
                        WHEN OLD.seq > COALESCE((SELECT seq FROM auditCheckpoint WHERE id = 1), 0)
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE INDEX session_closed ON session(closedAt) WHERE closedAt IS NOT NULL;
                    """)
        }
        migrator.registerMigration("2026-11-27 entra passes") { db in
            // Entra mode: one row per pass Graph is asked for. Written as an intent before the Graph call, so
            // that a crash between Graph's create and our commit is found and reconciled at start-up; the
            // revocation is `pending` from the transaction that closes the session until Graph confirms the
            // delete. The pass value is not here, nor in `pass` (whose digest is empty for these rows).
            try db.execute(
                sql: """
                    CREATE TABLE entraPass (
                        passId TEXT PRIMARY KEY NOT NULL REFERENCES pass(id),
                        sessionId TEXT NOT NULL REFERENCES session(id),
                        userPrincipalName TEXT NOT NULL,
                        methodId TEXT,
                        provisioning TEXT NOT NULL CHECK (provisioning IN ('provisioning','issued','failed')),
                        revocation TEXT CHECK (revocation IN ('pending','confirmed')),
                        isUsableOnce BOOLEAN NOT NULL,
                        startsLater BOOLEAN NOT NULL,
                        createdAt DATETIME NOT NULL,
                        revocationAttempts INTEGER NOT NULL DEFAULT 0,
                        revocationRetryAt DATETIME,
                        revocationConfirmedAt DATETIME,
                        lastError TEXT,
                        CHECK (provisioning != 'issued' OR methodId IS NOT NULL),
                        CHECK (revocation IS NULL OR methodId IS NOT NULL)
                    );
                    CREATE UNIQUE INDEX entraPass_method ON entraPass(methodId) WHERE methodId IS NOT NULL;
                    CREATE INDEX entraPass_session ON entraPass(sessionId);
                    CREATE INDEX entraPass_open_intent ON entraPass(createdAt) WHERE provisioning = 'provisioning';
                    CREATE INDEX entraPass_pending ON entraPass(createdAt) WHERE revocation = 'pending';
                    """)
        }
        migrator.registerMigration("2026-11-27 session indexes by id, not state") { db in
            // The user and device indexes held the state too, so every state change (each redeem,
            // completion, sweep) moved an entry in each: more pages written per write. Ordered by id
            // instead, they never change after insert and serve the user and serial filters' id-ordered
            // pages; the few sessions of one user or device are filtered by state from their rows.
            try db.execute(
                sql: """
                    DROP INDEX session_user;
                    CREATE INDEX session_user ON session(userPrincipalName, id);
                    DROP INDEX session_device;
                    CREATE INDEX session_device ON session(deviceId, id);
                    """)
        }
        migrator.registerMigration("2026-11-27 live passes by expiry") { db in
            // The sweep found expired passes by walking every active session, once per sweep even with
            // nothing due: about 55 ms on the writer with 50,000 of them. Live passes by expiry let it read
            // only what expired since the sweep before.
            try db.execute(sql: "CREATE INDEX pass_live_expiry ON pass(expiresAt, id) WHERE revokedAt IS NULL")
        }
        migrator.registerMigration("2026-12-05 issuance locks by scope") { db in
            // A lock belongs to the scope of the operator who set it: '' for every site (a global operator's),
            // or one site (a site-scoped operator's), so that a site's help desk can neither lift a global
            // incident lock nor lock the user out at other sites. Locks from before stay global: that is what
            // they were.
            try db.execute(
                sql: """
                    CREATE TABLE issuanceLockByScope (
                        userPrincipalName TEXT NOT NULL,
                        site TEXT NOT NULL,
                        lockedUntil DATETIME NOT NULL,
                        reason TEXT NOT NULL,
                        lockedBy TEXT NOT NULL REFERENCES operator(id),
                        createdAt DATETIME NOT NULL,
                        PRIMARY KEY (userPrincipalName, site)
                    );
                    INSERT INTO issuanceLockByScope (userPrincipalName, site, lockedUntil, reason, lockedBy, createdAt)
                        SELECT userPrincipalName, '', lockedUntil, reason, lockedBy, createdAt FROM issuanceLock;
                    DROP TABLE issuanceLock;
                    ALTER TABLE issuanceLockByScope RENAME TO issuanceLock;
                    """)
        }
        migrator.registerMigration("2026-12-05 webhooks by site") { db in
            // A webhook belongs to one site (a site admin's) or to none (a global admin's, every site's
            // events). Webhooks from before stay global: that is what they received.
            try db.execute(sql: "ALTER TABLE webhook ADD COLUMN site TEXT")
        }
        migrator.registerMigration("2026-12-05 redeem failure addresses") { db in
            // The address groups a user's failures came from (space-separated, a bounded few), so that a lock-out
            // can tell whether strangers caused it (`user.lockedOutByStrangers`).
            try db.execute(sql: "ALTER TABLE redeemFailure ADD COLUMN addresses TEXT NOT NULL DEFAULT ''")
        }
        migrator.registerMigration("2026-12-06 console sign-in") { db in
            // People in the operator console (issue 23). An invitation is a one-time code, stored as its MAC,
            // that lets an invited person register their first passkey. Operator passkeys are a population of
            // their own: a user's security key never signs an operator in. Console challenges are stored as
            // their SHA-256, single-use and expiring like the users' ones. A console session is the cookie's
            // MAC with an idle and an absolute end; `role` is the operator's role when it began, so a changed
            // role ends it. A single sign-on under way is its state's SHA-256 with the nonce and PKCE verifier it
            // sent (single-use, minutes long); a person who signs in by SSO is found again by the provider's
            // issuer and subject, never by a name or an e-mail address that can be reassigned.
            try db.execute(
                sql: """
                    CREATE TABLE consoleInvitation (
                        operatorId TEXT PRIMARY KEY NOT NULL REFERENCES operator(id),
                        digest BLOB NOT NULL UNIQUE,
                        keyVersion INTEGER NOT NULL,
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        usedAt DATETIME
                    );
                    CREATE TABLE operatorPasskey (
                        id TEXT PRIMARY KEY NOT NULL,
                        operatorId TEXT NOT NULL REFERENCES operator(id),
                        credentialId BLOB NOT NULL UNIQUE CHECK (length(credentialId) BETWEEN 1 AND 1023),
                        userHandle BLOB NOT NULL,
                        publicKey BLOB NOT NULL,
                        algorithm INTEGER NOT NULL,
                        signCount INTEGER NOT NULL CHECK (signCount >= 0),
                        aaguid TEXT NOT NULL,
                        attestationFormat TEXT NOT NULL,
                        attestationTrust TEXT NOT NULL,
                        transports TEXT NOT NULL DEFAULT '[]',
                        backupEligible BOOLEAN NOT NULL,
                        backupState BOOLEAN NOT NULL,
                        createdAt DATETIME NOT NULL,
                        lastUsedAt DATETIME
                    );
                    CREATE INDEX operatorPasskey_operator ON operatorPasskey(operatorId);
                    CREATE TABLE consoleChallenge (
                        digest BLOB PRIMARY KEY NOT NULL,
                        purpose TEXT NOT NULL CHECK (purpose IN ('registration','signIn')),
                        operatorId TEXT REFERENCES operator(id),
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        usedAt DATETIME,
                        CHECK ((purpose = 'registration') = (operatorId IS NOT NULL))
                    );
                    CREATE INDEX consoleChallenge_expiry ON consoleChallenge(expiresAt);
                    CREATE TABLE consoleSession (
                        id TEXT PRIMARY KEY NOT NULL,
                        digest BLOB NOT NULL UNIQUE,
                        keyVersion INTEGER NOT NULL,
                        operatorId TEXT NOT NULL REFERENCES operator(id),
                        role TEXT NOT NULL,
                        method TEXT NOT NULL CHECK (method IN ('passkey','oidc')),
                        createdAt DATETIME NOT NULL,
                        lastSeenAt DATETIME NOT NULL,
                        idleExpiresAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        provenAt DATETIME NOT NULL,
                        endedAt DATETIME
                    );
                    CREATE INDEX consoleSession_operator ON consoleSession(operatorId);
                    CREATE TABLE consoleLogin (
                        stateDigest BLOB PRIMARY KEY NOT NULL,
                        nonce TEXT NOT NULL,
                        codeVerifier TEXT NOT NULL,
                        freshWithin INTEGER,
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        usedAt DATETIME
                    );
                    CREATE TABLE consoleIdentity (
                        issuer TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        operatorId TEXT NOT NULL REFERENCES operator(id),
                        PRIMARY KEY (issuer, subject)
                    );
                    """)
        }
        migrator.registerMigration("2026-12-06 console admin pages") { db in
            // The policy's version: one more at each save, so that the second of two admins editing at once is
            // refused as stale instead of silently undoing the first (issue 24). The console's audit search walks
            // these indexes newest first, by operator and by type; by user it goes through that user's sessions.
            // An operator's last use (time and address) is noted in memory per request and written at each
            // sweep, so the people page can show which tokens are still used without a write per request. A
            // webhook can be disabled (and enabled again) rather than only deleted. A session's events carry its
            // site (outside the MAC: an index, not a record), so a site's events are found newest first by an
            // index at any size; the events written before are given theirs once, here.
            try db.execute(
                sql: """
                    ALTER TABLE policy ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
                    CREATE INDEX auditEvent_actor ON auditEvent(actor, seq);
                    CREATE INDEX auditEvent_type ON auditEvent(type, seq);
                    CREATE TABLE operatorUse (
                        operatorId TEXT PRIMARY KEY NOT NULL REFERENCES operator(id),
                        lastUsedAt DATETIME NOT NULL,
                        lastUsedFrom TEXT NOT NULL
                    );
                    ALTER TABLE webhook ADD COLUMN disabledAt DATETIME;
                    ALTER TABLE auditEvent ADD COLUMN site TEXT;
                    DROP TRIGGER auditEvent_no_update;
                    UPDATE auditEvent SET site = (SELECT site FROM session WHERE session.id = auditEvent.sessionId)
                        WHERE sessionId IS NOT NULL;
                    CREATE TRIGGER auditEvent_no_update BEFORE UPDATE ON auditEvent
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE INDEX auditEvent_site ON auditEvent(site, seq) WHERE site IS NOT NULL;
                    """)
        }
        migrator.registerMigration("2026-12-07 FIDO metadata") { db in
            // The FIDO Metadata Service BLOB in force (issue 27): one row, the verified BLOB kept whole; a key's flag.
            try db.execute(
                sql: """
                    CREATE TABLE fidoMetadata (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        number INTEGER NOT NULL,
                        nextUpdate DATETIME NOT NULL,
                        entries INTEGER NOT NULL,
                        importedAt DATETIME NOT NULL,
                        blob BLOB NOT NULL
                    );
                    ALTER TABLE securityKey ADD COLUMN flaggedStatus TEXT;
                    ALTER TABLE securityKey ADD COLUMN flaggedAt DATETIME;
                    """)
        }
        registerInstanceMigrations(&migrator)
        return migrator
    }
}
