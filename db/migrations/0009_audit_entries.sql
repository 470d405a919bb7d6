CREATE TABLE `audit_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`actor_label` text NOT NULL,
	`actor_name` text NOT NULL,
	`actor_role` text,
	`action` text NOT NULL,
	`objects_json` text NOT NULL,
	`input_json` text,
	`outcome` text NOT NULL,
	`message` text,
	`ip` text,
	`user_agent` text,
	`prev_hash` text NOT NULL,
	`hash` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_entries_seq_unique` ON `audit_entries` (`seq`);--> statement-breakpoint
CREATE INDEX `audit_entries_actor_seq_idx` ON `audit_entries` (`actor_label`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_entries_action_seq_idx` ON `audit_entries` (`action`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_entries_outcome_seq_idx` ON `audit_entries` (`outcome`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_entries_at_idx` ON `audit_entries` (`at`);--> statement-breakpoint
-- Append-only, written by hand: the console never updates or deletes an audit entry. Someone with
-- the database file can drop these triggers; the hash chain is what catches that (migawka audit verify).
CREATE TRIGGER `audit_entries_no_update` BEFORE UPDATE ON `audit_entries`
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;--> statement-breakpoint
CREATE TRIGGER `audit_entries_no_delete` BEFORE DELETE ON `audit_entries`
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
