CREATE TABLE `alert_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`script_id` text NOT NULL,
	`execution_id` text,
	`channel` text NOT NULL,
	`target` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text NOT NULL,
	`last_error` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`sent_at` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `alert_deliveries_due` ON `alert_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_tenant` ON `alert_deliveries` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `alert_state` (
	`script_id` text NOT NULL,
	`rule_key` text NOT NULL,
	`tenant_id` text NOT NULL,
	`open` integer DEFAULT false NOT NULL,
	`last_sent_at` text,
	`held` integer DEFAULT 0 NOT NULL,
	`last_execution_id` text,
	`last_error` text,
	PRIMARY KEY(`script_id`, `rule_key`)
);
--> statement-breakpoint
CREATE TABLE `maintenance` (
	`job` text PRIMARY KEY NOT NULL,
	`next_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `scripts` ADD `alerts` text;--> statement-breakpoint
ALTER TABLE `tenants` ADD `retention_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `alerts` text DEFAULT '[]' NOT NULL;