import { Module } from '@nestjs/common';
import { AuthoritiesRepository } from './authorities/authorities.repository';
import { AuthoritiesService } from './authorities/authorities.service';
import { CatalogueRepository } from './catalogue/catalogue.repository';
import { CatalogueService } from './catalogue/catalogue.service';
import { SectorsRepository } from './sectors/sectors.repository';
import { SectorsService } from './sectors/sectors.service';

/** Reference data: authorities, sectors and CPV codes, the measures catalogue. */
@Module({
  providers: [AuthoritiesRepository, AuthoritiesService, SectorsRepository, SectorsService, CatalogueRepository, CatalogueService],
  exports: [AuthoritiesRepository, AuthoritiesService, SectorsService, CatalogueRepository, CatalogueService],
})
export class ReferenceModule {}
