-- Every enabled job's scope, read by the protection statements on each call, from the index instead
-- of parsing request_json (db/schema-operations.ts says why). Written by hand: drizzle-kit split the
-- expressions at their commas and quoted the halves as column names.
CREATE INDEX `backup_jobs_scope_idx` ON `backup_jobs` (`is_enabled`,`id`,`rpo_hours`,json_extract(`request_json`, '$.scope.kind'),json_extract(`request_json`, '$.scope.hostVolumeId'),json_extract(`request_json`, '$.scope.arrayVolumeId'));
