CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"host_ids_json" json,
	"array_ids_json" json,
	"seen_at" timestamp (3) with time zone NOT NULL,
	"expires_at" timestamp (3) with time zone NOT NULL
);
