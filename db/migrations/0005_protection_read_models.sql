CREATE TABLE `restore_point_daily_counts` (
	`day` integer NOT NULL,
	`consistency` text NOT NULL,
	`points` integer NOT NULL,
	PRIMARY KEY(`day`, `consistency`)
);
--> statement-breakpoint
CREATE TABLE `restore_point_job_vms` (
	`job_id` text NOT NULL,
	`vm_id` text NOT NULL,
	`points` integer NOT NULL,
	PRIMARY KEY(`job_id`, `vm_id`)
);
--> statement-breakpoint
CREATE TABLE `vm_latest_good_points` (
	`vm_id` text PRIMARY KEY NOT NULL,
	`point_id` text NOT NULL,
	`created_at` integer NOT NULL
);
