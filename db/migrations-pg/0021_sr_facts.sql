ALTER TABLE "host_volumes" ADD COLUMN "storage_type" text;--> statement-breakpoint
ALTER TABLE "host_volumes" ADD COLUMN "is_shared" boolean;--> statement-breakpoint
ALTER TABLE "host_volumes" ADD COLUMN "can_snapshot" boolean;