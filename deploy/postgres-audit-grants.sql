-- After the first `tapstation migrate` (as tapstation_owner): the app role appends audit events and never changes
-- or removes one. Run again after any migration that adds an audit table (release notes say so).
--   psql -v ON_ERROR_STOP=1 -d tapstation -f deploy/postgres-audit-grants.sql
REVOKE UPDATE, DELETE, TRUNCATE ON auditEvent FROM tapstation_app;
