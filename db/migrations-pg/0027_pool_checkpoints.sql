ALTER TABLE "restore_points" ADD COLUMN "includes_memory" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "restore_points" ADD COLUMN "location_note" text;