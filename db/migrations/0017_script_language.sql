ALTER TABLE `script_versions` ADD `language` text DEFAULT 'js' NOT NULL;--> statement-breakpoint
ALTER TABLE `script_versions` ADD `compiled` text;--> statement-breakpoint
ALTER TABLE `scripts` ADD `language` text DEFAULT 'js' NOT NULL;