import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-errors.decorator';
import { NoReadCache } from '../http/read-cache.interceptor';
import { HealthService } from '../../metrics/platform/health';
import { Public } from '../auth/access.decorator';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @Public()
  @NoReadCache()
  @ApiOperation({ summary: 'Database reachable and migrations current (200), or 503 saying which is not' })
  @ApiOkResponse({ description: '{ status: "ok", database, migrations }' })
  @ApiErrors(503)
  check() {
    return this.health.check();
  }
}
