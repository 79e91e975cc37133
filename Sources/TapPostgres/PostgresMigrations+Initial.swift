/// The first shipped schema in PostgreSQL's dialect (`2026-11-26 initial schema`), table for table and
/// index for index what SQLite's says; `PostgresSchemaTests` compares the two.
extension PostgresMigrations {
    static let initialSchema = [
        Migration(
            "2026-11-26 initial schema",
            """
            CREATE TABLE operator (
                id text PRIMARY KEY,
                name text NOT NULL,
                role text NOT NULL CHECK (role IN ('admin','helpdesk','bench','kiosk','auditor','mdm','relyingParty','metrics','board')),
                site text,
                userPrincipalName text,
                tokenDigest bytea NOT NULL UNIQUE,
                allowedSubjects text NOT NULL DEFAULT '[]',
                allowedSources text NOT NULL DEFAULT '[]',
                createdAt timestamptz NOT NULL,
                createdBy text REFERENCES operator(id),
                expiresAt timestamptz,
                revokedAt timestamptz,
                CHECK (site IS NOT NULL OR role IN ('admin','helpdesk','auditor'))
            );
            CREATE TABLE device (
                id text PRIMARY KEY,
                serialNumber text NOT NULL,
                platform text NOT NULL CHECK (platform IN ('ios','ipados','android','windows','macos','linux','other')),
                model text,
                assetTag text,
                site text NOT NULL,
                enrollmentState text NOT NULL CHECK (enrollmentState IN ('pending','enrolling','enrolled','failed','retired')),
                mdmDeviceId text,
                lastSeenAt timestamptz,
                createdAt timestamptz NOT NULL,
                UNIQUE (serialNumber, platform)
            );
            CREATE INDEX device_site ON device(site, id);
            CREATE TABLE session (
                id text PRIMARY KEY,
                scenario text NOT NULL CHECK (scenario IN ('deviceEnrollment','fido2Registration')),
                state text NOT NULL CHECK (state IN ('awaitingApproval','pending','active','inProgress','expired',
                                                     'lockedOut','completed','cancelled','rejected','abandoned')),
                site text NOT NULL,
                userPrincipalName text NOT NULL,
                deviceId text REFERENCES device(id),
                createdBy text NOT NULL REFERENCES operator(id),
                reason text,
                proofing text,
                createdAt timestamptz NOT NULL,
                updatedAt timestamptz NOT NULL,
                completionDeadline timestamptz NOT NULL,
                firstUsedAt timestamptz,
                closedAt timestamptz,
                CHECK (scenario = 'fido2Registration' OR deviceId IS NOT NULL)
            );
            CREATE INDEX "session_user" ON session(userPrincipalName, state);
            CREATE INDEX session_site ON session(site, id);
            CREATE INDEX session_state ON session(state, id);
            CREATE INDEX session_device ON session(deviceId, state);
            CREATE TABLE pass (
                id text PRIMARY KEY,
                sessionId text NOT NULL REFERENCES session(id),
                digest bytea NOT NULL,
                createdAt timestamptz NOT NULL,
                startsAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                maxUses bigint NOT NULL CHECK (maxUses >= 1),
                uses bigint NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= maxUses),
                revokedAt timestamptz,
                lockedAt timestamptz,
                CHECK (expiresAt > startsAt)
            );
            CREATE UNIQUE INDEX pass_live ON pass(sessionId) WHERE revokedAt IS NULL;
            CREATE INDEX pass_session ON pass(sessionId);
            CREATE TABLE sessionToken (
                digest bytea PRIMARY KEY,
                sessionId text NOT NULL REFERENCES session(id),
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                revokedAt timestamptz
            );
            CREATE INDEX sessionToken_session ON sessionToken(sessionId);
            CREATE TABLE redeemFailure (
                userPrincipalName text PRIMARY KEY,
                count bigint NOT NULL,
                unreported bigint NOT NULL,
                firstAt timestamptz NOT NULL,
                lastAt timestamptz NOT NULL
            );
            CREATE TABLE idempotencyKey (
                operatorId text NOT NULL REFERENCES operator(id),
                key text NOT NULL,
                requestDigest bytea NOT NULL,
                sessionId text NOT NULL REFERENCES session(id),
                createdAt timestamptz NOT NULL,
                PRIMARY KEY (operatorId, key)
            );
            CREATE INDEX idempotencyKey_age ON idempotencyKey(createdAt);
            CREATE TABLE auditEvent (
                seq bigint PRIMARY KEY,
                time timestamptz NOT NULL,
                type text NOT NULL,
                sessionId text,
                actor text NOT NULL,
                data text NOT NULL,
                mac bytea NOT NULL
            );
            CREATE INDEX auditEvent_session ON auditEvent(sessionId, seq);
            CREATE INDEX auditEvent_time ON auditEvent(time);
            CREATE FUNCTION auditEvent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$;
            CREATE TRIGGER auditEvent_no_update BEFORE UPDATE ON auditEvent
                FOR EACH ROW EXECUTE FUNCTION auditEvent_append_only();
            CREATE TRIGGER auditEvent_no_delete BEFORE DELETE ON auditEvent
                FOR EACH ROW EXECUTE FUNCTION auditEvent_append_only();
            CREATE TABLE auditHead (
                id bigint PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                mac bytea NOT NULL,
                headMac bytea NOT NULL
            );
            CREATE TABLE policy (
                id bigint PRIMARY KEY CHECK (id = 1),
                document text NOT NULL,
                updatedAt timestamptz NOT NULL,
                updatedBy text
            );
            """)
    ]
}
