-- Points catalogued before is_partial existed: partial when the plan recorded disks it could not hold.
UPDATE "restore_points" SET "is_partial" = true WHERE json_array_length("missing_disks_json") > 0;
