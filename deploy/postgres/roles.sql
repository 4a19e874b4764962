-- The app's two PostgreSQL roles. Run once, by a superuser (or the cloud's
-- admin user), before the first deploy:
--
--   psql "$ADMIN_URL" -v ON_ERROR_STOP=1 -v db=mewayz \
--     -v owner=mewayz_owner -v owner_password="$(openssl rand -hex 24)" \
--     -v app=mewayz_app -v app_password="$(openssl rand -hex 24)" \
--     -f deploy/postgres/roles.sql
--
-- owner: owns the database's schema and every table in it; only the
--   migration (deploy/postgres/migrator.yaml, started by migrate-job.yaml)
--   connects as it (Secret key database_owner_url).
-- app:   what every replica connects as (Secret key database_url): it can
--   read and write rows of the app's tables, and nothing else — no CREATE,
--   ALTER or DROP, no other database.
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"app";
\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
-- Row access to every table the owner creates, now and in later migrations.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
