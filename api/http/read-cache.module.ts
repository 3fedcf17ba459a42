import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ReadCache, ReadCacheInterceptor, ReadCacheMiddleware } from './read-cache.interceptor';

/**
 * Read answers cached against the data version, served with an ETag (api/http/read-cache.interceptor.ts): an
 * interceptor on every route, which acts on the public reads only, and a middleware that serves an anonymous request
 * an answer already kept before routing. The data version comes from PlatformModule (metrics/platform/data-version.ts).
 * Imported by AppModule after LoggerModule, so that the middleware runs after the request logger.
 */
@Module({
  providers: [ReadCache, ReadCacheMiddleware, { provide: APP_INTERCEPTOR, useClass: ReadCacheInterceptor }],
  exports: [ReadCache],
})
export class ReadCacheModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ReadCacheMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.GET });
  }
}
