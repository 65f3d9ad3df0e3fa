CREATE TABLE `shadow_trials` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`script_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`finished_at` text,
	`slots` integer DEFAULT 0 NOT NULL,
	`held_until` text,
	`result` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`script_id`) REFERENCES `scripts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `shadow_trials_script` ON `shadow_trials` (`tenant_id`,`script_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `shadow_trials_holding` ON `shadow_trials` (`tenant_id`,`held_until`,`slots`) WHERE slots > 0;--> statement-breakpoint
CREATE INDEX `shadow_trials_created` ON `shadow_trials` (`created_at`);