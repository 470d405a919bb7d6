CREATE TABLE `backup_job_vms` (
	`job_id` text NOT NULL,
	`vm_id` text NOT NULL,
	PRIMARY KEY(`job_id`, `vm_id`)
);
--> statement-breakpoint
CREATE INDEX `backup_job_vms_vm_idx` ON `backup_job_vms` (`vm_id`,`job_id`);--> statement-breakpoint
-- Kept exact by triggers on backup_jobs: a trigger runs inside the writing statement, so every
-- writer of jobs (the job store's create, update and delete, the benchmark estate, a copy between
-- databases) keeps the table in step without knowing it exists. A job whose scope is not 'vms'
-- names no VM; an enabled flag is not the table's business (the protection statement checks it).
CREATE TRIGGER `backup_jobs_vms_insert` AFTER INSERT ON `backup_jobs`
WHEN json_extract(new.`request_json`, '$.scope.kind') = 'vms'
BEGIN
  INSERT INTO `backup_job_vms` (`job_id`, `vm_id`)
    SELECT DISTINCT new.`id`, `value` FROM json_each(new.`request_json`, '$.scope.vmIds');
END;
--> statement-breakpoint
-- A changed request (VMs added or removed, another scope kind) replaces the job's rows.
CREATE TRIGGER `backup_jobs_vms_update` AFTER UPDATE OF `id`, `request_json` ON `backup_jobs`
WHEN old.`id` IS NOT new.`id` OR old.`request_json` IS NOT new.`request_json`
BEGIN
  DELETE FROM `backup_job_vms` WHERE `job_id` = old.`id`;
  INSERT INTO `backup_job_vms` (`job_id`, `vm_id`)
    SELECT DISTINCT new.`id`, `value` FROM json_each(new.`request_json`, '$.scope.vmIds')
    WHERE json_extract(new.`request_json`, '$.scope.kind') = 'vms';
END;
--> statement-breakpoint
CREATE TRIGGER `backup_jobs_vms_delete` AFTER DELETE ON `backup_jobs`
BEGIN
  DELETE FROM `backup_job_vms` WHERE `job_id` = old.`id`;
END;
--> statement-breakpoint
-- The jobs already there.
INSERT INTO `backup_job_vms` (`job_id`, `vm_id`)
  SELECT DISTINCT j.`id`, e.`value` FROM `backup_jobs` j, json_each(j.`request_json`, '$.scope.vmIds') e
  WHERE json_extract(j.`request_json`, '$.scope.kind') = 'vms';
