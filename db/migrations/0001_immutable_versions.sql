-- Versions are history: no statement may change or remove one, whatever code path issues it.
CREATE TRIGGER script_versions_no_update BEFORE UPDATE ON script_versions
BEGIN
  SELECT RAISE(ABORT, 'script versions are immutable');
END;
--> statement-breakpoint
CREATE TRIGGER script_versions_no_delete BEFORE DELETE ON script_versions
BEGIN
  SELECT RAISE(ABORT, 'script versions are immutable');
END;
