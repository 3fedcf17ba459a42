import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { RequestHandler } from 'express';

/** Set when the application starts to shut down, before the HTTP server stops accepting connections. */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  stopping = false;

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }
}

/**
 * On shutdown the HTTP server stops accepting and waits for its connections to end. A keep-alive connection would
 * otherwise stay open until its idle timeout (5 s), so each response that finishes during shutdown closes its
 * connection: in-flight requests complete, and then the process can stop at once.
 */
export function closeConnectionsWhenStopping(state: ShutdownState): RequestHandler {
  return (req, res, next) => {
    res.on('finish', () => {
      if (state.stopping) req.socket.end();
    });
    next();
  };
}
