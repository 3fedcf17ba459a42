import type { Provider } from '@nestjs/common';
import { BenchmarksService } from '../../metrics/benchmarks/benchmarks.service';
import { INDICATORS_SOURCE } from '../../metrics/benchmarks/indicators-source';
import { IndicatorsService } from '../../metrics/indicators/indicators.service';
import { PeerGroupsService } from '../../metrics/peers/peer-groups.service';
import { PeersRepository } from '../../metrics/peers/peers.repository';
import { PeersService } from '../../metrics/peers/peers.service';

/**
 * The providers of peer groups and benchmarks, registered in AppModule. Benchmarks read each authority's indicators
 * through INDICATORS_SOURCE, here the IndicatorsService (registered by INDICATORS_PROVIDERS).
 */
export const PEERS_PROVIDERS: Provider[] = [
  PeersRepository,
  PeersService,
  PeerGroupsService,
  BenchmarksService,
  { provide: INDICATORS_SOURCE, useExisting: IndicatorsService },
];
