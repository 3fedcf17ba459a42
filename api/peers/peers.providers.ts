import type { Provider } from '@nestjs/common';
import { BenchmarksService } from '../../metrics/read/benchmarks/benchmarks.service';
import { INDICATORS_SOURCE } from '../../metrics/read/benchmarks/indicators-source';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { PeerGroupsService } from '../../metrics/read/peers/peer-groups.service';
import { PeersRepository } from '../../metrics/read/peers/peers.repository';
import { PeersService } from '../../metrics/read/peers/peers.service';

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
