CREATE TABLE "hyperv_connections" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"port" integer NOT NULL,
	"secret_id" text NOT NULL,
	"guest_secret_id" text,
	"host_id" text,
	"host_key" text,
	"refused_host_key" text,
	"created_at" timestamp (3) with time zone NOT NULL,
	"created_by" text NOT NULL,
	"last_sync_at" timestamp (3) with time zone,
	"last_error" text,
	CONSTRAINT "hyperv_connections_name_unique" UNIQUE("name")
);
