import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from '../auth/api-keys.service';
import { Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiKeyDto, CreatedKeyDto, CreateKeyDto } from './keys.dto';

/** Key management for admins over HTTP; the first admin key comes from the CLI (`npm run keys -- create`). */
@ApiTags('keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api/v1/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: 'List API keys (never the keys themselves)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  @ApiErrors(401, 403)
  list() {
    return this.keys.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create an API key; the response holds the key, shown once' })
  @ApiCreatedResponse({ type: CreatedKeyDto })
  @ApiErrors(400, 401, 403, 413)
  create(@Body() body: CreateKeyDto) {
    return this.keys.create(body);
  }

  @Delete(':ref')
  @ApiOperation({ summary: 'Revoke an API key by id or prefix' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(401, 403, 404, 409)
  revoke(@Param('ref') ref: string) {
    return this.keys.revoke(ref);
  }
}
