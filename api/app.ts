import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppModuleOptions } from './app.module';
import type { AppConfig } from './config/config';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { closeConnectionsWhenStopping, ShutdownState } from './http/graceful-shutdown';
import helmet from 'helmet';
import { jsonClientErrors } from './http/client-errors';
import { validationPipe } from './http/validation.pipe';
import { PagesService } from '../dashboards/pages/pages.service';

const DESCRIPTION = `Monitors how the Public Services (Social Value) Act 2012 is implemented: social value outcomes delivered
through public contracts, aggregated into consistent measures by authority, sector, theme and period.

Errors always have the shape \`{ "error": { "code", "message", "details" } }\`. One access rule holds on every route: what
public bodies publish anyway (contract notice fields, every aggregate, the reference data) is public; what suppliers send
(commitments, returns, evidence references, row-level quality flags) needs an analyst or admin key, or a submitter key for
the authority, unless the deployment sets SUPPLIER_DATA=open; writes need a key with the role each route names. Keys are
sent as \`Authorization: Bearer <key>\` (401 without one, 403 when the key's role or authorities do not allow it).`;

/** Where a browser opened at the service's root address (`GET /`) is sent: the dashboards. */
export const HOME_PAGE = '/dashboards';

/**
 * The Content-Security-Policy of every answer: only the service itself. Scripts from its own files only (no inline
 * script, no `unsafe-eval`: the charts' expressions run in Vega's interpreter); inline styles are allowed, as Vega's
 * tooltips and the API docs page set them; images from the service or data: URLs; no plugins, no framing by others.
 */
const CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'self'"],
  },
};

/** Builds the HTTP application (not yet listening): body limits, validation, errors, auth, OpenAPI at /docs, / to it. */
export async function createApp(config: AppConfig, database?: AppModuleOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, database), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.use(closeConnectionsWhenStopping(app.get(ShutdownState)));
  // security headers on every answer; the API docs page needs its own script and styles only
  app.use(helmet({ contentSecurityPolicy: CSP, crossOriginResourcePolicy: { policy: config.http.corsOrigins ? 'cross-origin' : 'same-origin' } }));
  // CORS is off (no Access-Control headers: browsers refuse other origins) unless CORS_ORIGINS names them
  if (config.http.corsOrigins) {
    app.enableCors({ origin: config.http.corsOrigins === '*' ? '*' : config.http.corsOrigins, exposedHeaders: ['ETag', 'Retry-After'], maxAge: 600 });
  }
  jsonClientErrors(app.getHttpServer());
  // an idle keep-alive connection is closed by the client, never under it: clients (Node's fetch 4 s, browsers,
  // load balancers 60 s) keep idle connections for less than this, so none reuses one the server is closing (ECONNRESET)
  const server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // bodies are read after the key is checked, each route up to its own limit (BodyInterceptor)
  app.useGlobalPipes(validationPipe);
  // an error on a page (/dashboards/...) is a page; everywhere else the JSON error shape
  const pages = app.get(PagesService);
  // the pages answer errors as pages (the dashboards, the reports list and previews; not the Atom feed, a machine's)
  const isPage = (path: string) => ['/dashboards', '/reports'].some((p) => path === p || (path.startsWith(`${p}/`) && !path.endsWith('.atom')));
  app.useGlobalFilters(new AllExceptionsFilter(isPage, (e) => pages.error(e.status, e.code, e.message)));
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
