import GRDB

extension Migrations {
    /// The first shipped schema (2026-11-26): every table of the first release, its indexes and triggers.
    static func registerInitialSchema(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-26 initial schema") { db in
            try db.execute(
                sql: """
                    CREATE TABLE operator (
                        id TEXT PRIMARY KEY NOT NULL,
                        name TEXT NOT NULL,
                        role TEXT NOT NULL CHECK (role IN ('admin','helpdesk','bench','kiosk','auditor','mdm','relyingParty','metrics','board')),
                        site TEXT,
                        userPrincipalName TEXT,
                        tokenDigest BLOB NOT NULL UNIQUE,
                        allowedSubjects TEXT NOT NULL DEFAULT '[]',
                        allowedSources TEXT NOT NULL DEFAULT '[]',
                        createdAt DATETIME NOT NULL,
                        createdBy TEXT REFERENCES operator(id),
                        expiresAt DATETIME,
                        revokedAt DATETIME,
                        CHECK (site IS NOT NULL OR role IN ('admin','helpdesk','auditor'))
                    );

                    CREATE TABLE device (
                        id TEXT PRIMARY KEY NOT NULL,
                        serialNumber TEXT NOT NULL,
                        platform TEXT NOT NULL CHECK (platform IN ('ios','ipados','android','windows','macos','linux','other')),
                        model TEXT,
                        assetTag TEXT,
                        site TEXT NOT NULL,
                        enrollmentState TEXT NOT NULL CHECK (enrollmentState IN ('pending','enrolling','enrolled','failed','retired')),
                        mdmDeviceId TEXT,
                        lastSeenAt DATETIME,
                        createdAt DATETIME NOT NULL,
                        UNIQUE (serialNumber, platform)
                    );
                    CREATE INDEX device_site ON device(site, id);

                    CREATE TABLE session (
                        id TEXT PRIMARY KEY NOT NULL,
                        scenario TEXT NOT NULL CHECK (scenario IN ('deviceEnrollment','fido2Registration')),
                        state TEXT NOT NULL CHECK (state IN ('awaitingApproval','pending','active','inProgress','expired',
                                                             'lockedOut','completed','cancelled','rejected','abandoned')),
                        site TEXT NOT NULL,
                        userPrincipalName TEXT NOT NULL,
                        deviceId TEXT REFERENCES device(id),
                        createdBy TEXT NOT NULL REFERENCES operator(id),
                        reason TEXT,
                        proofing TEXT,
                        createdAt DATETIME NOT NULL,
                        updatedAt DATETIME NOT NULL,
                        completionDeadline DATETIME NOT NULL,
                        firstUsedAt DATETIME,
                        closedAt DATETIME,
                        CHECK (scenario = 'fido2Registration' OR deviceId IS NOT NULL)
                    );
                    CREATE INDEX session_user ON session(userPrincipalName, state);
                    CREATE INDEX session_site ON session(site, id);
                    CREATE INDEX session_state ON session(state, id);
                    CREATE INDEX session_device ON session(deviceId, state);

                    CREATE TABLE pass (
                        id TEXT PRIMARY KEY NOT NULL,
                        sessionId TEXT NOT NULL REFERENCES session(id),
                        digest BLOB NOT NULL,
                        createdAt DATETIME NOT NULL,
                        startsAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        maxUses INTEGER NOT NULL CHECK (maxUses >= 1),
                        uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= maxUses),
                        revokedAt DATETIME,
                        lockedAt DATETIME,
                        CHECK (expiresAt > startsAt)
                    );
                    -- At most one live (not revoked) pass per session.
                    CREATE UNIQUE INDEX pass_live ON pass(sessionId) WHERE revokedAt IS NULL;
                    CREATE INDEX pass_session ON pass(sessionId);

                    CREATE TABLE sessionToken (
                        digest BLOB PRIMARY KEY NOT NULL,
                        sessionId TEXT NOT NULL REFERENCES session(id),
                        createdAt DATETIME NOT NULL,
                        expiresAt DATETIME NOT NULL,
                        revokedAt DATETIME
                    );
                    CREATE INDEX sessionToken_session ON sessionToken(sessionId);

                    CREATE TABLE redeemFailure (
                        userPrincipalName TEXT PRIMARY KEY NOT NULL,
                        count INTEGER NOT NULL,
                        unreported INTEGER NOT NULL,
                        firstAt DATETIME NOT NULL,
                        lastAt DATETIME NOT NULL
                    );

                    CREATE TABLE idempotencyKey (
                        operatorId TEXT NOT NULL REFERENCES operator(id),
                        key TEXT NOT NULL,
                        requestDigest BLOB NOT NULL,
                        sessionId TEXT NOT NULL REFERENCES session(id),
                        createdAt DATETIME NOT NULL,
                        PRIMARY KEY (operatorId, key)
                    );
                    CREATE INDEX idempotencyKey_age ON idempotencyKey(createdAt);

                    CREATE TABLE auditEvent (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        time DATETIME NOT NULL,
                        type TEXT NOT NULL,
                        sessionId TEXT,
                        actor TEXT NOT NULL,
                        data TEXT NOT NULL,
                        mac BLOB NOT NULL
                    );
                    CREATE INDEX auditEvent_session ON auditEvent(sessionId, seq);
                    CREATE INDEX auditEvent_time ON auditEvent(time);
                    -- Append-only: the application never updates or deletes an event. Someone with the file can
                    -- drop these triggers; the HMAC chain is what detects that.
                    CREATE TRIGGER auditEvent_no_update BEFORE UPDATE ON auditEvent
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
                    CREATE TRIGGER auditEvent_no_delete BEFORE DELETE ON auditEvent
                        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

                    CREATE TABLE auditHead (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        seq INTEGER NOT NULL,
                        mac BLOB NOT NULL,
                        headMac BLOB NOT NULL
                    );

                    CREATE TABLE policy (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        document TEXT NOT NULL,
                        updatedAt DATETIME NOT NULL,
                        updatedBy TEXT
                    );
                    """)
        }
    }
}
