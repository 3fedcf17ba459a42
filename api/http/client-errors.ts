import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node refuses before any route sees them (a request line or headers beyond its 16 KB limit, malformed
 * HTTP) get the service's JSON error shape, not Node's bare status line or a reset connection.
 */
export function jsonClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (err.code as string) === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      error: tooLarge
        ? { code: 'headers_too_large', message: 'The request line and headers are larger than 16 KB: send fewer or shorter query parameters (a list of values can be given once, comma-separated).' }
        : { code: 'malformed_request', message: `The request is not valid HTTP (${err.code ?? 'parse error'}).` },
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
