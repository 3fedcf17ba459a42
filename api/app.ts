import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { AppConfig } from './config/config';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { closeConnectionsWhenStopping, ShutdownState } from './http/graceful-shutdown';
import { csvTextBody, jsonBody } from './http/json-body';
import { validationPipe } from './http/validation.pipe';

const DESCRIPTION = `Monitors how the Public Services (Social Value) Act 2012 is implemented: social value outcomes delivered
through public contracts, aggregated into consistent measures by authority, sector, theme and period.

Errors always have the shape \`{ "error": { "code", "message", "details" } }\`. Reads are public; writes need an API key
sent as \`Authorization: Bearer <key>\` (401 without one, 403 when the key's role or authorities do not allow the write).`;

/** Where a browser opened at the service's root address (`GET /`) is sent: the API docs, until the dashboards come. */
export const HOME_PAGE = '/docs';

/** Builds the HTTP application (not yet listening): body limits, validation, errors, auth, OpenAPI at /docs, / to it. */
export async function createApp(config: AppConfig, database?: AppModuleOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.use(closeConnectionsWhenStopping(app.get(ShutdownState)));
  app.use(jsonBody(config.bodyLimitBytes));
  app.use('/api/v1/frameworks', csvTextBody(config.bodyLimitBytes));
  app.useGlobalPipes(validationPipe);
  app.useGlobalFilters(new AllExceptionsFilter());
  app.disable('x-powered-by');
  // `/` answers a redirect to HOME_PAGE: an Express route, registered before Nest adds its own routes and its 404
  app.getHttpAdapter().getInstance().get('/', (_req, res) => res.redirect(302, HOME_PAGE));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Social value monitor')
      .setDescription(DESCRIPTION)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (npm run keys -- create)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
