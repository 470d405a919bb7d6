CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`host_ids_json` text,
	`array_ids_json` text,
	`seen_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
