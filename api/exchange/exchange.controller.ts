import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OBJECTIVE } from '../../metrics/ingest/exchange/matching';
import { ExchangeService, type ExchangeActor } from '../../metrics/ingest/exchange/exchange.service';
import type { MatchScope } from '../../metrics/read/exchange/exchange-read.repository';
import { ExchangeReadService } from '../../metrics/read/exchange/exchange-read.service';
import { Public, Roles } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ExchangeListQuery, MatchListQuery, MoveInput, NeedInput, OrganisationInput, PledgeInput, WrittenDto } from './exchange.dto';

const ID = { name: 'id', description: 'numeric id', example: 1 };
const PARTIES = ['admin', 'submitter', 'community', 'supplier'] as const;

/** The caller as an actor on the exchange: its role and what it is scoped to. */
export function actorOf(p: Principal): ExchangeActor {
  return {
    keyId: p.keyId,
    role: p.role,
    authorities: p.role === 'submitter' ? p.authorityCodes : null,
    organisationId: p.organisationId,
    supplierId: p.supplierId,
  };
}

/** The matches a caller sees: its organisation's, its supplier's, its authorities' (submitter), or all (admin, analyst). */
function matchScope(p: Principal): MatchScope {
  if (p.role === 'community') return { organisationId: p.organisationId };
  if (p.role === 'supplier') return { supplierId: p.supplierId };
  if (p.role === 'submitter') return { authorityCodes: p.authorityCodes };
  return {};
}

@ApiTags('exchange')
@Controller('api/v1/exchange')
export class ExchangeController {
  constructor(
    private readonly exchange: ExchangeService,
    private readonly read: ExchangeReadService,
  ) {}

  @Get('organisations')
  @Public()
  @ApiOperation({ summary: 'Community organisations on the exchange, with the authorities they serve' })
  @ApiErrors()
  async organisations() {
    return { data: await this.read.organisations() };
  }

  @Post('organisations')
  @Roles('admin', 'submitter')
  @ApiOperation({ summary: 'Register a community organisation, or update it (its identifier is its key); a submitter for the authorities it serves' })
  @ApiCreatedResponse({ description: 'Registered or updated' })
  @ApiErrors(400, 401, 403, 404)
  saveOrganisation(@CurrentPrincipal() p: Principal, @Body() body: OrganisationInput) {
    return this.exchange.saveOrganisation(actorOf(p), body);
  }

  @Get('needs')
  @Public()
  @ApiOperation({ summary: 'The board: open needs (something left to meet, not past their date), soonest needed first', description: 'No person is named: needs are posted by organisations.' })
  @ApiErrors(400, 404)
  needs(@Query() q: ExchangeListQuery) {
    const { limit, offset, ...query } = q;
    return this.read.needs(query, { limit, offset });
  }

  @Get('needs/:id')
  @Public()
  @ApiOperation({ summary: 'One need, with what is matched of it' })
  @ApiParam(ID)
  @ApiErrors(400, 404)
  need(@Param('id', ParseIntPipe) id: number) {
    return this.read.need(id);
  }

  @Post('needs')
  @Roles('admin', 'submitter', 'community')
  @ApiOperation({ summary: "Post a need: a community key for its organisation, or a broker (admin; submitter for the need's authority)" })
  @ApiCreatedResponse({ type: WrittenDto })
  @ApiErrors(400, 401, 403, 404, 409)
  @ApiResponse({ status: 422, description: "The unit does not convert to the measure's unit" })
  postNeed(@CurrentPrincipal() p: Principal, @Body() body: NeedInput) {
    return this.exchange.postNeed(actorOf(p), body);
  }

  @Post('needs/:id/withdraw')
  @HttpCode(200)
  @Roles('admin', 'submitter', 'community')
  @ApiOperation({ summary: 'Withdraw a need: it leaves the board and the matching, its proposals expire (accepted matches stand until cancelled)' })
  @ApiParam(ID)
  @ApiErrors(400, 401, 403, 404, 409)
  withdrawNeed(@CurrentPrincipal() p: Principal, @Param('id', ParseIntPipe) id: number) {
    return this.exchange.withdraw(actorOf(p), 'need', id);
  }

  @Get('pledges')
  @Public()
  @ApiOperation({ summary: 'Open pledges (something left to offer, still available), by any of their places' })
  @ApiErrors(400, 404)
  pledges(@Query() q: ExchangeListQuery) {
    const { limit, offset, ...query } = q;
    return this.read.pledges(query, { limit, offset });
  }

  @Get('pledges/:id')
  @Public()
  @ApiOperation({ summary: 'One pledge, with what is matched of it' })
  @ApiParam(ID)
  @ApiErrors(400, 404)
  pledge(@Param('id', ParseIntPipe) id: number) {
    return this.read.pledge(id);
  }

  @Post('pledges')
  @Roles('admin', 'submitter', 'supplier')
  @ApiOperation({
    summary: "Pledge against a contract's commitment: a supplier key for its own contracts, or a broker (admin; submitter for the contract's authority)",
    description: 'A pledge beyond what the contract commits of the measure is accepted with a warning (exceeds_commitment, or no_commitment) saying by how much.',
  })
  @ApiCreatedResponse({ type: WrittenDto })
  @ApiErrors(400, 401, 403, 404, 409)
  @ApiResponse({ status: 422, description: "The unit does not convert to the measure's unit" })
  postPledge(@CurrentPrincipal() p: Principal, @Body() body: PledgeInput) {
    return this.exchange.postPledge(actorOf(p), body);
  }

  @Post('pledges/:id/withdraw')
  @HttpCode(200)
  @Roles('admin', 'submitter', 'supplier')
  @ApiOperation({ summary: 'Withdraw a pledge: it leaves the matching, its proposals expire (accepted matches stand until cancelled)' })
  @ApiParam(ID)
  @ApiErrors(400, 401, 403, 404, 409)
  withdrawPledge(@CurrentPrincipal() p: Principal, @Param('id', ParseIntPipe) id: number) {
    return this.exchange.withdraw(actorOf(p), 'pledge', id);
  }

  @Post('matching/run')
  @HttpCode(200)
  @Roles('admin', 'submitter')
  @ApiOperation({
    summary: 'Run the matching: propose an optimal allocation of open pledges to open needs',
    description: `${OBJECTIVE} Proposals nobody has accepted yet are replaced by the run's. The answer holds the run's figures beside a first-come greedy allocation of the same pledges and needs. It also runs every night.`,
  })
  @ApiErrors(401, 403)
  runMatching(@CurrentPrincipal() p: Principal) {
    return this.exchange.runMatching('api', actorOf(p));
  }

  @Get('matches')
  @Roles('admin', 'submitter', 'analyst', 'community', 'supplier')
  @ApiBearerAuth()
  @ApiOperation({ summary: "Matches the caller may see: a community key its organisation's, a supplier key its own, a submitter its authorities'" })
  @ApiErrors(400, 401, 403)
  matches(@CurrentPrincipal() p: Principal, @Query() q: MatchListQuery) {
    const { limit, offset, ...query } = q;
    return this.read.matches(query, matchScope(p), { limit, offset });
  }

  @Get('matches/:id')
  @Roles('admin', 'submitter', 'analyst', 'community', 'supplier')
  @ApiOperation({ summary: 'One match with every move (from, to, side, the key that made it, when)' })
  @ApiParam(ID)
  @ApiErrors(400, 401, 403, 404)
  match(@CurrentPrincipal() p: Principal, @Param('id', ParseIntPipe) id: number) {
    return this.read.match(id, matchScope(p));
  }

  @Get('matches/:id/transitions')
  @Roles('admin', 'submitter', 'analyst', 'community', 'supplier')
  @ApiOperation({ summary: 'The moves of one match, oldest first' })
  @ApiParam(ID)
  @ApiErrors(400, 401, 403, 404)
  async transitions(@CurrentPrincipal() p: Principal, @Param('id', ParseIntPipe) id: number) {
    return { data: (await this.read.match(id, matchScope(p))).transitions };
  }

  @Post('matches/:id/transitions')
  @HttpCode(200)
  @Roles(...PARTIES)
  @ApiOperation({
    summary: 'Move a match: accepted, declined, cancelled, delivered or confirmed',
    description:
      'proposed -> accepted (once both sides accept; a broker accepts for the side it names, or both) -> delivered (the supplier, with delivered_on and the quantity) -> confirmed (the community organisation: the delivery is imported as an outcome return of the contract, a batch of kind exchange with evidence_ref exchange-match-<id>). declined from proposed; cancelled from proposed or accepted. A move out of order is 409; a key of another party 403.',
  })
  @ApiParam(ID)
  @ApiErrors(400, 401, 403, 404, 409)
  @ApiResponse({ status: 422, description: 'The delivery could not be imported as an outcome' })
  move(@CurrentPrincipal() p: Principal, @Param('id', ParseIntPipe) id: number, @Body() body: MoveInput) {
    return this.exchange.move(actorOf(p), id, body);
  }
}
