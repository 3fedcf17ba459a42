import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/principal.decorator';
import { senderOf, type Principal } from '../auth/principal';
import { Public, Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { AddAuthorityNameDto, AuthorityDetailDto, AuthorityPageDto, AuthorityQuery } from './authorities.dto';
import { AuthoritiesService } from '../../metrics/reference/authorities/authorities.service';

@ApiTags('authorities')
@Controller('api/v1/authorities')
export class AuthoritiesController {
  constructor(private readonly authorities: AuthoritiesService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'List authorities (councils, central government departments, other bodies)' })
  @ApiOkResponse({ type: AuthorityPageDto })
  @ApiErrors(400)
  list(@Query() query: AuthorityQuery) {
    return this.authorities.list(query);
  }

  @Get(':code')
  @Public()
  @ApiOperation({ summary: 'One authority with its alternative names and identifiers' })
  @ApiOkResponse({ type: AuthorityDetailDto })
  @ApiErrors(404)
  get(@Param('code') code: string) {
    return this.authorities.get(code);
  }

  @Post(':code/names')
  @Roles('admin', 'submitter')
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Add a name the authority is known by in contract data (admin, or a submitter for this authority)',
  })
  @ApiCreatedResponse({ description: '{ code, name, name_normalised, source: "user" }' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  addName(@CurrentPrincipal() principal: Principal, @Param('code') code: string, @Body() body: AddAuthorityNameDto) {
    return this.authorities.addName(senderOf(principal).allowed, code, body.name);
  }
}
