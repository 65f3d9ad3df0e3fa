-- An execution refused by a tenant's budget never becomes a row. The admission statement decides
-- in the same statement that inserts (so two hosts cannot both pass a budget) and names the
-- refusal as the status; these stop that row and, with it, the whole transaction (an event is
-- refused with all its deliveries), telling the dispatcher which budget it was.
CREATE TRIGGER executions_refused_queue BEFORE INSERT ON executions WHEN NEW.status = 'refused:queue'
BEGIN
  SELECT RAISE(ABORT, 'QUEUE_BUDGET_EXCEEDED');
END;
--> statement-breakpoint
CREATE TRIGGER executions_refused_queue_bytes BEFORE INSERT ON executions WHEN NEW.status = 'refused:queue_bytes'
BEGIN
  SELECT RAISE(ABORT, 'QUEUE_BYTES_EXCEEDED');
END;
--> statement-breakpoint
CREATE TRIGGER executions_refused_history BEFORE INSERT ON executions WHEN NEW.status = 'refused:history'
BEGIN
  SELECT RAISE(ABORT, 'HISTORY_BUDGET_EXCEEDED');
END;
--> statement-breakpoint
-- What waits already counts against the queue's bytes from the start.
UPDATE executions SET input_bytes = octet_length(input) WHERE status = 'queued';
