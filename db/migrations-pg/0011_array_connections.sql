CREATE TABLE "array_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"vendor" text NOT NULL,
	"address" text NOT NULL,
	"secret_id" text NOT NULL,
	"staging_target" text,
	"array_id" text,
	"fingerprint" text,
	"refused_fingerprint" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"created_by" text NOT NULL,
	"last_sync_at" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "array_connections_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "array_jobs" (
	"connection_id" text NOT NULL,
	"key" text NOT NULL,
	"job_uuid" text NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "array_jobs_connection_id_key_pk" PRIMARY KEY("connection_id","key")
);
--> statement-breakpoint
ALTER TABLE "array_jobs" ADD CONSTRAINT "array_jobs_connection_id_array_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."array_connections"("id") ON DELETE cascade ON UPDATE no action;