import { Module } from '@nestjs/common';
import { AuthoritiesRepository } from './authorities/authorities.repository';
import { AuthoritiesService } from './authorities/authorities.service';
import { CatalogueRepository } from './catalogue/catalogue.repository';
import { CatalogueService } from './catalogue/catalogue.service';
import { ReadFilterRepository } from './read-filter/read-filter.repository';
import { SectorsRepository } from './sectors/sectors.repository';
import { SectorsService } from './sectors/sectors.service';

/** Reference data: authorities, sectors and CPV codes, the measures catalogue, and the read filter looked up in them. */
@Module({
  providers: [AuthoritiesRepository, AuthoritiesService, SectorsRepository, SectorsService, CatalogueRepository, CatalogueService, ReadFilterRepository],
  exports: [AuthoritiesRepository, AuthoritiesService, SectorsService, CatalogueRepository, CatalogueService, ReadFilterRepository],
})
export class ReferenceModule {}
