ALTER TABLE `executions` ADD `not_before` text;--> statement-breakpoint
CREATE INDEX `executions_tenant_status` ON `executions` (`tenant_id`,`status`);