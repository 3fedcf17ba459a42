import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { BODY_KEY, bodyParsers, readBody, type BodyKind } from './body';

const WITHOUT_BODY = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * Reads a request's body after the guard has let the caller in (interceptors run after guards): a caller without a
 * key gets its 401 before a byte of the body is read, and each route reads at most the limit its kind allows.
 */
@Injectable()
export class BodyInterceptor implements NestInterceptor {
  private readonly parsers: ReturnType<typeof bodyParsers>;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.parsers = bodyParsers(config.bodyLimitBytes);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (!WITHOUT_BODY.has(req.method)) {
      const kind = this.reflector.get<BodyKind | undefined>(BODY_KEY, context.getHandler()) ?? 'small';
      if (kind !== 'streamed') await readBody(this.parsers[kind], req, http.getResponse<Response>());
    }
    return next.handle();
  }
}
