-- PostgreSQL for several TapStation instances (docs/postgres.md "Least privilege"), run once by a superuser:
--   psql -v ON_ERROR_STOP=1 -f deploy/postgres-roles.sql
-- tapstation_owner owns the schema and runs `tapstation migrate`; tapstation_app is what every instance
-- connects as: it reads and writes the tables, and can neither change the schema nor change or remove an audit
-- event. Give both a password (\password ROLE) or a client certificate, as your pg_hba.conf requires.
CREATE ROLE tapstation_owner LOGIN;
CREATE ROLE tapstation_app LOGIN;
CREATE DATABASE tapstation OWNER tapstation_owner;
\connect tapstation
-- Only the owner creates objects; the app role may use what the owner made.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO tapstation_owner;
GRANT USAGE ON SCHEMA public TO tapstation_app;
-- Tables later migrations make are the app's to read and write too.
ALTER DEFAULT PRIVILEGES FOR ROLE tapstation_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tapstation_app;
ALTER DEFAULT PRIVILEGES FOR ROLE tapstation_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO tapstation_app;
