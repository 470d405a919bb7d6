-- Keeps the protection overview's read models (0005) exact on every write to restore_points:
-- a trigger runs inside the writing statement, so the runner's catalog step, retention prune,
-- delete, verification, the large seed and ON DELETE SET NULL of a deleted job all stay in step.
-- Then fills the tables from the points already catalogued. Days are created_at / 86400000
-- (integer epoch milliseconds, never before 1970).

-- Points per UTC day and consistency.
CREATE TRIGGER `restore_points_daily_counts_insert` AFTER INSERT ON `restore_points`
BEGIN
  INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
    VALUES (new.`created_at` / 86400000, new.`consistency`, 1)
    ON CONFLICT (`day`, `consistency`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `restore_points_daily_counts_delete` AFTER DELETE ON `restore_points`
BEGIN
  UPDATE `restore_point_daily_counts` SET `points` = `points` - 1
    WHERE `day` = old.`created_at` / 86400000 AND `consistency` = old.`consistency`;
  DELETE FROM `restore_point_daily_counts`
    WHERE `day` = old.`created_at` / 86400000 AND `consistency` = old.`consistency` AND `points` <= 0;
END;
--> statement-breakpoint
CREATE TRIGGER `restore_points_daily_counts_update` AFTER UPDATE OF `created_at`, `consistency` ON `restore_points`
WHEN old.`created_at` / 86400000 IS NOT new.`created_at` / 86400000 OR old.`consistency` IS NOT new.`consistency`
BEGIN
  UPDATE `restore_point_daily_counts` SET `points` = `points` - 1
    WHERE `day` = old.`created_at` / 86400000 AND `consistency` = old.`consistency`;
  DELETE FROM `restore_point_daily_counts`
    WHERE `day` = old.`created_at` / 86400000 AND `consistency` = old.`consistency` AND `points` <= 0;
  INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
    VALUES (new.`created_at` / 86400000, new.`consistency`, 1)
    ON CONFLICT (`day`, `consistency`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
-- The (job, VM) pairs a job has catalogued points of, counted so the last point removes the pair.
CREATE TRIGGER `restore_points_job_vms_insert` AFTER INSERT ON `restore_points`
WHEN new.`job_id` IS NOT NULL
BEGIN
  INSERT INTO `restore_point_job_vms` (`job_id`, `vm_id`, `points`)
    VALUES (new.`job_id`, new.`vm_id`, 1)
    ON CONFLICT (`job_id`, `vm_id`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `restore_points_job_vms_delete` AFTER DELETE ON `restore_points`
WHEN old.`job_id` IS NOT NULL
BEGIN
  UPDATE `restore_point_job_vms` SET `points` = `points` - 1
    WHERE `job_id` = old.`job_id` AND `vm_id` = old.`vm_id`;
  DELETE FROM `restore_point_job_vms`
    WHERE `job_id` = old.`job_id` AND `vm_id` = old.`vm_id` AND `points` <= 0;
END;
--> statement-breakpoint
-- Also fired by a job's deletion: restore_points.job_id is ON DELETE SET NULL.
CREATE TRIGGER `restore_points_job_vms_update` AFTER UPDATE OF `job_id`, `vm_id` ON `restore_points`
WHEN old.`job_id` IS NOT new.`job_id` OR old.`vm_id` IS NOT new.`vm_id`
BEGIN
  UPDATE `restore_point_job_vms` SET `points` = `points` - 1
    WHERE `job_id` = old.`job_id` AND `vm_id` = old.`vm_id`;
  DELETE FROM `restore_point_job_vms`
    WHERE `job_id` = old.`job_id` AND `vm_id` = old.`vm_id` AND `points` <= 0;
  INSERT INTO `restore_point_job_vms` (`job_id`, `vm_id`, `points`)
    SELECT new.`job_id`, new.`vm_id`, 1 WHERE new.`job_id` IS NOT NULL
    ON CONFLICT (`job_id`, `vm_id`) DO UPDATE SET `points` = `points` + 1;
END;
--> statement-breakpoint
-- Newest good point per VM (never verified, or verified intact; newest created_at, then highest id).
-- A new good point replaces the VM's row only when it sorts after it.
CREATE TRIGGER `restore_points_latest_good_insert` AFTER INSERT ON `restore_points`
WHEN new.`last_verdict` IS NULL OR new.`last_verdict` = 'intact'
BEGIN
  INSERT INTO `vm_latest_good_points` (`vm_id`, `point_id`, `created_at`)
    VALUES (new.`vm_id`, new.`id`, new.`created_at`)
    ON CONFLICT (`vm_id`) DO UPDATE SET `point_id` = excluded.`point_id`, `created_at` = excluded.`created_at`
    WHERE excluded.`created_at` > `vm_latest_good_points`.`created_at`
      OR (excluded.`created_at` = `vm_latest_good_points`.`created_at`
        AND excluded.`point_id` > `vm_latest_good_points`.`point_id`);
END;
--> statement-breakpoint
-- Deleting the VM's newest good point: the next one (found backwards on the (vm_id, created_at) index) takes over.
CREATE TRIGGER `restore_points_latest_good_delete` AFTER DELETE ON `restore_points`
WHEN old.`id` = (SELECT `point_id` FROM `vm_latest_good_points` WHERE `vm_id` = old.`vm_id`)
BEGIN
  DELETE FROM `vm_latest_good_points` WHERE `vm_id` = old.`vm_id`;
  INSERT INTO `vm_latest_good_points` (`vm_id`, `point_id`, `created_at`)
    SELECT `vm_id`, `id`, `created_at` FROM `restore_points`
    WHERE `vm_id` = old.`vm_id` AND (`last_verdict` IS NULL OR `last_verdict` = 'intact')
    ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- A verdict that makes a point good or bad, or a moved point: recompute the VMs concerned.
CREATE TRIGGER `restore_points_latest_good_update` AFTER UPDATE OF `id`, `vm_id`, `created_at`, `last_verdict` ON `restore_points`
WHEN old.`id` IS NOT new.`id` OR old.`vm_id` IS NOT new.`vm_id` OR old.`created_at` IS NOT new.`created_at`
  OR (old.`last_verdict` IS NULL OR old.`last_verdict` = 'intact') IS NOT (new.`last_verdict` IS NULL OR new.`last_verdict` = 'intact')
BEGIN
  DELETE FROM `vm_latest_good_points` WHERE `vm_id` IN (old.`vm_id`, new.`vm_id`);
  INSERT INTO `vm_latest_good_points` (`vm_id`, `point_id`, `created_at`)
    SELECT `vm_id`, `id`, `created_at` FROM `restore_points`
    WHERE `vm_id` = old.`vm_id` AND (`last_verdict` IS NULL OR `last_verdict` = 'intact')
    ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
  INSERT INTO `vm_latest_good_points` (`vm_id`, `point_id`, `created_at`)
    SELECT `vm_id`, `id`, `created_at` FROM `restore_points`
    WHERE `vm_id` = new.`vm_id` AND new.`vm_id` IS NOT old.`vm_id`
      AND (`last_verdict` IS NULL OR `last_verdict` = 'intact')
    ORDER BY `created_at` DESC, `id` DESC LIMIT 1;
END;
--> statement-breakpoint
-- Backfill from the existing catalogue (the (consistency, created_at) and (vm_id, created_at, id)
-- indexes give the orders, so no temporary sort of a million rows).
INSERT INTO `restore_point_daily_counts` (`day`, `consistency`, `points`)
  SELECT `created_at` / 86400000 AS `day`, `consistency`, count(*) FROM `restore_points`
  GROUP BY `consistency`, `day`;
--> statement-breakpoint
INSERT INTO `restore_point_job_vms` (`job_id`, `vm_id`, `points`)
  SELECT `job_id`, `vm_id`, count(*) FROM `restore_points` WHERE `job_id` IS NOT NULL
  GROUP BY `job_id`, `vm_id`;
--> statement-breakpoint
INSERT INTO `vm_latest_good_points` (`vm_id`, `point_id`, `created_at`)
  SELECT `vm_id`, `id`, `created_at` FROM (
    SELECT `vm_id`, `id`, `created_at`,
      row_number() OVER (PARTITION BY `vm_id` ORDER BY `created_at` DESC, `id` DESC) AS `rank`
    FROM `restore_points` WHERE `last_verdict` IS NULL OR `last_verdict` = 'intact'
  ) WHERE `rank` = 1;
