DROP INDEX `executions_tenant_status_bytes`;--> statement-breakpoint
CREATE INDEX `executions_tenant_script_created` ON `executions` (`tenant_id`,`script_id`,`created_at`,`id`,`trigger`);--> statement-breakpoint
CREATE INDEX `executions_tenant_script_status` ON `executions` (`tenant_id`,`script_id`,`status`,`created_at`,`id`,`trigger`);--> statement-breakpoint
CREATE INDEX `executions_tenant_status_created` ON `executions` (`tenant_id`,`status`,`created_at`,`id`,`trigger`,`input_bytes`);--> statement-breakpoint
CREATE INDEX `executions_tenant_trigger_created` ON `executions` (`tenant_id`,`trigger`,`created_at`,`id`,`status`);