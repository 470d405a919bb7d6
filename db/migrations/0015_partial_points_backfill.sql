-- Points catalogued before is_partial existed: partial when the plan recorded disks it could not hold.
UPDATE `restore_points` SET `is_partial` = 1 WHERE `missing_disks_json` <> '[]';
