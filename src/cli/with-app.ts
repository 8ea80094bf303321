import { userInfo } from 'node:os';
import { createApp, type App } from '../app.js';

/** Who does an action: --as, else $VENTANILLA_AGENT, else the OS user. */
export const defaultActor = (): string => process.env.VENTANILLA_AGENT ?? `agent:${osUser()}`;

/** A uid with no name here (a container run as `--user 1001`): userInfo() throws, and every agent action failed. */
function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * commander helper for repeatable options (--attach a --attach b). Without a default (a required repeatable option,
 * `subscribers add --country`, so that commander says it is missing) the first value comes with none.
 */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Runs an action, then sends what it queued right away (the daemon would within seconds anyway). */
export async function withApp<T>(action: (app: App) => Promise<T>): Promise<T> {
  const app = await createApp();
  try {
    const result = await action(app);
    const report = await app.drainer().drain();
    if (report.sent + report.retried + report.failed > 0) process.stderr.write(`outbox: ${JSON.stringify(report)}\n`);
    return result;
  } finally {
    await app.close();
  }
}

/** Runs a command that changes things but sends nothing now (the scheduler sends bulletins), and closes the app. */
export const withoutSending = <T>(action: (app: App) => Promise<T>): Promise<T> => closing(createApp(), action);

/**
 * Runs a command that only reads, on the database opened read-only (createApp's `readOnly`): it works for a user
 * who may read DATA_DIR but not write in it, and on a read-only snapshot.
 */
export const readOnly = <T>(action: (app: App) => Promise<T>): Promise<T> => closing(createApp({ readOnly: true }), action);

async function closing<T>(opening: Promise<App>, action: (app: App) => Promise<T>): Promise<T> {
  const app = await opening;
  try {
    return await action(app);
  } finally {
    await app.close();
  }
}
