ALTER TABLE "hyperv_connections" ADD COLUMN "cluster_name" text;--> statement-breakpoint
ALTER TABLE "hyperv_connections" ADD COLUMN "node_host_ids" json DEFAULT '[]'::json NOT NULL;--> statement-breakpoint
ALTER TABLE "hyperv_connections" ADD COLUMN "node_host_keys" json DEFAULT '{}'::json NOT NULL;--> statement-breakpoint
ALTER TABLE "xapi_pools" ADD COLUMN "host_ids" json DEFAULT '[]'::json NOT NULL;