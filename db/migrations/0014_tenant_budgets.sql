CREATE TABLE `history_days` (
	`tenant_id` text NOT NULL,
	`day` text NOT NULL,
	`bytes` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `runner_waits` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`until` text NOT NULL
);
--> statement-breakpoint
DROP INDEX `executions_tenant_status`;--> statement-breakpoint
ALTER TABLE `executions` ADD `input_bytes` integer;--> statement-breakpoint
CREATE INDEX `executions_tenant_status_bytes` ON `executions` (`tenant_id`,`status`,`input_bytes`);--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_queued` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_queued_bytes` integer;--> statement-breakpoint
ALTER TABLE `tenants` ADD `max_history_bytes_per_day` integer;