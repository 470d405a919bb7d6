CREATE TABLE `admission_keys` (
	`operation_id` text NOT NULL,
	`kind` text NOT NULL,
	`ref` text NOT NULL,
	`created_at` integer NOT NULL,
	`is_running` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`operation_id`, `kind`, `ref`),
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `admission_keys_ref_idx` ON `admission_keys` (`kind`,`ref`,`is_running`,`created_at`,`operation_id`);--> statement-breakpoint
CREATE TABLE `admission_wakeups` (
	`operation_id` text PRIMARY KEY NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `admission_wakeups_queue_idx` ON `admission_wakeups` (`created_at`,`operation_id`);--> statement-breakpoint
-- Operations active at the upgrade: their keys from the plan (a running one's locks from its lock rows), all examined anew.
INSERT OR IGNORE INTO `admission_keys` (`operation_id`, `kind`, `ref`, `created_at`, `is_running`)
SELECT o.`id`, 'lock', j.value, o.`created_at`, 0 FROM `operations` o, json_each(o.`plan_json`, '$.lockKeys') j
WHERE o.`status` IN ('queued', 'waiting')
UNION ALL SELECT l.`operation_id`, 'lock', l.`key`, o.`created_at`, 1 FROM `locks` l JOIN `operations` o ON o.`id` = l.`operation_id`
UNION ALL SELECT o.`id`, 'host', j.value, o.`created_at`, o.`status` IN ('running', 'cancelling') FROM `operations` o, json_each(o.`plan_json`, '$.hostIds') j
WHERE o.`status` IN ('queued', 'waiting', 'running', 'cancelling')
UNION ALL SELECT o.`id`, 'array', j.value, o.`created_at`, o.`status` IN ('running', 'cancelling') FROM `operations` o, json_each(o.`plan_json`, '$.arrayIds') j
WHERE o.`status` IN ('queued', 'waiting', 'running', 'cancelling');
--> statement-breakpoint
INSERT INTO `admission_wakeups` (`operation_id`, `created_at`)
SELECT `id`, `created_at` FROM `operations` WHERE `status` IN ('queued', 'waiting');
