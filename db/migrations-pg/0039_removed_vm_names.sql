CREATE TABLE "removed_vm_names" (
	"vm_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
-- Written by a trigger inside the deleting statement, as SQLite's migration 0045 writes it: every
-- deletion of a VM (an import's replace, the cascade from a deleted host) leaves its name.
CREATE FUNCTION "migawka_removed_vm_name"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "removed_vm_names" ("vm_id", "name") VALUES (OLD."id", OLD."name")
    ON CONFLICT ("vm_id") DO UPDATE SET "name" = EXCLUDED."name";
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "vms_removed_name" AFTER DELETE ON "vms"
  FOR EACH ROW EXECUTE FUNCTION "migawka_removed_vm_name"();
