ALTER TABLE `tenants` ADD `egress_allow` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `tenants` ADD `egress_deny` text DEFAULT '[]' NOT NULL;