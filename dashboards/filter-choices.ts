import { KIND_GROUP_LABELS } from './describe';
import { Injectable } from '@nestjs/common';
import { AUTHORITY_KINDS, NATIONS } from '../metrics/reference/authorities/authority-kinds';
import { AuthoritiesService } from '../metrics/reference/authorities/authorities.service';
import { CatalogueService } from '../metrics/reference/catalogue/catalogue.service';
import { SectorsService } from '../metrics/reference/sectors/sectors.service';
import type { FilterControl } from './catalogue';

export interface Choice {
  value: string;
  label: string;
}
export type Choices = Partial<Record<FilterControl, { label: string; groups: { label?: string; choices: Choice[] }[] }>>;


/** Periods offered in the filter bar: years, financial years and quarters from 2020 to the year after today. */
export function periodChoices(today = new Date()): { label?: string; choices: Choice[] }[] {
  const last = today.getUTCFullYear();
  const years: Choice[] = [];
  const fys: Choice[] = [];
  const quarters: Choice[] = [];
  for (let y = last; y >= 2020; y -= 1) {
    years.push({ value: String(y), label: String(y) });
    const fy = `FY${y}-${String((y + 1) % 100).padStart(2, '0')}`;
    fys.push({ value: fy, label: `Financial year ${y}-${String((y + 1) % 100).padStart(2, '0')}` });
    for (let q = 4; q >= 1; q -= 1) quarters.push({ value: `${y}-Q${q}`, label: `${y} Q${q}` });
  }
  return [
    { label: 'Calendar years', choices: years },
    { label: 'Financial years', choices: fys },
    { label: 'Quarters', choices: quarters },
  ];
}

/**
 * The choices of the filter bar, from the reference data (read through the metrics door): kinds and nations (closed
 * lists), regions, departments, sectors, the default framework's themes; kept for a minute.
 */
@Injectable()
export class FilterChoices {
  private cached?: { at: number; value: Promise<Choices> };

  constructor(
    private readonly authorities: AuthoritiesService,
    private readonly sectors: SectorsService,
    private readonly catalogue: CatalogueService,
  ) {}

  get(): Promise<Choices> {
    if (!this.cached || Date.now() - this.cached.at > 60_000) {
      const value = this.load();
      this.cached = { at: Date.now(), value };
      value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  private async load(): Promise<Choices> {
    const [regions, departments, sectors, frameworks] = await Promise.all([
      this.authorities.regions(),
      this.authorities.list({ kind: 'central_department', limit: 500, offset: 0 }),
      this.sectors.listSectors(),
      this.catalogue.list(),
    ]);
    const def = frameworks.find((f) => f.is_default);
    const themes = def ? (await this.catalogue.get(def.code, def.version)).themes : [];
    const periods = periodChoices();
    return {
      from: { label: 'From', groups: periods },
      to: { label: 'To', groups: periods },
      kind: { label: 'Kind of authority', groups: [{ choices: AUTHORITY_KINDS.map((k) => ({ value: k, label: KIND_GROUP_LABELS[k] ?? k })) }] },
      region: { label: 'Region', groups: [{ choices: regions.map((r) => ({ value: r.region, label: r.region })) }] },
      nation: { label: 'Nation', groups: [{ choices: NATIONS.map((n) => ({ value: n, label: n })) }] },
      department: { label: 'Department', groups: [{ choices: departments.data.map((d) => ({ value: d.code, label: d.name })) }] },
      sector: {
        label: 'Sector',
        groups: [{ choices: sectors.data.map((s) => ({ value: s.code, label: `${s.code} ${s.label}` })) }],
      },
      theme: { label: 'Theme', groups: [{ choices: themes.map((t) => ({ value: t.code, label: t.name })) }] },
      basis: {
        label: '£ basis',
        groups: [
          {
            choices: [
              { value: 'net', label: 'Net (after deadweight and the like)' },
              { value: 'real', label: `Real (base year prices)` },
              { value: 'nominal', label: 'Nominal' },
            ],
          },
        ],
      },
    };
  }
}
