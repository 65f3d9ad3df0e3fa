DROP INDEX `executions_status`;--> statement-breakpoint
CREATE INDEX `executions_status_tenant` ON `executions` (`status`,`tenant_id`);--> statement-breakpoint
CREATE INDEX `executions_queue` ON `executions` (`status`,`created_at`,`id`);