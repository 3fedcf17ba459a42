import { Inject, Injectable } from '@nestjs/common';
import { METRICS_OPTIONS, type MetricsOptions } from '../metrics/platform/options';
import { CatalogueService } from '../metrics/reference/catalogue/catalogue.service';
import { CATALOGUE_DATA_DIR, parseDeflators, readReferenceFile } from '../metrics/reference/reference-files';
import type { Methodology } from './report';

/**
 * The methodology appendix every report ends with: the frameworks loaded (name, version, licence, price year), the
 * default one's proxy value sources, the deflator series, the delivery rating thresholds in force.
 */
@Injectable()
export class MethodologyService {
  private deflator?: string;

  constructor(
    private readonly catalogue: CatalogueService,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
  ) {}

  private deflatorSource(): string {
    if (this.deflator === undefined) {
      const rows = parseDeflators(readReferenceFile('gdp_deflators.csv', CATALOGUE_DATA_DIR).text);
      const years = rows.map((r) => r.year);
      const sources = [...new Set(rows.map((r) => r.source))];
      this.deflator = rows.length
        ? `${rows[0].series}, ${Math.min(...years)} to ${Math.max(...years)}: ${sources.join('; ')}.`
        : 'no deflator series is loaded.';
    }
    return this.deflator;
  }

  async describe(): Promise<Methodology> {
    const frameworks = await this.catalogue.list();
    const def = frameworks.find((f) => f.is_default);
    const proxySources = new Set<string>();
    if (def) {
      const full = await this.catalogue.get(def.code, def.version);
      for (const t of full.themes) for (const o of t.outcomes) for (const m of o.measures) for (const p of m.proxies) proxySources.add(`${p.source} (${p.licence})`);
    }
    const t = this.options.delivery.thresholds;
    return {
      frameworks: frameworks.map((f) => ({ code: f.code, version: f.version, name: f.name, licence: f.licence ?? null, price_year: f.base_price_year ?? null })),
      base_price_year: def?.base_price_year ?? null,
      deflator: this.deflatorSource(),
      proxy_sources: [...proxySources].sort(),
      rating_thresholds: [
        { rating: 'Good', from: Number(t.good) },
        { rating: 'Approaching target', from: Number(t.approaching_target) },
        { rating: 'Requires improvement', from: Number(t.requires_improvement) },
      ],
      notes: [
        def ? `The default framework (${def.code} ${def.version}) values every outcome; outcomes of measures of other frameworks count through its crosswalk.` : 'No default framework is set.',
        'Delivery against commitment counts what contracts committed to deliver to the end of the period, pro rata over each commitment\'s dates, against what their returns report.',
      ],
    };
  }
}
