CREATE TABLE "assessment_engine" (
	"id" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"assessed_at" timestamp (3) with time zone NOT NULL
);
