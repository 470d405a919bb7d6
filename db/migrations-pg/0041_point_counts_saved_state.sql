-- The activity chart's points per day count a saved-state capture apart from the level Hyper-V
-- records for it (application): no in-guest VSS ran, and the console names it "Saved state"
-- everywhere else (engine/words.ts consistencyLabel). The read model's "consistency" column now
-- holds the chart's bucket, as SQLite's migration 0047 keeps it: the point's consistency, or
-- 'saved-state' for a saved-state capture. The trigger function is 0033's with the bucket.
CREATE FUNCTION "migawka_point_bucket"(consistency text, capture_state text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN capture_state = 'saved-state' THEN 'saved-state' ELSE consistency END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "migawka_restore_points_read_models"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM "migawka_count_point"("migawka_point_day"(NEW."created_at"), "migawka_point_bucket"(NEW."consistency", NEW."capture_state"), NEW."job_id", NEW."vm_id", 1);
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
    PERFORM "migawka_count_point"("migawka_point_day"(OLD."created_at"), "migawka_point_bucket"(OLD."consistency", OLD."capture_state"), OLD."job_id", OLD."vm_id", -1);
    PERFORM "migawka_lock_vm_read_models"(OLD."vm_id");
    IF OLD."id" = (SELECT "point_id" FROM "vm_latest_good_points" WHERE "vm_id" = OLD."vm_id") THEN
      PERFORM "migawka_refresh_latest_good"(OLD."vm_id");
    END IF;
    RETURN NULL;
  END IF;
  -- UPDATE: move the counts when the day, consistency, capture state, job or VM changed.
  IF "migawka_point_day"(OLD."created_at") IS DISTINCT FROM "migawka_point_day"(NEW."created_at")
    OR OLD."consistency" IS DISTINCT FROM NEW."consistency" OR OLD."capture_state" IS DISTINCT FROM NEW."capture_state"
    OR OLD."job_id" IS DISTINCT FROM NEW."job_id" OR OLD."vm_id" IS DISTINCT FROM NEW."vm_id" THEN
    PERFORM "migawka_count_point"("migawka_point_day"(OLD."created_at"), "migawka_point_bucket"(OLD."consistency", OLD."capture_state"), OLD."job_id", OLD."vm_id", -1);
    PERFORM "migawka_count_point"("migawka_point_day"(NEW."created_at"), "migawka_point_bucket"(NEW."consistency", NEW."capture_state"), NEW."job_id", NEW."vm_id", 1);
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
--> statement-breakpoint
DELETE FROM "restore_point_daily_counts";
--> statement-breakpoint
INSERT INTO "restore_point_daily_counts" ("day", "consistency", "points")
  SELECT "migawka_point_day"("created_at") AS "day", "migawka_point_bucket"("consistency", "capture_state") AS "bucket", count(*)
  FROM "restore_points" GROUP BY 1, 2;
