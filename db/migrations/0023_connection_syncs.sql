CREATE TABLE `connection_syncs` (
	`id` text PRIMARY KEY NOT NULL,
	`connector` text NOT NULL,
	`connection_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL,
	`outcome` text NOT NULL,
	`added` integer NOT NULL,
	`changed` integer NOT NULL,
	`gone` integer NOT NULL,
	`unknown_facts` integer NOT NULL,
	`warnings` text,
	`error` text
);
--> statement-breakpoint
CREATE INDEX `connection_syncs_by_connection` ON `connection_syncs` (`connection_id`,`started_at`,`id`);