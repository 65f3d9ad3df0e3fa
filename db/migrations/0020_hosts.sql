CREATE TABLE `hosts` (
	`id` text PRIMARY KEY NOT NULL,
	`peer_address` text NOT NULL,
	`seen_at` text NOT NULL
);
