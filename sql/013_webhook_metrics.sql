-- 013_webhook_metrics: what GET /metrics reads of webhook_deliveries at
-- every scrape (DESIGN §10.3), by state. Delivered rows are kept, so
-- their count and age come from a partial index (an index-only scan)
-- rather than a pass over the table; dead rows likewise, for the alert.
-- The open states already have webhook_deliveries_open.
CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at)
	WHERE state = 'delivered';
CREATE INDEX webhook_deliveries_dead ON webhook_deliveries (last_attempt_at)
	WHERE state = 'dead';
