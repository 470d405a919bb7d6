ALTER TABLE "restore_points" ADD COLUMN "location_kind" text DEFAULT 'repository' NOT NULL;--> statement-breakpoint
ALTER TABLE "restore_points" ADD COLUMN "location_ref" text;--> statement-breakpoint
ALTER TABLE "restore_points" ADD COLUMN "location_name" text;--> statement-breakpoint
ALTER TABLE "restore_points" ADD COLUMN "gone_since" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "restore_points" ADD COLUMN "gone_reason" text;