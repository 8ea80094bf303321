import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Content-addressed files under DATA_DIR/blobs: raw mails and attachments are stored once per SHA-256,
 * whatever the number of messages that point at them. Files are written before the database commit that
 * references them (a crash leaves at worst an unreferenced file, never a reference to nothing).
 */
export class BlobStore {
  constructor(private readonly root: string) {}

  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async put(content: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const target = this.pathOf(sha256);
    if (!existsSync(target)) {
      await mkdir(dirname(target), { recursive: true });
      // Write to a private name, then rename: readers never see a half-written blob.
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      await writeFile(temp, content);
      await rename(temp, target).catch(async (error) => {
        await unlink(temp).catch(() => undefined);
        throw error;
      });
    }
    return { sha256, size: content.length };
  }

  async get(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  has(sha256: string): boolean {
    return existsSync(this.pathOf(sha256));
  }
}
