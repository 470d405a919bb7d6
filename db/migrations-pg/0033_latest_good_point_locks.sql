-- Each VM's latest good restore point (vm_latest_good_points) stays true with concurrent writers.
-- Under READ COMMITTED two transactions on points of one VM (a delete beside a verify, two
-- deletes) each read the read model before the other committed: a refresh that deleted the row
-- and inserted the next best failed on the other's new row (duplicate key), and a delete of the
-- second newest point that ran beside the delete of the newest left the row naming a deleted point
-- (the VM read as protected by a point that no longer exists). Every change that touches the row
-- now first locks the VM's inventory row (FOR NO KEY UPDATE: readers, foreign-key checks and
-- other VMs go on), so the second transaction reads the row as the first committed it; the
-- refresh upserts instead of deleting and inserting. A point of a VM no longer in the inventory
-- has no row to lock: there the upsert still never fails.
CREATE FUNCTION "migawka_lock_vm_read_models"(point_vm text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "vms" WHERE "id" = point_vm FOR NO KEY UPDATE;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "migawka_refresh_latest_good"(point_vm text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  best record;
BEGIN
  SELECT "id", "created_at" INTO best FROM "restore_points"
    WHERE "vm_id" = point_vm AND "migawka_is_good_verdict"("last_verdict")
    ORDER BY "created_at" DESC, "id" COLLATE "C" DESC LIMIT 1;
  IF NOT FOUND THEN
    DELETE FROM "vm_latest_good_points" WHERE "vm_id" = point_vm;
  ELSE
    INSERT INTO "vm_latest_good_points" ("vm_id", "point_id", "created_at")
      VALUES (point_vm, best."id", best."created_at")
      ON CONFLICT ("vm_id") DO UPDATE SET "point_id" = excluded."point_id", "created_at" = excluded."created_at";
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "migawka_restore_points_read_models"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "migawka_count_point"("migawka_point_day"(NEW."created_at"), NEW."consistency", NEW."job_id", NEW."vm_id", 1);
    IF "migawka_is_good_verdict"(NEW."last_verdict") THEN
      PERFORM "migawka_lock_vm_read_models"(NEW."vm_id");
      INSERT INTO "vm_latest_good_points" ("vm_id", "point_id", "created_at")
        VALUES (NEW."vm_id", NEW."id", NEW."created_at")
        ON CONFLICT ("vm_id") DO UPDATE SET "point_id" = excluded."point_id", "created_at" = excluded."created_at"
        WHERE excluded."created_at" > "vm_latest_good_points"."created_at"
          OR (excluded."created_at" = "vm_latest_good_points"."created_at"
            AND excluded."point_id" COLLATE "C" > "vm_latest_good_points"."point_id" COLLATE "C");
    END IF;
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM "migawka_count_point"("migawka_point_day"(OLD."created_at"), OLD."consistency", OLD."job_id", OLD."vm_id", -1);
    PERFORM "migawka_lock_vm_read_models"(OLD."vm_id");
    IF OLD."id" = (SELECT "point_id" FROM "vm_latest_good_points" WHERE "vm_id" = OLD."vm_id") THEN
      PERFORM "migawka_refresh_latest_good"(OLD."vm_id");
    END IF;
    RETURN NULL;
  END IF;
  -- UPDATE: move the counts when the day, consistency, job or VM changed.
  IF "migawka_point_day"(OLD."created_at") IS DISTINCT FROM "migawka_point_day"(NEW."created_at")
    OR OLD."consistency" IS DISTINCT FROM NEW."consistency"
    OR OLD."job_id" IS DISTINCT FROM NEW."job_id" OR OLD."vm_id" IS DISTINCT FROM NEW."vm_id" THEN
    PERFORM "migawka_count_point"("migawka_point_day"(OLD."created_at"), OLD."consistency", OLD."job_id", OLD."vm_id", -1);
    PERFORM "migawka_count_point"("migawka_point_day"(NEW."created_at"), NEW."consistency", NEW."job_id", NEW."vm_id", 1);
  END IF;
  IF OLD."id" IS DISTINCT FROM NEW."id" OR OLD."vm_id" IS DISTINCT FROM NEW."vm_id"
    OR OLD."created_at" IS DISTINCT FROM NEW."created_at"
    OR "migawka_is_good_verdict"(OLD."last_verdict") IS DISTINCT FROM "migawka_is_good_verdict"(NEW."last_verdict") THEN
    PERFORM "migawka_lock_vm_read_models"(OLD."vm_id");
    PERFORM "migawka_refresh_latest_good"(OLD."vm_id");
    IF NEW."vm_id" IS DISTINCT FROM OLD."vm_id" THEN
      PERFORM "migawka_lock_vm_read_models"(NEW."vm_id");
      PERFORM "migawka_refresh_latest_good"(NEW."vm_id");
    END IF;
  END IF;
  RETURN NULL;
END $$;
