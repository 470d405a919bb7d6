CREATE TABLE `backup_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`request_json` text NOT NULL,
	`cron` text NOT NULL,
	`time_zone` text NOT NULL,
	`missed_run_policy` text NOT NULL,
	`retention_json` text NOT NULL,
	`rpo_hours` integer,
	`is_enabled` integer NOT NULL,
	`last_scheduled_at` integer,
	`next_run_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `backup_jobs_name_idx` ON `backup_jobs` (`name`);--> statement-breakpoint
CREATE INDEX `backup_jobs_due_idx` ON `backup_jobs` (`is_enabled`,`next_run_at`);--> statement-breakpoint
CREATE TABLE `locks` (
	`key` text PRIMARY KEY NOT NULL,
	`operation_id` text NOT NULL,
	`acquired_at` integer NOT NULL,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `locks_op_idx` ON `locks` (`operation_id`);--> statement-breakpoint
CREATE TABLE `operation_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`operation_id` text NOT NULL,
	`type` text NOT NULL,
	`payload_json` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `operation_events_op_idx` ON `operation_events` (`operation_id`,`id`);--> statement-breakpoint
CREATE TABLE `operation_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`operation_id` text NOT NULL,
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`vm_id` text,
	`host_volume_id` text,
	`array_volume_id` text,
	`undoes` text,
	`is_cleanup` integer NOT NULL,
	`params_json` text NOT NULL,
	`status` text NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`bytes_done` integer DEFAULT 0 NOT NULL,
	`bytes_total` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`error` text,
	`fault_code` text,
	`result_json` text,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `operation_steps_op_key_uq` ON `operation_steps` (`operation_id`,`key`);--> statement-breakpoint
CREATE INDEX `operation_steps_op_seq_idx` ON `operation_steps` (`operation_id`,`seq`);--> statement-breakpoint
CREATE TABLE `operation_vms` (
	`operation_id` text NOT NULL,
	`vm_id` text NOT NULL,
	PRIMARY KEY(`operation_id`, `vm_id`),
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `operation_vms_vm_idx` ON `operation_vms` (`vm_id`);--> statement-breakpoint
CREATE TABLE `operations` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`waiting_reason` text,
	`title` text NOT NULL,
	`plan_json` text NOT NULL,
	`request_json` text NOT NULL,
	`job_id` text,
	`retry_of_id` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`lease_owner` text,
	`lease_expires_at` integer,
	`attempt` integer DEFAULT 0 NOT NULL,
	`error` text,
	FOREIGN KEY (`job_id`) REFERENCES `backup_jobs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `operations_created_idx` ON `operations` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `operations_status_created_idx` ON `operations` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `operations_kind_created_idx` ON `operations` (`kind`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `operations_job_created_idx` ON `operations` (`job_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `operations_lease_idx` ON `operations` (`status`,`lease_expires_at`);--> statement-breakpoint
CREATE TABLE `point_verifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`point_id` text NOT NULL,
	`at` integer NOT NULL,
	`verdict` text NOT NULL,
	`details_json` text NOT NULL,
	FOREIGN KEY (`point_id`) REFERENCES `restore_points`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `point_verifications_point_idx` ON `point_verifications` (`point_id`,`at`);--> statement-breakpoint
CREATE TABLE `restore_point_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`point_id` text NOT NULL,
	`disk_id` text NOT NULL,
	`path` text NOT NULL,
	`sha256` text NOT NULL,
	`bytes` integer NOT NULL,
	FOREIGN KEY (`point_id`) REFERENCES `restore_points`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `restore_point_files_point_disk_uq` ON `restore_point_files` (`point_id`,`disk_id`);--> statement-breakpoint
CREATE TABLE `restore_points` (
	`id` text PRIMARY KEY NOT NULL,
	`vm_id` text NOT NULL,
	`vm_name` text NOT NULL,
	`host_id` text,
	`operation_id` text,
	`job_id` text,
	`method` text NOT NULL,
	`consistency` text NOT NULL,
	`consistency_reason` text,
	`capture_state` text NOT NULL,
	`application_state` text,
	`created_at` integer NOT NULL,
	`host_volume_id` text,
	`array_volume_id` text,
	`held_disks_json` text NOT NULL,
	`missing_disks_json` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`expires_at` integer,
	`repository_path` text NOT NULL,
	`last_verified_at` integer,
	`last_verdict` text,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`job_id`) REFERENCES `backup_jobs`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `restore_points_op_vm_uq` ON `restore_points` (`operation_id`,`vm_id`);--> statement-breakpoint
CREATE INDEX `restore_points_created_idx` ON `restore_points` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_vm_created_idx` ON `restore_points` (`vm_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_host_created_idx` ON `restore_points` (`host_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_method_created_idx` ON `restore_points` (`method`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_consistency_created_idx` ON `restore_points` (`consistency`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_job_created_idx` ON `restore_points` (`job_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `restore_points_host_volume_created_idx` ON `restore_points` (`host_volume_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `restore_points_array_volume_created_idx` ON `restore_points` (`array_volume_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `restore_points_expires_idx` ON `restore_points` (`expires_at`);--> statement-breakpoint
CREATE TABLE `step_logs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`step_id` integer NOT NULL,
	`operation_id` text NOT NULL,
	`at` integer NOT NULL,
	`level` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`step_id`) REFERENCES `operation_steps`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`operation_id`) REFERENCES `operations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `step_logs_op_idx` ON `step_logs` (`operation_id`,`id`);--> statement-breakpoint
CREATE INDEX `step_logs_step_idx` ON `step_logs` (`step_id`,`id`);