import type { Db } from '../store/database.js';

// A lease per job in the database: whoever holds an unexpired lease is the only instance running the job.
// Leases use the wall clock (they guard real concurrency), never the simulated `--now` of run-once.

export async function acquireLease(db: Db, name: string, holder: string, ttlMs: number, wallNow = new Date()): Promise<boolean> {
  const leasedUntil = new Date(wallNow.getTime() + ttlMs);
  const taken = await db.jobLease.updateMany({
    where: { name, OR: [{ leasedUntil: { lt: wallNow } }, { holder }] },
    data: { holder, leasedUntil },
  });
  if (taken.count === 1) return true;
  try {
    await db.jobLease.create({ data: { name, holder, leasedUntil } });
    return true;
  } catch (error) {
    // Someone else holds it (the row exists and is not ours), or created it this instant.
    if ((error as { code?: string }).code === 'P2002') return false;
    throw error;
  }
}

export async function releaseLease(db: Db, name: string, holder: string, simulatedNow: Date, wallNow = new Date()): Promise<void> {
  await db.jobLease.updateMany({ where: { name, holder }, data: { leasedUntil: wallNow, lastRunAt: wallNow, lastNow: simulatedNow } });
}
