/// The migrations after the first, each under the identifier of SQLite's migration that says the same
/// (Sources/TapStorage/Engine/Migrations.swift says why each exists). SQLite rebuilds a table where PostgreSQL
/// alters it; the resulting schemas are compared by `PostgresSchemaTests`. Never edit one that has shipped.
extension PostgresMigrations {
    static let laterMigrations = [
        Migration(
            "2026-11-26 secret versions on every digest",
            """
            ALTER TABLE operator ADD COLUMN keyVersion bigint NOT NULL DEFAULT 1;
            ALTER TABLE pass ADD COLUMN keyVersion bigint NOT NULL DEFAULT 1;
            ALTER TABLE sessionToken ADD COLUMN keyVersion bigint NOT NULL DEFAULT 1;
            ALTER TABLE auditEvent ADD COLUMN keyVersion bigint NOT NULL DEFAULT 1;
            ALTER TABLE auditHead ADD COLUMN keyVersion bigint NOT NULL DEFAULT 1;
            """),
        Migration(
            "2026-11-26 trusted issuance",
            """
            ALTER TABLE session ADD COLUMN passRequest text;
            ALTER TABLE session ADD COLUMN approval text;
            ALTER TABLE session ADD COLUMN approvalDeadline timestamptz;
            ALTER TABLE session ADD COLUMN privilegedSubject boolean NOT NULL DEFAULT false;
            CREATE INDEX session_approval ON session(state, approvalDeadline) WHERE state = 'awaitingApproval';
            ALTER TABLE pass ADD COLUMN issuedBy text REFERENCES operator(id);
            CREATE INDEX pass_issuer ON pass(issuedBy, createdAt);
            CREATE INDEX pass_created ON pass(createdAt);
            ALTER TABLE operator ADD COLUMN previousTokenDigest bytea;
            ALTER TABLE operator ADD COLUMN previousTokenKeyVersion bigint;
            ALTER TABLE operator ADD COLUMN previousTokenExpiresAt timestamptz;
            CREATE INDEX operator_previous_token ON operator(previousTokenDigest);
            CREATE TABLE issuanceLock (
                userPrincipalName text PRIMARY KEY,
                lockedUntil timestamptz NOT NULL,
                reason text NOT NULL,
                lockedBy text NOT NULL REFERENCES operator(id),
                createdAt timestamptz NOT NULL
            );
            """),
        Migration(
            "2026-11-26 kiosk enrolment codes",
            """
            CREATE TABLE kioskEnrolmentCode (
                operatorId text PRIMARY KEY REFERENCES operator(id),
                digest bytea NOT NULL UNIQUE,
                keyVersion bigint NOT NULL,
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                usedAt timestamptz
            );
            """),
        Migration(
            "2026-11-26 site and state listing index",
            """
            CREATE INDEX session_site_state ON session(site, state, id);
            """),
        Migration(
            "2026-11-26 security keys and webauthn challenges",
            """
            CREATE TABLE securityKey (
                id text PRIMARY KEY,
                credentialId bytea NOT NULL UNIQUE CHECK (length(credentialId) BETWEEN 1 AND 1023),
                userPrincipalName text NOT NULL,
                userHandle bytea NOT NULL,
                site text NOT NULL,
                sessionId text NOT NULL,
                publicKey bytea NOT NULL,
                algorithm bigint NOT NULL,
                signCount bigint NOT NULL CHECK (signCount >= 0),
                aaguid text NOT NULL,
                attestationFormat text NOT NULL,
                attestationType text NOT NULL,
                attestationTrust text NOT NULL,
                attestation text NOT NULL,
                transports text NOT NULL DEFAULT '[]',
                backupEligible boolean NOT NULL,
                backupState boolean NOT NULL,
                userVerified boolean NOT NULL,
                status text NOT NULL CHECK (status IN ('pendingProof','active')),
                proven boolean NOT NULL DEFAULT false,
                createdAt timestamptz NOT NULL,
                lastUsedAt timestamptz
            );
            CREATE INDEX securityKey_user ON securityKey(userPrincipalName, id);
            CREATE INDEX securityKey_session ON securityKey(sessionId);
            CREATE INDEX securityKey_site ON securityKey(site, id);
            CREATE TABLE webauthnChallenge (
                digest bytea PRIMARY KEY,
                purpose text NOT NULL CHECK (purpose IN ('registration','testSignIn','assertion')),
                sessionId text REFERENCES session(id),
                operatorId text REFERENCES operator(id),
                userPrincipalName text,
                userHandle bytea,
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                usedAt timestamptz,
                CHECK ((sessionId IS NULL) <> (operatorId IS NULL))
            );
            CREATE INDEX webauthnChallenge_expiry ON webauthnChallenge(expiresAt);
            """),
        Migration(
            "2026-11-26 batches and webhooks",
            """
            CREATE TABLE batchIdempotencyKey (
                operatorId text NOT NULL REFERENCES operator(id),
                key text NOT NULL,
                requestDigest bytea NOT NULL,
                items text NOT NULL,
                createdAt timestamptz NOT NULL,
                PRIMARY KEY (operatorId, key)
            );
            CREATE INDEX batchIdempotencyKey_age ON batchIdempotencyKey(createdAt);
            CREATE TABLE webhook (
                id text PRIMARY KEY,
                url text NOT NULL,
                eventTypes text NOT NULL,
                description text,
                secret bytea NOT NULL,
                secretKeyVersion bigint NOT NULL,
                createdAt timestamptz NOT NULL,
                createdBy text NOT NULL REFERENCES operator(id),
                deletedAt timestamptz
            );
            CREATE TABLE webhookDelivery (
                id text PRIMARY KEY,
                webhookId text NOT NULL REFERENCES webhook(id),
                eventSeq bigint NOT NULL,
                eventType text NOT NULL,
                sessionId text,
                payload text NOT NULL,
                state text NOT NULL CHECK (state IN ('pending','delivered','deadLetter','cancelled')),
                attempts bigint NOT NULL DEFAULT 0,
                nextAttemptAt timestamptz,
                lastAttemptAt timestamptz,
                lastStatus bigint,
                lastError text,
                createdAt timestamptz NOT NULL,
                deliveredAt timestamptz,
                UNIQUE (webhookId, eventSeq)
            );
            CREATE INDEX webhookDelivery_due ON webhookDelivery(nextAttemptAt) WHERE state = 'pending';
            CREATE INDEX webhookDelivery_webhook ON webhookDelivery(webhookId, id);
            CREATE TABLE webhookCursor (
                id bigint PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL
            );
            INSERT INTO webhookCursor (id, seq) VALUES (1, COALESCE((SELECT seq FROM auditHead WHERE id = 1), 0));
            """),
        Migration(
            "2026-11-26 retention checkpoint",
            """
            CREATE TABLE auditCheckpoint (
                id bigint PRIMARY KEY CHECK (id = 1),
                seq bigint NOT NULL,
                mac bytea NOT NULL,
                checkpointMac bytea NOT NULL,
                keyVersion bigint NOT NULL,
                createdAt timestamptz NOT NULL
            );
            DROP TRIGGER auditEvent_no_delete ON auditEvent;
            CREATE FUNCTION auditEvent_delete_behind_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF OLD.seq > COALESCE((SELECT seq FROM auditCheckpoint WHERE id = 1), 0) THEN
                        RAISE EXCEPTION 'audit events are append-only';
                    END IF;
                    RETURN OLD;
                END $$;
            CREATE TRIGGER auditEvent_no_delete BEFORE DELETE ON auditEvent
                FOR EACH ROW EXECUTE FUNCTION auditEvent_delete_behind_checkpoint();
            CREATE INDEX session_closed ON session(closedAt) WHERE closedAt IS NOT NULL;
            """),
        Migration(
            "2026-11-27 entra passes",
            """
            CREATE TABLE entraPass (
                passId text PRIMARY KEY REFERENCES pass(id),
                sessionId text NOT NULL REFERENCES session(id),
                userPrincipalName text NOT NULL,
                methodId text,
                provisioning text NOT NULL CHECK (provisioning IN ('provisioning','issued','failed')),
                revocation text CHECK (revocation IN ('pending','confirmed')),
                isUsableOnce boolean NOT NULL,
                startsLater boolean NOT NULL,
                createdAt timestamptz NOT NULL,
                revocationAttempts bigint NOT NULL DEFAULT 0,
                revocationRetryAt timestamptz,
                revocationConfirmedAt timestamptz,
                lastError text,
                CHECK (provisioning != 'issued' OR methodId IS NOT NULL),
                CHECK (revocation IS NULL OR methodId IS NOT NULL)
            );
            CREATE UNIQUE INDEX entraPass_method ON entraPass(methodId) WHERE methodId IS NOT NULL;
            CREATE INDEX entraPass_session ON entraPass(sessionId);
            CREATE INDEX entraPass_open_intent ON entraPass(createdAt) WHERE provisioning = 'provisioning';
            CREATE INDEX entraPass_pending ON entraPass(createdAt) WHERE revocation = 'pending';
            """),
        Migration(
            "2026-11-27 session indexes by id, not state",
            """
            DROP INDEX "session_user";
            CREATE INDEX "session_user" ON session(userPrincipalName, id);
            DROP INDEX session_device;
            CREATE INDEX session_device ON session(deviceId, id);
            """),
        Migration(
            "2026-11-27 live passes by expiry",
            """
            CREATE INDEX pass_live_expiry ON pass(expiresAt, id) WHERE revokedAt IS NULL;
            """),
        Migration(
            "2026-12-05 issuance locks by scope",
            """
            ALTER TABLE issuanceLock ADD COLUMN site text NOT NULL DEFAULT '';
            ALTER TABLE issuanceLock DROP CONSTRAINT issuancelock_pkey;
            ALTER TABLE issuanceLock ADD PRIMARY KEY (userPrincipalName, site);
            """),
        Migration(
            "2026-12-05 webhooks by site",
            """
            ALTER TABLE webhook ADD COLUMN site text;
            """),
        Migration(
            "2026-12-05 redeem failure addresses",
            """
            ALTER TABLE redeemFailure ADD COLUMN addresses text NOT NULL DEFAULT '';
            """),
        Migration(
            "2026-12-06 console sign-in",
            """
            CREATE TABLE consoleInvitation (
                operatorId text PRIMARY KEY REFERENCES operator(id),
                digest bytea NOT NULL UNIQUE,
                keyVersion bigint NOT NULL,
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                usedAt timestamptz
            );
            CREATE TABLE operatorPasskey (
                id text PRIMARY KEY,
                operatorId text NOT NULL REFERENCES operator(id),
                credentialId bytea NOT NULL UNIQUE CHECK (length(credentialId) BETWEEN 1 AND 1023),
                userHandle bytea NOT NULL,
                publicKey bytea NOT NULL,
                algorithm bigint NOT NULL,
                signCount bigint NOT NULL CHECK (signCount >= 0),
                aaguid text NOT NULL,
                attestationFormat text NOT NULL,
                attestationTrust text NOT NULL,
                transports text NOT NULL DEFAULT '[]',
                backupEligible boolean NOT NULL,
                backupState boolean NOT NULL,
                createdAt timestamptz NOT NULL,
                lastUsedAt timestamptz
            );
            CREATE INDEX operatorPasskey_operator ON operatorPasskey(operatorId);
            CREATE TABLE consoleChallenge (
                digest bytea PRIMARY KEY,
                purpose text NOT NULL CHECK (purpose IN ('registration','signIn')),
                operatorId text REFERENCES operator(id),
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                usedAt timestamptz,
                CHECK ((purpose = 'registration') = (operatorId IS NOT NULL))
            );
            CREATE INDEX consoleChallenge_expiry ON consoleChallenge(expiresAt);
            CREATE TABLE consoleSession (
                id text PRIMARY KEY,
                digest bytea NOT NULL UNIQUE,
                keyVersion bigint NOT NULL,
                operatorId text NOT NULL REFERENCES operator(id),
                role text NOT NULL,
                method text NOT NULL CHECK (method IN ('passkey','oidc')),
                createdAt timestamptz NOT NULL,
                lastSeenAt timestamptz NOT NULL,
                idleExpiresAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                provenAt timestamptz NOT NULL,
                endedAt timestamptz
            );
            CREATE INDEX consoleSession_operator ON consoleSession(operatorId);
            CREATE TABLE consoleLogin (
                stateDigest bytea PRIMARY KEY,
                nonce text NOT NULL,
                codeVerifier text NOT NULL,
                freshWithin bigint,
                createdAt timestamptz NOT NULL,
                expiresAt timestamptz NOT NULL,
                usedAt timestamptz
            );
            CREATE TABLE consoleIdentity (
                issuer text NOT NULL,
                subject text NOT NULL,
                operatorId text NOT NULL REFERENCES operator(id),
                PRIMARY KEY (issuer, subject)
            );
            """),
        Migration(
            "2026-12-06 console admin pages",
            """
            ALTER TABLE policy ADD COLUMN version bigint NOT NULL DEFAULT 1;
            CREATE INDEX auditEvent_actor ON auditEvent(actor, seq);
            CREATE INDEX auditEvent_type ON auditEvent(type, seq);
            CREATE TABLE operatorUse (
                operatorId text PRIMARY KEY REFERENCES operator(id),
                lastUsedAt timestamptz NOT NULL,
                lastUsedFrom text NOT NULL
            );
            ALTER TABLE webhook ADD COLUMN disabledAt timestamptz;
            ALTER TABLE auditEvent ADD COLUMN site text;
            ALTER TABLE auditEvent DISABLE TRIGGER auditEvent_no_update;
            UPDATE auditEvent SET site = (SELECT site FROM session WHERE session.id = auditEvent.sessionId)
                WHERE sessionId IS NOT NULL;
            ALTER TABLE auditEvent ENABLE TRIGGER auditEvent_no_update;
            CREATE INDEX auditEvent_site ON auditEvent(site, seq) WHERE site IS NOT NULL;
            """),
        Migration(
            "2026-12-07 FIDO metadata",
            """
            CREATE TABLE fidoMetadata (
                id bigint PRIMARY KEY CHECK (id = 1),
                number bigint NOT NULL,
                nextUpdate timestamptz NOT NULL,
                entries bigint NOT NULL,
                importedAt timestamptz NOT NULL,
                blob bytea NOT NULL
            );
            ALTER TABLE securityKey ADD COLUMN flaggedStatus text;
            ALTER TABLE securityKey ADD COLUMN flaggedAt timestamptz;
            """),
        Migration(
            "2026-12-07 job leases",
            """
            CREATE TABLE jobLease (
                job text PRIMARY KEY,
                holder text NOT NULL,
                expiresAt timestamptz NOT NULL
            );
            """),
    ]
}
