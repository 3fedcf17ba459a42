import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { BenchmarksService } from '../../metrics/read/benchmarks/benchmarks.service';
import { PeerGroupsService } from '../../metrics/read/peers/peer-groups.service';
import { PeersService } from '../../metrics/read/peers/peers.service';
import { Public, Roles } from '../auth/access.decorator';
import { ApiErrors } from '../http/api-errors.decorator';
import { BenchmarkDto, BenchmarkQueryDto, PeerGroupInput, PeerSetDto, PeersQuery, peerQuery } from './peers.dto';

const CODE = { name: 'code', description: 'authority code (GSS for councils)', example: 'E08000009' };
const GROUP = { name: 'name', description: 'group name (lower case letters, digits, - and _)', example: 'gm-councils' };

@ApiTags('peers and benchmarks')
@Controller('api/v1')
export class PeersController {
  constructor(
    private readonly peers: PeersService,
    private readonly benchmarks: BenchmarksService,
    private readonly groups: PeerGroupsService,
  ) {}

  @Get('authorities/:code/peers')
  @Public()
  @ApiOperation({
    summary: "An authority's peer group",
    description:
      'method: same_subtype (same kind and subtype), same_region (same region and, for councils, the same tier), nearest (standardised Euclidean distance over open area indicators among councils of the same tier; k, features, scope), cluster (a mySociety similarity cluster; scheme), group (a user-defined group; group). The answer carries the method and, for nearest, the features with their standardisation and each peer\'s distance and features.',
  })
  @ApiParam(CODE)
  @ApiOkResponse({ type: PeerSetDto })
  @ApiErrors(400, 404)
  @ApiResponse({ status: 422, description: 'The method does not apply to this authority (nearest for a non-council, no region, no cluster)' })
  list(@Param('code') code: string, @Query() query: PeersQuery) {
    return this.peers.peers(code, peerQuery(query.method, query));
  }

  @Get('benchmarks/:code')
  @Public()
  @ApiOperation({
    summary: "An authority's indicators against its peer group",
    description:
      "For each indicator: the authority's value, the peers' median and quartiles (type 7 interpolation), its percentile rank among the peers (100 x (below + equal / 2) / n), the gap to the median, and how many peers have a value. Peers as in /authorities/{code}/peers, chosen with peers= (the method) and the same options.",
  })
  @ApiParam(CODE)
  @ApiOkResponse({ type: BenchmarkDto })
  @ApiErrors(400, 404)
  @ApiResponse({ status: 422, description: 'The peer method does not apply to this authority' })
  benchmark(@Param('code') code: string, @Query() query: BenchmarkQueryDto) {
    return this.benchmarks.benchmark(code, { peers: peerQuery(query.peers, query), from: query.from, to: query.to });
  }

  @Get('peer-groups')
  @Public()
  @ApiOperation({ summary: 'Peer groups defined by administrators' })
  async listGroups() {
    return { data: await this.groups.list() };
  }

  @Get('peer-groups/:name')
  @Public()
  @ApiOperation({ summary: 'One peer group with its members' })
  @ApiParam(GROUP)
  @ApiErrors(404)
  getGroup(@Param('name') name: string) {
    return this.groups.get(name);
  }

  @Put('peer-groups/:name')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Create a peer group, or replace its description and members (admin)' })
  @ApiParam(GROUP)
  @ApiResponse({ status: 201, description: 'Created' })
  @ApiResponse({ status: 200, description: 'Replaced' })
  @ApiErrors(400, 401, 403)
  @ApiResponse({ status: 422, description: 'A member code names no authority (details.unknown_members)' })
  async putGroup(@Param('name') name: string, @Body() body: PeerGroupInput, @Res({ passthrough: true }) res: Response) {
    const { created, group } = await this.groups.put(name, body);
    res.status(created ? 201 : 200);
    return group;
  }

  @Delete('peer-groups/:name')
  @Roles('admin')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a peer group (admin)' })
  @ApiParam(GROUP)
  @ApiErrors(401, 403, 404)
  async deleteGroup(@Param('name') name: string) {
    await this.groups.delete(name);
  }
}
