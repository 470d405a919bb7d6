CREATE TABLE `vault_retired_keys` (
	`key_id` text PRIMARY KEY NOT NULL,
	`replaced_by` text NOT NULL,
	`retired_at` integer NOT NULL
);
