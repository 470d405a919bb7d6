-- The activity chart's points per day count a saved-state capture apart from the level Hyper-V
-- records for it (application): no in-guest VSS ran, and the console names it "Saved state"
-- everywhere else (engine/words.ts consistencyLabel). The read model's `consistency` column now
-- holds the chart's bucket: the point's consistency, or 'saved-state' for a saved-state capture.
DROP TRIGGER `restore_points_daily_counts_insert`;
--> statement-breakpoint
DROP TRIGGER `restore_points_daily_counts_delete`;
--> statement-breakpoint
DROP TRIGGER `restore_points_daily_counts_update`;
--> statement-breakpoint
CREATE TRIGGER `restore_points_daily_counts_insert` AFTER INSERT ON `restore_points`
BEGIN
  INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
    VALUES (new.`created_at` / 86400000,
      CASE WHEN new.`capture_state` = 'saved-state' THEN 'saved-state' ELSE new.`consistency` END, 1)
    ON CONFLICT (`day`, `consistency`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `restore_points_daily_counts_delete` AFTER DELETE ON `restore_points`
BEGIN
  UPDATE `restore_point_daily_counts` SET `points` = `points` - 1
    WHERE `day` = old.`created_at` / 86400000
      AND `consistency` = CASE WHEN old.`capture_state` = 'saved-state' THEN 'saved-state' ELSE old.`consistency` END;
  DELETE FROM `restore_point_daily_counts`
    WHERE `day` = old.`created_at` / 86400000
      AND `consistency` = CASE WHEN old.`capture_state` = 'saved-state' THEN 'saved-state' ELSE old.`consistency` END
      AND `points` <= 0;
END;
--> statement-breakpoint
CREATE TRIGGER `restore_points_daily_counts_update` AFTER UPDATE OF `created_at`, `consistency`, `capture_state` ON `restore_points`
WHEN old.`created_at` / 86400000 IS NOT new.`created_at` / 86400000
  OR old.`consistency` IS NOT new.`consistency` OR old.`capture_state` IS NOT new.`capture_state`
BEGIN
  UPDATE `restore_point_daily_counts` SET `points` = `points` - 1
    WHERE `day` = old.`created_at` / 86400000
      AND `consistency` = CASE WHEN old.`capture_state` = 'saved-state' THEN 'saved-state' ELSE old.`consistency` END;
  DELETE FROM `restore_point_daily_counts`
    WHERE `day` = old.`created_at` / 86400000
      AND `consistency` = CASE WHEN old.`capture_state` = 'saved-state' THEN 'saved-state' ELSE old.`consistency` END
      AND `points` <= 0;
  INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
    VALUES (new.`created_at` / 86400000,
      CASE WHEN new.`capture_state` = 'saved-state' THEN 'saved-state' ELSE new.`consistency` END, 1)
    ON CONFLICT (`day`, `consistency`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
DELETE FROM `restore_point_daily_counts`;
--> statement-breakpoint
INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
  SELECT `created_at` / 86400000 AS `day`,
    CASE WHEN `capture_state` = 'saved-state' THEN 'saved-state' ELSE `consistency` END AS `bucket`,
    count(*) FROM `restore_points`
  GROUP BY `day`, `bucket`;
