import { createHash } from 'node:crypto';
import { chmodSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DomainError, ERROR_CODES, type ErrorCode } from '../../metrics/platform/errors';

/**
 * The embedded database can be open in one process only. While the service holds it, one-off commands (API keys...)
 * are sent to the service over this Unix socket and run there, by the same code the CLI runs when the service is down.
 * The socket is created with mode 0600: whoever may read the data folder may administer the service.
 */
export function adminSocketPath(dataDir: string): string {
  const inside = join(dataDir, 'admin.sock');
  if (Buffer.byteLength(inside) <= 100) return inside; // Unix socket paths are limited to ~104 bytes
  return join(tmpdir(), `svm-admin-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}.sock`);
}

export interface AdminRequest {
  command: string;
  args?: Record<string, unknown>;
}

type AdminResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string; details?: unknown } };

export type AdminHandler = (request: AdminRequest) => Promise<unknown>;

const MAX_REQUEST_BYTES = 1024 * 1024;

export async function listenAdminSocket(path: string, handle: AdminHandler): Promise<Server> {
  rmSync(path, { force: true }); // left by a process that died; the data-folder lock says we are the owner now
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) socket.destroy();
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      void (async () => {
        let response: AdminResponse;
        try {
          response = { ok: true, result: await handle(JSON.parse(line) as AdminRequest) };
        } catch (err) {
          response =
            err instanceof DomainError
              ? { ok: false, error: { code: err.code, message: err.message, details: err.details } }
              : { ok: false, error: { code: 'internal_error', message: (err as Error).message } };
        }
        socket.end(`${JSON.stringify(response)}\n`);
      })();
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return server;
}

export async function closeAdminSocket(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(path, { force: true });
}

/** Sends one command to the running service and returns its result (or throws its DomainError). */
export function sendAdminCommand(path: string, request: AdminRequest, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`The service did not answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (buffer += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        const response = JSON.parse(buffer) as AdminResponse;
        if (response.ok) return resolve(response.result);
        const code = (ERROR_CODES as readonly string[]).includes(response.error.code)
          ? (response.error.code as ErrorCode)
          : 'internal_error';
        reject(new DomainError(code, response.error.message, response.error.details));
      } catch {
        reject(new Error('The service sent an unreadable answer on its admin socket'));
      }
    });
  });
}
