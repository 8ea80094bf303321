-- The bulletin-send job (every 10 s) and the check after each outbox drain look, while a resumed bulletin sends,
-- for its deliveries marked 'resume' in subscriber order. Only the unique key (bulletinId, subscriberId) was there:
-- each run read every delivery of the bulletin (100,000 for a big list) to find the few marked.

-- CreateIndex
CREATE INDEX "BulletinDelivery_bulletinId_status_subscriberId_idx" ON "BulletinDelivery"("bulletinId", "status", "subscriberId");
