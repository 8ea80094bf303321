import { pino } from 'pino';
import { createApp, type App } from '../../src/app.js';
import { scheduleBulletin } from '../../src/bulletins/bulletins.js';
import { bulletinDeps } from '../../src/bulletins/deps.js';
import { runBulletinSends } from '../../src/bulletins/send.js';
import { loadConfig } from '../../src/config.js';
import { keepWasmOnBaselineCompiler } from '../../src/wasm-compiler.js';
import { BENCH_SECRET, profiled, SUPPORT_ADDRESS, wallMs } from './lib.js';
import { startLineProcess } from './line-process.js';

// The gateway's half of the bulletin benchmark (bulletin.ts), in a process of its own, as the daemon sends a
// bulletin: its peak RSS is then the gateway's, not that of a harness that ran other benchmarks before (their
// leftovers added some 60 MiB in a full run). One bulletin to every subscriber: the bulletin-send job, then the
// drain through the compose worker to the SMTP sink.

export const POOL_SIZE = 5;

const BULLETIN = {
  title: 'Reforma del IVA 2027: nuevas tasas y plazos',
  countries: ['AR', 'MX'],
  topics: [],
  defaultLocale: 'es' as const,
  sourceFile: null,
  variants: {
    es: { title: 'Reforma del IVA 2027: nuevas tasas y plazos', markdown: body('El **SAT** y la **AFIP** publicaron cambios', 'Qué cambia', 'Plazos') },
    pt: { title: 'Reforma do IVA 2027: novas taxas e prazos', markdown: body('O **SAT** e a **AFIP** publicaram alterações', 'O que muda', 'Prazos') },
    en: { title: 'VAT reform 2027: new rates and deadlines', markdown: body('**SAT** and **AFIP** published changes', 'What changes', 'Deadlines') },
  },
};

function body(lead: string, h1: string, h2: string): string {
  const para = `${lead} que afectan la facturación electrónica a partir del 1 de enero. Consulte [el texto oficial](https://www.dof.gob.mx/) y la guía de su sistema.`;
  return `${para}\n\n## ${h1}\n\n- Tasa general: 16 %\n- Región fronteriza: 8 %\n- Exportaciones: 0 %\n\n| Concepto | Antes | Ahora |\n|---|---|---|\n| General | 16 % | 16 % |\n| Frontera | 8 % | 8 % |\n\n## ${h2}\n\n${para}\n\n${para}\n`;
}

function openApp(dataDir: string, smtpPort: number): Promise<App> {
  const config = loadConfig(
    {
      DATA_DIR: dataDir, SUPPORT_ADDRESS, SECRET_KEY: BENCH_SECRET, SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtpPort), SMTP_SECURE: 'false',
      SMTP_POOL_SIZE: String(POOL_SIZE), BULLETIN_RATE_PER_MINUTE: '100000000', PUBLIC_URL: 'https://soporte.example.test', LOG_LEVEL: 'silent',
    },
    { dotenv: false },
  );
  return createApp({ config, log: pino({ level: 'silent' }), composeWorker: true });
}

export interface Memory {
  /** RSS when the phase started, and the highest RSS and V8 heap in use while it ran (sampled every 50 ms). */
  startRss: number;
  peakRss: number;
  peakHeap: number;
}

/** Memory while fn runs (sampled; /proc's VmHWM cannot be reset in every container). */
export async function measured<T>(fn: () => Promise<T>): Promise<{ result: T; memory: Memory }> {
  const start = process.memoryUsage();
  const memory: Memory = { startRss: start.rss, peakRss: start.rss, peakHeap: start.heapUsed };
  const sample = () => {
    const m = process.memoryUsage();
    memory.peakRss = Math.max(memory.peakRss, m.rss);
    memory.peakHeap = Math.max(memory.peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 50);
  try {
    const result = await fn();
    sample();
    return { result, memory };
  } finally {
    clearInterval(timer);
  }
}

export interface GatewaySend {
  bulletinId: number;
  queueSeconds: number;
  drainSeconds: number;
  memory: Memory;
}

/** The measured send, in this process: opening the app is not counted, closing it neither. */
async function gatewaySend(dataDir: string, smtpPort: number, n: number, label: string): Promise<GatewaySend> {
  const app = await openApp(dataDir, smtpPort);
  try {
    let bulletinId = 0;
    const { result, memory } = await measured(() =>
      profiled(label, async () => {
        const deps = bulletinDeps(app);
        const now = new Date();
        // A run may measure the same bulletin again on the same data: a deliberate resend.
        bulletinId = (await scheduleBulletin(deps, { ...BULLETIN, sendAt: now }, now, { again: true })).bulletin.id;
        const t0 = wallMs();
        const queued = await runBulletinSends(deps, now);
        const t1 = wallMs();
        const drained = await app.drainer().drain();
        const t2 = wallMs();
        const finished = await runBulletinSends(deps, now);
        if (queued.queued !== n || drained.sent !== n || finished.finished !== 1) throw new Error(`gateway: queued ${queued.queued}, sent ${drained.sent} of ${n}, finished ${finished.finished}`);
        return { queueSeconds: (t1 - t0) / 1000, drainSeconds: (t2 - t1) / 1000 };
      }),
    );
    return { bulletinId, ...result, memory };
  } finally {
    await app.close();
  }
}

/** Runs gatewaySend in a new process (this file as its script) and returns what it measured. */
export async function gatewaySendInChild(dataDir: string, smtpPort: number, n: number, label: string): Promise<GatewaySend> {
  const child = startLineProcess('bulletin-gateway', [dataDir, String(smtpPort), String(n), label]);
  try {
    return JSON.parse(await child.next()) as GatewaySend;
  } finally {
    await child.stop();
  }
}

if (process.argv[1]?.endsWith('bulletin-gateway.js')) {
  const [dataDir, port, n, label] = process.argv.slice(2) as [string, string, string, string];
  keepWasmOnBaselineCompiler(); // as the daemon runs
  gatewaySend(dataDir, Number(port), Number(n), label).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
