import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { findDashboard } from '../../dashboards/catalogue';
import { PagesService } from '../../dashboards/pages/pages.service';
import { DomainError } from '../../metrics/platform/errors';
import { Public } from '../auth/access.decorator';
import { decideAccess } from '../auth/api-key.guard';
import { CurrentPrincipal } from '../auth/principal.decorator';
import type { Principal } from '../auth/principal';
import { SESSION_COOKIE, SessionsService } from '../auth/sessions';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { TakesBody } from '../http/body';
import { NoReadCache, Rendered } from '../http/read-cache.interceptor';
import { PageQueryDto, SearchQueryDto, SignInBodyDto } from './dashboards.dto';

const HTML = 'text/html; charset=utf-8';

/** Where to go after signing in: a path of this service only (never another site). */
function localPath(next: string | undefined): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/dashboards';
}

/**
 * The dashboards as pages (HTML shells; their charts come from the chart API), signing in with a key for
 * supplier-level charts, and the files the pages load. Public: the pages hold aggregates and contract notice fields
 * only; a supplier-level chart is fetched by the browser from the chart API, under its own rule.
 */
@ApiExcludeController()
@Controller()
export class PagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('dashboards')
  @Public()
  async index() {
    return new Rendered(HTML, await this.pages.index());
  }

  @Get('dashboards/session')
  @Public()
  @NoReadCache()
  session(@CurrentPrincipal() principal: Principal | undefined) {
    // whether this caller may read supplier-level charts (the page then asks for them; otherwise it offers to sign in)
    let supplierData = true;
    try {
      decideAccess({ audience: 'supplier-data' }, principal, this.config.access.supplierData);
    } catch {
      supplierData = false;
    }
    return principal
      ? { signed_in: true, role: principal.role, prefix: principal.prefix, authorities: principal.role === 'submitter' ? principal.authorityCodes : null, supplier_data: supplierData }
      : { signed_in: false, supplier_data: supplierData };
  }

  @Get('dashboards/sign-in')
  @Public()
  @NoReadCache()
  async signInForm(@Query('next') next: string | undefined, @CurrentPrincipal() principal: Principal | undefined) {
    return new Rendered(HTML, await this.pages.signIn({ next: localPath(next), signedIn: principal !== undefined, hours: this.config.access.sessionHours }));
  }

  @Post('dashboards/sign-in')
  @Public()
  @TakesBody('form')
  @HttpCode(303)
  async signIn(@Body() body: SignInBodyDto, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const next = localPath(body.next);
    try {
      const { token } = await this.sessions.signIn(body.key);
      response.cookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: request.secure,
        path: '/',
        maxAge: this.sessions.maxAgeMs,
      });
      response.setHeader('Location', next);
      return undefined;
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'invalid_api_key') throw err;
      response.status(401).type(HTML);
      return await this.pages.signIn({ next, error: 'That key is not valid: it is unknown, mistyped or revoked.', signedIn: false, hours: this.config.access.sessionHours });
    }
  }

  @Post('dashboards/sign-out')
  @Public()
  @TakesBody('form')
  @HttpCode(303)
  @Header('Location', '/dashboards')
  signOut(@Res({ passthrough: true }) response: Response) {
    response.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/' });
  }

  @Get('dashboards/authority')
  @Public()
  async search(@Query() query: SearchQueryDto) {
    return new Rendered(HTML, await this.pages.search(query.q));
  }

  @Get('dashboards/:name')
  @Public()
  async dashboard(@Param('name') name: string, @Query() query: PageQueryDto) {
    const d = findDashboard(name);
    if (d?.subject === 'contract') throw new DomainError('not_found', 'A contract page is /dashboards/contract/<id or reference>', { dashboard: name });
    return new Rendered(HTML, await this.pages.dashboard(name, { ...query }));
  }

  @Get('dashboards/:name/:subject')
  @Public()
  async subjectPage(@Param('name') name: string, @Param('subject') subject: string, @Query() query: PageQueryDto) {
    const d = findDashboard(name);
    if (!d?.subject) throw new DomainError('not_found', `No page /dashboards/${name}/${subject}`, { dashboard: name });
    return new Rendered(HTML, await this.pages.dashboard(name, { ...query, [d.subject]: subject }));
  }

  @Get('assets/:file')
  @Public()
  async asset(@Param('file') file: string, @Query('v') version: string | undefined, @Res({ passthrough: true }) response: Response) {
    const a = await this.pages.asset(file);
    if (!a) throw new DomainError('not_found', `No asset ${file}`, { file });
    // a versioned URL never changes: kept for a year; otherwise revalidated
    response.setHeader('Cache-Control', version === a.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    response.setHeader('ETag', `"${a.hash}"`);
    return new Rendered(a.contentType, a.body);
  }

  @Get('favicon.ico')
  @Public()
  async favicon(@Res({ passthrough: true }) response: Response) {
    const a = (await this.pages.asset('favicon.svg'))!;
    response.setHeader('Cache-Control', 'public, max-age=86400');
    return new Rendered(a.contentType, a.body);
  }
}
