CREATE TABLE "approval_policies" (
	"kind" text PRIMARY KEY NOT NULL,
	"required" boolean NOT NULL,
	"reason" text,
	"updated_at" timestamp (3) with time zone NOT NULL,
	"updated_by" text NOT NULL,
	"updated_by_name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approval_requests" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"title" text NOT NULL,
	"payload_json" json NOT NULL,
	"preview_json" json NOT NULL,
	"fingerprint" text NOT NULL,
	"requested_by" text NOT NULL,
	"requested_by_name" text NOT NULL,
	"requested_by_role" text,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL,
	"decided_by" text,
	"decided_by_name" text,
	"decided_at" timestamp (3) with time zone,
	"comment" text,
	"result_json" json,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "approval_requests_status_requested_idx" ON "approval_requests" USING btree ("status","requested_at","id");--> statement-breakpoint
CREATE INDEX "approval_requests_requested_idx" ON "approval_requests" USING btree ("requested_at","id");