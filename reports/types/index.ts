import { AuthorityReport } from './authority/authority.report';
import { EvidenceReport } from './evidence/evidence.report';
import { NationalReport } from './national/national.report';

/** The view-model builder of every report of the catalogue (reports/catalogue.ts), one per folder. */
export const REPORT_BUILDER_CLASSES = [NationalReport, AuthorityReport, EvidenceReport];
