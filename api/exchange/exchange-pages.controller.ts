import { Catch, Controller, Get, Injectable, Param, Query, UseFilters, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiExcludeController, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ExchangePagesService } from '../../dashboards/pages/exchange-pages.service';
import { PagesService } from '../../dashboards/pages/pages.service';
import { DomainError } from '../../metrics/platform/errors';
import { Public } from '../auth/access.decorator';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';
import { Rendered } from '../http/read-cache.interceptor';

const HTML = 'text/html; charset=utf-8';

/** The board of needs' GET form: a council, a region, a theme, what is asked (each optional; empty means any). */
export class ExchangePageQueryDto {
  @ApiPropertyOptional({ description: 'A council: its code' }) @IsOptional() @IsString() @MaxLength(64) authority?: string;
  @ApiPropertyOptional({ description: 'A region (England) or nation' }) @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiPropertyOptional({ description: "A theme of the default framework: its code" }) @IsOptional() @IsString() @MaxLength(64) theme?: string;
  @ApiPropertyOptional({ description: 'A resource kind' }) @IsOptional() @IsString() @MaxLength(40) resource_kind?: string;
}

/** An id in a page's path: a positive whole number (400 otherwise, before anything is read). */
export function pageId(value: string, what: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(value)) {
    throw new DomainError('invalid_parameter', `${value.slice(0, 40)} is not a ${what} id: a ${what}'s id is a whole number`, { field: 'id', value: value.slice(0, 40) });
  }
  return Number(value);
}

/** Errors of the exchange's pages as pages (the dashboards' error page), whatever raised them: the validation, the guard, a read. */
@Catch()
@Injectable()
export class ExchangePageErrors implements ExceptionFilter {
  private readonly inner: AllExceptionsFilter;

  constructor(pages: PagesService) {
    this.inner = new AllExceptionsFilter(
      () => true,
      (e) => pages.error(e.status, e.code, e.message),
    );
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    this.inner.catch(exception, host);
  }
}

/**
 * The exchange as pages (HTML): the board of open needs with its filters and the map of unmet need, one need, one
 * pledge, each with its matches. Public: organisations, suppliers and quantities; no person is named anywhere.
 */
@ApiExcludeController()
@Controller('exchange')
@UseFilters(ExchangePageErrors)
export class ExchangePagesController {
  constructor(private readonly pages: ExchangePagesService) {}

  @Get()
  @Public()
  async board(@Query() query: ExchangePageQueryDto) {
    return new Rendered(HTML, await this.pages.board({ ...query }));
  }

  @Get('needs/:id')
  @Public()
  async need(@Param('id') id: string) {
    return new Rendered(HTML, await this.pages.need(pageId(id, 'need')));
  }

  @Get('pledges/:id')
  @Public()
  async pledge(@Param('id') id: string) {
    return new Rendered(HTML, await this.pages.pledge(pageId(id, 'pledge')));
  }
}
