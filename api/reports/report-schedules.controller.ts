import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReportSchedulesService, type ScheduleDetail } from '../../reports/schedules/report-schedules.service';
import { Roles } from '../auth/access.decorator';
import type { Principal } from '../auth/principal';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { CreateScheduleDto, UpdateScheduleDto } from './report-schedules.dto';

/** A schedule as the API shows it: its record, when it next runs, its latest runs (one schedule) and links. */
export function scheduleView(s: ScheduleDetail) {
  const { runs, ...schedule } = s;
  return {
    ...schedule,
    ...(runs
      ? {
          runs: runs.map((r) => ({
            ...r,
            links: {
              self: `/api/v1/reports/runs/${r.id}`,
              pdf: r.status === 'succeeded' ? `/api/v1/reports/runs/${r.id}/pdf` : null,
              data: r.status === 'succeeded' ? `/api/v1/reports/runs/${r.id}/data.json` : null,
            },
          })),
        }
      : {}),
    links: { self: `/api/v1/reports/schedules/${s.id}` },
  };
}

/**
 * Report schedules (admin): a report with its parameters, run on a cron expression in a time zone, each tick queued
 * once however many instances run, its reports published at /reports or not.
 */
@ApiTags('reports')
@Roles('admin')
@Controller('api/v1/reports/schedules')
export class ReportSchedulesController {
  constructor(private readonly schedules: ReportSchedulesService) {}

  @Get()
  @ApiOperation({ summary: 'Report schedules, with when each next runs (admin)' })
  @ApiOkResponse({ description: '{ data: [schedule] }' })
  @ApiErrors(401, 403)
  async list() {
    return { data: (await this.schedules.list()).map(scheduleView) };
  }

  @Post()
  @ApiOperation({
    summary: 'Schedule a report (admin)',
    description:
      'name, report, params, cron (5 fields, or 6 with seconds first), timezone (IANA, default Europe/London), enabled (default true), published (default false: its reports are public at /reports when true). Bad parameters, cron expression or time zone: 400 naming the field; a name in use: 409.',
  })
  @ApiCreatedResponse({ description: 'The schedule' })
  @ApiErrors(400, 401, 403, 409)
  async create(@Body() body: CreateScheduleDto, @CurrentPrincipal() principal: Principal | undefined) {
    return scheduleView(await this.schedules.create(body, principal?.keyId ?? null));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One report schedule, with its latest runs (admin)' })
  @ApiOkResponse({ description: 'The schedule and its runs, newest due time first' })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', ParseIntPipe) id: number) {
    return scheduleView(await this.schedules.get(id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a report schedule: any of its fields (admin); disabling it stops its ticks' })
  @ApiOkResponse({ description: 'The schedule as changed' })
  @ApiErrors(400, 401, 403, 404, 409)
  async update(@Param('id', ParseIntPipe) id: number, @Body() body: UpdateScheduleDto) {
    return scheduleView(await this.schedules.update(id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a report schedule (admin); its runs and their PDFs are kept' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.schedules.remove(id);
  }
}
