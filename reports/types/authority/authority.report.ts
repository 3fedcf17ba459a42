import { Injectable } from '@nestjs/common';
import type { BuildContext, BuiltReport, ReportBuilder } from '../../report';

/** The authority report's view model (being written: see its issue). */
@Injectable()
export class AuthorityReport implements ReportBuilder {
  readonly name = 'authority' as const;

  async build(ctx: BuildContext): Promise<BuiltReport> {
    return { subtitle: ctx.period.label, demo: false, figures: [], charts: {}, tables: {}, content: {} };
  }
}
