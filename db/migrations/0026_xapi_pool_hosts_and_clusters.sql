ALTER TABLE `hyperv_connections` ADD `cluster_name` text;--> statement-breakpoint
ALTER TABLE `hyperv_connections` ADD `node_host_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `hyperv_connections` ADD `node_host_keys` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `xapi_pools` ADD `host_ids` text DEFAULT '[]' NOT NULL;