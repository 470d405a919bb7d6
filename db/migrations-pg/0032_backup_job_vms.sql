CREATE TABLE "backup_job_vms" (
	"job_id" text NOT NULL,
	"vm_id" text NOT NULL,
	CONSTRAINT "backup_job_vms_job_id_vm_id_pk" PRIMARY KEY("job_id","vm_id")
);
--> statement-breakpoint
CREATE INDEX "backup_job_vms_vm_idx" ON "backup_job_vms" USING btree ("vm_id","job_id");--> statement-breakpoint
-- Kept exact by a trigger on backup_jobs, as SQLite's migration 0038 keeps it: every writer of jobs
-- (the job store's create, update and delete, a copy between databases) keeps the table in step
-- without knowing it exists. A job whose scope is not 'vms' names no VM; an enabled flag is not
-- the table's business (the protection statement checks it). request_json is json, which has no
-- equality: a changed request is told by its text.
CREATE FUNCTION "migawka_backup_job_vms"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD."id" = NEW."id" AND OLD."request_json"::text = NEW."request_json"::text THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    DELETE FROM "backup_job_vms" WHERE "job_id" = OLD."id";
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW."request_json" -> 'scope' ->> 'kind' = 'vms' THEN
    INSERT INTO "backup_job_vms" ("job_id", "vm_id")
      SELECT DISTINCT NEW."id", e.value FROM json_array_elements_text(NEW."request_json" -> 'scope' -> 'vmIds') e;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "backup_jobs_vms" AFTER INSERT OR UPDATE OR DELETE ON "backup_jobs"
  FOR EACH ROW EXECUTE FUNCTION "migawka_backup_job_vms"();
--> statement-breakpoint
-- The jobs already there.
INSERT INTO "backup_job_vms" ("job_id", "vm_id")
  SELECT DISTINCT j."id", e.value FROM "backup_jobs" j
    CROSS JOIN json_array_elements_text(j."request_json" -> 'scope' -> 'vmIds') e
  WHERE j."request_json" -> 'scope' ->> 'kind' = 'vms';
