import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  host: string;
  port: number;
  /** Connections made so far. */
  connections(): number;
  /**
   * The connections open now go silent, both ways, and stay open: what a client sees when a NAT or firewall
   * forgets the flow, or the server hangs. Later connections are forwarded as usual.
   */
  freeze(): void;
  /** The next `times` connections go silent (as freeze) as soon as the client sends something matching `pattern`. */
  freezeWhenClientSends(pattern: RegExp, times: number): void;
  /**
   * The connections open now are closed, both ways, as when the server drops them (a restart, `doveadm kick`, a
   * route lost); resolves once they are. Later connections are forwarded as usual.
   */
  cut(): Promise<void>;
  close(): Promise<void>;
}

interface Pair {
  frozen: boolean;
  closed: Promise<void>;
  end(): void;
}

/** A loopback TCP proxy to `target`, to make a live connection go silent without closing it. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Pair>();
  const sockets = new Set<Socket>();
  let made = 0;
  let rule: { pattern: RegExp; times: number } | null = null;
  const server = createServer((client) => {
    made++;
    const upstream = createConnection(target);
    let closed!: () => void;
    const pair: Pair = { frozen: false, closed: new Promise<void>((resolve) => (closed = resolve)), end: () => end() };
    // A rule for the next connections applies to this one, from its start.
    const freezeOn = rule && rule.times > 0 ? (rule.times--, rule.pattern) : null;
    open.add(pair);
    sockets.add(client).add(upstream);
    // Frozen: what comes is read and dropped, so the peer's writes succeed, as on a dead route.
    client.on('data', (chunk: Buffer) => {
      if (!pair.frozen && freezeOn?.test(chunk.toString('latin1'))) pair.frozen = true;
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      open.delete(pair);
      closed();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return {
    host: '127.0.0.1',
    port: address.port,
    connections: () => made,
    freeze() {
      for (const pair of open) pair.frozen = true;
    },
    freezeWhenClientSends(pattern: RegExp, times: number) {
      rule = { pattern, times };
    },
    async cut() {
      const pairs = [...open];
      for (const pair of pairs) pair.end();
      await Promise.all(pairs.map((pair) => pair.closed));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
