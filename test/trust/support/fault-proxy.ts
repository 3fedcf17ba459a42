import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL that can play a database that stops: `cut()` drops every
 * connection (both sides: the server's backends see their client leave and roll back) and refuses new ones (reset
 * at once), `restore()` lets connections through again. The machine's PostgreSQL itself is never stopped (others
 * use it).
 */
export class FaultProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly server: Server = createServer((client) => this.accept(client));
  private down = false;
  /** Connections refused while down. */
  refused = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(target);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  private accept(client: Socket): void {
    if (this.down) {
      this.refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** A PostgreSQL URL with its host and port turned to the proxy. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.pairs.size;
  }

  /**
   * The database "stops": every connection is dropped, and new ones are refused until `restore()`. `reset` (the
   * default) sends the service a TCP reset (ECONNRESET); `close` closes its sockets as a server process that exits
   * does, so that what it writes next fails (EPIPE: a COPY under way).
   */
  cut(how: 'reset' | 'close' = 'reset'): void {
    this.down = true;
    for (const [client, upstream] of this.pairs) {
      if (how === 'reset') client.resetAndDestroy();
      else client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** The database is back. */
  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
