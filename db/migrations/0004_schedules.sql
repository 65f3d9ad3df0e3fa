ALTER TABLE `executions` ADD `scheduled_for` text;--> statement-breakpoint
CREATE UNIQUE INDEX `executions_script_slot` ON `executions` (`script_id`,`scheduled_for`) WHERE scheduled_for IS NOT NULL;--> statement-breakpoint
ALTER TABLE `scripts` ADD `next_run_at` text;--> statement-breakpoint
CREATE INDEX `scripts_next_run` ON `scripts` (`next_run_at`);