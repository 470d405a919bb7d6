ALTER TABLE "operation_steps" ADD COLUMN "warning" text;--> statement-breakpoint
ALTER TABLE "operations" ADD COLUMN "warnings_json" json DEFAULT '[]'::json NOT NULL;