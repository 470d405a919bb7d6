CREATE TABLE `assessment_engine` (
	`id` text PRIMARY KEY NOT NULL,
	`fingerprint` text NOT NULL,
	`assessed_at` integer NOT NULL
);
