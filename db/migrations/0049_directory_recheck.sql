ALTER TABLE `user` ADD `directory_check_due_at` integer;--> statement-breakpoint
ALTER TABLE `user` ADD `directory_unknown_since` integer;--> statement-breakpoint
-- Directory users who signed in before the re-check existed are due at once: their sessions were
-- made without a refresh token, so the first request re-checks them and sends them to sign in again.
UPDATE `user` SET `directory_check_due_at` = 0 WHERE `id` IN (SELECT `user_id` FROM `account` WHERE `provider_id` = 'oidc');
