CREATE TABLE `secret_endpoints` (
	`secret_id` text NOT NULL,
	`endpoint` text NOT NULL,
	`bound_at` integer NOT NULL,
	`bound_by` text NOT NULL,
	PRIMARY KEY(`secret_id`, `endpoint`),
	FOREIGN KEY (`secret_id`) REFERENCES `secrets`(`id`) ON UPDATE no action ON DELETE cascade
);

--> statement-breakpoint
-- The connections saved before secrets were bound: each secret is bound to the endpoints
-- (server/engine/secret-binding.ts `endpointOf`: lower-case host, `:port`, the connector's default
-- port when none is written) of the connections that sign in with it, so that disconnecting one of
-- them later keeps its endpoint, as it does for a connection saved from now on.
INSERT OR IGNORE INTO `secret_endpoints` (`secret_id`, `endpoint`, `bound_at`, `bound_by`)
SELECT u.secret_id, u.endpoint, min(u.bound_at), 'system'
FROM (
  SELECT a.`secret_id` AS secret_id, lower(a.`address`) || ':' || a.`port` AS endpoint, a.`created_at` AS bound_at FROM `hyperv_connections` a
  UNION ALL
  SELECT a.`guest_secret_id`, lower(a.`address`) || ':' || a.`port`, a.`created_at` FROM `hyperv_connections` a
  UNION ALL
  SELECT a.`secret_id`, lower(a.`address`) || CASE WHEN (a.`address` LIKE '[%]:%' OR (a.`address` NOT LIKE '[%' AND instr(a.`address`, ':') > 0)) THEN '' ELSE ':443' END, a.`created_at` FROM `xapi_pools` a
  UNION ALL
  SELECT a.`guest_secret_id`, lower(a.`address`) || CASE WHEN (a.`address` LIKE '[%]:%' OR (a.`address` NOT LIKE '[%' AND instr(a.`address`, ':') > 0)) THEN '' ELSE ':443' END, a.`created_at` FROM `xapi_pools` a
  UNION ALL
  SELECT a.`host_ssh_secret_id`, lower(a.`address`) || CASE WHEN (a.`address` LIKE '[%]:%' OR (a.`address` NOT LIKE '[%' AND instr(a.`address`, ':') > 0)) THEN '' ELSE ':443' END, a.`created_at` FROM `xapi_pools` a
  UNION ALL
  SELECT a.`secret_id`, lower(a.`address`) || CASE WHEN (a.`address` LIKE '[%]:%' OR (a.`address` NOT LIKE '[%' AND instr(a.`address`, ':') > 0)) THEN '' WHEN a.`vendor` = 'equallogic' THEN ':22' ELSE ':443' END, a.`created_at` FROM `array_connections` a
) u
JOIN `secrets` s ON s.`id` = u.secret_id
GROUP BY u.secret_id, u.endpoint;
