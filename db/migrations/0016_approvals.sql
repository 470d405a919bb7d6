CREATE TABLE `approval_policies` (
	`kind` text PRIMARY KEY NOT NULL,
	`required` integer NOT NULL,
	`reason` text,
	`updated_at` integer NOT NULL,
	`updated_by` text NOT NULL,
	`updated_by_name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `approval_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`payload_json` text NOT NULL,
	`preview_json` text NOT NULL,
	`fingerprint` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_by_name` text NOT NULL,
	`requested_by_role` text,
	`requested_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`decided_by` text,
	`decided_by_name` text,
	`decided_at` integer,
	`comment` text,
	`result_json` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `approval_requests_status_requested_idx` ON `approval_requests` (`status`,`requested_at`,`id`);--> statement-breakpoint
CREATE INDEX `approval_requests_requested_idx` ON `approval_requests` (`requested_at`,`id`);